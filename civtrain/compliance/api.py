"""Public interface of the compliance app for other apps (ledger, pages, reports)."""

import datetime as dt
from decimal import Decimal
from typing import Any, NamedTuple

from civtrain.accounts.api import SYSTEM
from civtrain.compliance import conversions, selectors, services
from civtrain.compliance.data import (
    AssessmentLinkage,
    ComplianceOutcome,
    OutcomeStatus,
    PersonResult,
    UnitSummary,
    UnitTarget,
    fmt_number,
)
from civtrain.core import clock
from civtrain.core.actors import Actor

__all__ = [
    "AssessmentLinkage",
    "ComplianceOutcome",
    "OutcomeCounts",
    "OutcomeStatus",
    "PersonResult",
    "UnitSummary",
    "UnitTarget",
    "conversions_cache_clear",
    "hours_per_day_for",
    "learner_progress_context",
    "online_credit_hours",
    "online_crediting_policy",
    "outcome_counts",
    "person_evaluate",
    "person_reevaluate",
    "ruleset_governing",
    "ruleset_title",
    "unit_targets",
]


def person_evaluate(person_id: int, *, year: int, as_of: dt.date | None = None) -> PersonResult:
    """One person's outcomes for a year, computed now, not stored. Evaluated as the system
    (unscoped): for app code that has established the caller's access to the person."""
    _, results = selectors.evaluate(actor=SYSTEM, year=year, as_of=as_of, person_ids=[person_id])
    found = list(results)
    if not found:
        from civtrain.core.errors import NotFound

        raise NotFound("人员不存在")
    return found[0]


def person_reevaluate(
    person_id: int,
    *,
    year: int | None = None,
    as_of: dt.date | None = None,
    actor: Actor = SYSTEM,
) -> PersonResult:
    """Re-evaluate one person (after a ledger write) and store the snapshot of that person
    only. Year defaults to the current one, as_of to today (or that year's last day)."""
    y = year or clock.today().year
    result = person_evaluate(person_id, year=y, as_of=as_of)
    services.snapshot_store(actor=actor, results=[result])
    return result


def learner_progress_context(
    person_id: int, *, year: int | None = None, result: PersonResult | None = None
) -> dict[str, Any]:
    """Context for compliance/_learner_progress.html: one bar per rule with what closes the
    gap ("62.5 / 90 学时", "法治 20 / 24 学时"). `result`: the person's evaluation in that
    year when the page has it already (it is not evaluated twice)."""
    y = year or clock.today().year
    if result is None:
        result = person_evaluate(person_id, year=y)
    bars = []
    for o in result.outcomes:
        if o.status == OutcomeStatus.NOT_APPLICABLE:
            continue
        pct = 100 if o.required <= 0 else min(100, round(100 * o.achieved / o.required))
        bars.append(
            {
                "outcome": o,
                "percent": pct,
                "achieved": o.achieved,
                "required": o.required,
                "color": {"met": "success", "not_yet": "primary", "missed": "danger"}[o.status],
                "explanation": o.explanation,
                # "62.5 / 90 学时", "法治 20 / 24 学时" (issue 4 §6)
                "label": f"{fmt_number(o.achieved)} / {fmt_number(o.required)} {o.unit}",
            }
        )
    # PR-1: how the learner's online courses earn 学时 under the set governing them.
    policy = online_crediting_policy(person_id, clock.today()) if result.ruleset else ""
    return {
        "compliance_year": y,
        "compliance_bars": bars,
        "compliance_result": result,
        "ruleset_title": selectors.ruleset_title(result.ruleset) if result.ruleset else "",
        "online_policy": policy,
        # ZZ-M1: the year's 学分 beside the hours, where the governing set runs a 学分制
        "credits": result.credits,
        "credits_label": fmt_number(result.credits.earned) if result.credits else "",
    }


class OutcomeCounts(NamedTuple):
    """What a rule's outcome counts of the ledger (#12 item 1: a learner's page points to the
    online courses that fill a gap): entries of these training types and modes (empty: any)
    and, for a subject's minimum, the hours they record for that subject ("" : any)."""

    subject: str
    types: frozenset[str]
    modes: frozenset[str]

    def admits(self, training_type: str, mode: str, subjects: Any = ()) -> bool:
        """Whether an entry of this type and mode, recording `subjects`, counts toward it."""
        if self.types and training_type not in self.types:
            return False
        if self.modes and mode not in self.modes:
            return False
        return not self.subject or self.subject in subjects


def outcome_counts(ruleset: str) -> dict[str, OutcomeCounts]:
    """By outcome rule id (ComplianceOutcome.rule: "cq-t4b-law", a sub-requirement
    "cq-t6a-initial.law"), what the outcomes of the set labelled "name@version" count; {}
    when it is not loaded. Rules the ledger's hours do not fill (an exam, a credit minimum,
    a unit's count) are not listed."""
    from civtrain.compliance.ruleset import expand_types

    name, _, version = ruleset.partition("@")
    row = selectors.ruleset_list().filter(name=name, version=int(version or 0)).first()
    if row is None:
        return {}
    found: dict[str, OutcomeCounts] = {}
    for rule in selectors.ruleset_spec(row).rules:
        params = rule.params
        types = expand_types(params.get("types", ()))
        if rule.kind in ("annual_total", "rolling_total", "once_in_period"):
            modes = frozenset(params.get("modes", ()))
            found[rule.id] = OutcomeCounts(str(params.get("subject") or ""), types, modes)
        elif rule.kind == "triggered":
            found[rule.id] = OutcomeCounts("", types, frozenset())
            for sub in params.get("subrequirements", ()):
                found[f"{rule.id}.{sub['id']}"] = OutcomeCounts(sub["subject"], types, frozenset())
    return found


