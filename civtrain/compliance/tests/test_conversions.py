"""Issue #10 item 6: REQUIREMENTS §8 "Hours and days are converted when a rule is evaluated,
with the evaluating set's 学时-per-day; the ledger keeps what was recorded (hours, days, or
both)", PR-2 ("one day may be 6, 7.5 or 8 学时: conversions are parameters of the rule set").

Each case writes the same entry and evaluates it under a copy of zhengzhou-2014 whose
`conversions.hours_per_day` is the case's, bound to 郑州 (C2) for 2021, with one more rule
that counts days, so both directions show: ZZ-G1 (≥ 170 学时 a year) reports 学时 and
`local-days` (≥ 12 days) reports days. Expectations by hand: days × 学时-per-day, hours ÷
学时-per-day, and recorded values as they are.
"""

import copy
import datetime as dt

import pytest

from civtrain.compliance import services
from civtrain.compliance.api import person_evaluate
from civtrain.compliance.ruleset import read_file, shipped_files
from civtrain.compliance.tests.ledger_builders import entry, reverse
from civtrain.organisations.api import OrgNodeData
from civtrain.testing import make_person

D = dt.date.fromisoformat
DAYS_RULE = {
    "id": "local-days",
    "clause": "ZZ-G1",
    "title": "年度培训天数（测试用）",
    "kind": "annual_total",
    "params": {"min_days": 12, "what": "培训"},
    "audience": {"all": True},
}


def _set_with(hours_per_day: float) -> None:
    doc = copy.deepcopy(read_file(shipped_files()["zhengzhou-2014"]))
    name = f"local-{hours_per_day:g}".replace(".", "-")
    doc.update(name=name, version=1, effective={"from": "2021-01-01", "to": "2021-12-31"})
    doc["conversions"] = {**doc["conversions"], "hours_per_day": hours_per_day}
    doc["rules"] = [*doc["rules"], DAYS_RULE]
    for rule in doc["rules"]:
        rule.pop("period", None)
    services.ruleset_load(actor=None, document=doc)
    services.ruleset_bind(actor=None, name=name, org_code="C2", valid_from=D("2021-01-01"),
                          valid_to=D("2021-12-31"))  # fmt: skip


def _outcomes(person_id: int) -> dict[str, tuple[float, str, str]]:
    result = person_evaluate(person_id, year=2021, as_of=D("2022-01-01"))
    return {o.rule: (o.achieved, o.unit, o.status) for o in result.outcomes}


CASES = [
    # 学时 a day, recorded (hours, days) → ZZ-G1 (学时, status), local-days (days, status)
    (8, (None, 10), (80, "missed"), (10, "missed")),  # the same days-only entry …
    (7.5, (None, 10), (75, "missed"), (10, "missed")),  # … under three sets:
    (6, (None, 10), (60, "missed"), (10, "missed")),  # three different 学时
    (8, (None, 21.25), (170, "met"), (21.25, "met")),
    (7.5, (None, 21.25), (159.375, "missed"), (21.25, "met")),
    (8, (96, None), (96, "missed"), (12, "met")),  # hours only: days = 96 ÷ 8
    (6, (96, None), (96, "missed"), (16, "met")),  # = 96 ÷ 6
    (7.5, (170, 10), (170, "met"), (10, "missed")),  # both recorded: both kept, as they are
    (6, (170, 10), (170, "met"), (10, "missed")),
]


@pytest.mark.parametrize(("per_day", "recorded", "hours", "days"), CASES)
def test_the_evaluating_set_converts_what_the_entry_did_not_record(
    tree: dict[str, OrgNodeData],
    per_day: float,
    recorded: tuple[float | None, float | None],
    hours: tuple[float, str],
    days: tuple[float, str],
) -> None:
    _set_with(per_day)
    p = make_person(tree["U3"])
    entry(p.id, "2021-06-30", hours=recorded[0], days=recorded[1])
    got = _outcomes(p.id)
    assert got["zz-g1-annual"] == (hours[0], "学时", hours[1])
    assert got["local-days"] == (days[0], "天", days[1])


def test_a_reversal_of_a_days_only_entry_cancels_under_any_set(
    tree: dict[str, OrgNodeData],
) -> None:
    _set_with(8)
    p = make_person(tree["U3"])
    e = entry(p.id, "2021-03-01", days=10)
    entry(p.id, "2021-04-01", hours=40)
    reverse(e.id)
    got = _outcomes(p.id)
    assert (got["zz-g1-annual"][0], got["local-days"][0]) == (40, 5)  # 40 h; 40 ÷ 8 days
