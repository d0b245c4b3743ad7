"""The demo's rule-set step: each city is governed by a shipped set, and the dashboards of
the demo year have snapshots to read (REQUIREMENTS §3, §7)."""

import datetime as dt
from typing import Any

from civtrain.compliance.api import person_evaluate
from civtrain.demo.steps import DemoContext, run_all

AS_OF = dt.date(2026, 11, 23)


def test_every_demo_person_is_evaluated_under_the_national_set(db: Any) -> None:
    ctx = run_all(DemoContext(seed=3, people=120, as_of=AS_OF))
    summary = dict((name, text) for name, _, text in ctx.timings)["rules"]
    # This year, last year, and the last years of the cities' own sets (2020, 2016); only the
    # people in post count, so fewer snapshots than people a year.
    assert summary.startswith("4 rule-set bindings, ") and summary.endswith(
        "for 2026, 2025, 2020, 2016"
    )
    person_id = ctx.persons[0].person_id
    result = person_evaluate(person_id, year=2026, as_of=AS_OF)
    clauses = {o.clause for o in result.outcomes}
    assert clauses and all(c.startswith("NAT-") for c in clauses)


def test_the_chongqing_set_governs_chongqing_in_2018(db: Any) -> None:
    ctx = run_all(DemoContext(seed=3, people=120, as_of=AS_OF))
    cq = next(p for p in ctx.persons if p.unit_code.startswith("5"))
    result = person_evaluate(cq.person_id, year=2018, as_of=dt.date(2018, 12, 31))
    assert "CQ-G1" in {o.clause for o in result.outcomes}