def ruleset_title(label: str) -> str:
    """The Chinese title of the set labelled "name@version" (the label if it is not loaded)."""
    return selectors.ruleset_title(label)


def hours_per_day_for(person_id: int, on: dt.date) -> float | None:
    """The 学时-per-day of the rule set governing the person on `on` (PR-2); None when no set
    is bound. The engine converts with the evaluating set's own figure (REQUIREMENTS §8); this
    is for the ledger's pages and API, which show beside a days-only or hours-only entry what
    it comes to under the set governing its date. Passed to them explicitly by the
    composition root (config/urls.py, config/api.py). Cached lookups, no evaluation."""
    return conversions.hours_per_day(person_id, on)


def ruleset_governing(person_id: int, on: dt.date) -> str:
    """ "name@version" of the rule set governing the person on `on` ("" if none): the one
    resolver the engine and the conversions use too (issue #9 item 1)."""
    from civtrain.compliance.bindings import governing

    found = governing(person_id, on)
    return found.spec.label if found else ""


def over_two_months(start: dt.date | None, end: dt.date, days: float | None) -> bool:
    """Whether an off-the-job training goes onto the 干部任免审批表 (CQ-M3): the rule the
    compliance export applies, for the documents' extract too (issue #15)."""
    from civtrain.compliance.exports import over_two_months as rule

    return rule(start, end, days)


def entry_study_credits(
    person_id: int,
    on: dt.date,
    *,
    training_type: str,
    mode: str,
    result: str,
    hours: float,
    days: float,
) -> float | None:
    """学分 one ledger entry earns under the credit system of the set governing the person on
    `on` (ZZ-M1), its missing hours or days converted with that set's 学时-per-day; None when
    the set has no credit system (documents: the booklet's credits column, issue #15)."""
    from civtrain.compliance.bindings import governing
    from civtrain.compliance.study_credits import entry_credits

    found = governing(person_id, on)
    if found is None or found.spec.credits is None:
        return None
    return entry_credits(found.spec.credits, training_type, mode, result, hours, days)


def online_credit_hours(person_id: int, on: dt.date, minutes: float, progress: float) -> Decimal:
    """学时 an online course of `minutes` earns the person at `progress` (0…1) on `on`, under
    the crediting policy of the rule set governing them (PR-1): `full_progress` credits
    the length only at 100 %, `length_bands` a band's hours. Without a bound set, the
    platform's own rule applies: 100 % progress, 45 minutes a 学时 (PR-2)."""
    policy, minutes_per_hour = conversions.crediting_for(person_id, on)
    return conversions.online_credit(
        policy, minutes=minutes, progress=progress, minutes_per_hour=minutes_per_hour
    )


def conversions_cache_clear() -> None:
    """Forget the cached bindings and unit paths behind hours_per_day_for (tests: each has
    its own database; a deployment's caches expire on their own within 30 s)."""
    conversions.cache_clear()


def online_crediting_policy(person_id: int, on: dt.date) -> str:
    """The online crediting policy governing the person on `on`, in one sentence (PR-1)."""
    return conversions.policy_summary(*conversions.crediting_for(person_id, on))


def rulesets_install(
    *, actor: Actor, bindings: list[tuple[str, str, dt.date, dt.date | None]]
) -> int:
    """Load every shipped rule set and bind (name, org code, from, to); for set-up and demo data.

    Returns the number of bindings made. Loading is idempotent (same version, same content)."""
    from civtrain.compliance.ruleset import read_file, shipped_files

    for path in shipped_files().values():
        services.ruleset_load(actor=actor, document=read_file(path))
    for name, org_code, valid_from, valid_to in bindings:
        services.ruleset_bind(
            actor=actor, name=name, org_code=org_code, valid_from=valid_from, valid_to=valid_to
        )
    return len(bindings)


def snapshots_refresh(*, actor: Actor, year: int, as_of: dt.date | None = None) -> int:
    """Evaluate everyone for `year` and store the snapshots the unit dashboards read
    (streamed into the store in batches, not held in memory); the stale marks of the year
    made before the run (and the ledger changes waiting in its outbox) are covered by it
    and dropped."""
    services.ledger_changes_pull()
    started = clock.now()
    _, stream = selectors.evaluate(actor=actor, year=year, as_of=as_of, unit_code=None)
    stored = services.snapshot_store(actor=actor, results=stream)
    services.stale_clear_year(year=year, before=started)
    return stored


def people_behind(*, actor: Actor, year: int, root_path: str) -> dict[str, int]:
    """How many people under `root_path` the actor may see missed a deadline this year, and
    how many still have something open, from the stored results (the HR home page's tasks,
    issue #11 item 7): {"missed": n, "not_yet": m}."""
    return selectors.people_behind(actor=actor, year=year, root_path=root_path)


def unit_targets(org_id: int, year: int) -> list[UnitTarget]:
    """What the governing rule set asks the node to hold in the year (ZZ-T2 unit counts):
    the targets an annual plan is checked against while it is drafted (ZZ-O1)."""
    from civtrain.compliance.units import unit_targets as targets

    return targets(selectors.evaluator_for(year, dt.date(year, 12, 31)), org_id)
