"""The demo-data pipeline: an explicit, ordered list of generator steps sharing one context.

Adding a step (e.g. ledger history once `credits` has a bulk writer, classes once
`classes` exists): write `civtrain/demo/<name>.py` with `def run(ctx: DemoContext) -> str`
that uses only other apps' `api.py` / `data.py`, draws its randomness from
`ctx.rng("<name>")` (so the steps before it produce the same data whether or not it runs),
reads what earlier steps made from the context (`ctx.orgs`, `ctx.persons`, `ctx.actors`),
and append it to `STEPS` below. The returned string is a one-line summary for the console.
"""

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from civtrain.organisations.api import OrgNodeData


@dataclass
class DemoAccount:
    """A login printed at the end of the run (demo only: the passwords are public)."""

    role_label: str
    username: str
    password: str
    org_name: str
    note: str = ""
    # The TOTP secret of an administrative role's account (#17 item 1): typed into an
    # authenticator app, or read with `civtrain otp-code USER`.
    otp_secret: str = ""


@dataclass
class DemoContext:
    seed: int
    people: int
    as_of: dt.date
    # Filled by the steps, in order.
    orgs: dict[str, OrgNodeData] = field(default_factory=dict)  # by code
    actors: dict[str, Any] = field(default_factory=dict)  # city code -> its city-bureau user
    persons: list[Any] = field(default_factory=list)  # people.PersonPlan, with person_id set
    accounts: list[DemoAccount] = field(default_factory=list)
    institution_id: int = 0  # the party school of the `teaching` step
    running_class_id: int = 0  # its class running around the as-of date
    timings: list[tuple[str, float, str]] = field(default_factory=list)

    def rng(self, step_name: str) -> random.Random:
        """A generator of its own per step: seeded by the run's seed and the step's name."""
        return random.Random(f"civtrain-demo:{self.seed}:{step_name}")  # noqa: S311 - not crypto


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[DemoContext], str]


def steps() -> list[Step]:
    """The steps in the order they run; each may rely on everything before it."""
    from civtrain.demo import (
        accounts,
        class_states,
        documents,
        exams,
        learning,
        ledger,
        loop,
        org_tree,
        people,
        rules,
        teaching,
    )

    return [
        Step("org_tree", org_tree.run),
        Step("staff_accounts", accounts.run_staff),
        Step("people", people.run),
        Step("learner_accounts", accounts.run_learners),
        Step("ledger", ledger.run),
        Step("teaching", teaching.run),
        Step("class_states", class_states.run),
        Step("exams", exams.run),  # after the classes: a held class's completion exam
        Step("rules", rules.run),  # the snapshots include the finalised classes' results
        Step("learning", learning.run),  # after rules: online 学时 follow the governing set
        Step("documents", documents.run),  # after rules: a transcript states the verdict
        Step("loop", loop.run),  # after the classes: their evaluations, plans, self-checks (#16)
    ]


def run_all(ctx: DemoContext, report: Callable[[str], None] | None = None) -> DemoContext:
    for step in steps():
        start = time.perf_counter()
        summary = step.run(ctx)
        ctx.timings.append((step.name, time.perf_counter() - start, summary))
        if report is not None:
            report(f"{step.name}: {summary} ({time.perf_counter() - start:.2f} s)")
    return ctx
