"""Regulation fidelity, issue #10 items 4 and 5: who is in an audience on the evaluated date,
since when (NAT-4), and which set governs a triggered requirement (REQUIREMENTS §8 "Who is
in an audience", "Which set governs"). Expectations computed by hand from the clauses.

Test tree (conftest.load_and_bind): C1 (重庆: U1 in D1, U2 in D2) runs chongqing-13fyp in
2016–2020 and national-2023 from 2023; C2 (郑州: U3) runs zhengzhou-2014 in 2014–2016.
chongqing-13fyp: 1 day = 7.5 学时; CQ-T6b section level ≥ 15 days within 12 months of the
promotion, with ≥ 4 学时 of law inside (CQ-T4a)."""

import copy
import datetime as dt
from typing import Any

import pytest

from civtrain.accounts.api import SYSTEM
from civtrain.compliance import services
from civtrain.compliance.api import person_evaluate
from civtrain.compliance.data import ComplianceOutcome, PersonResult
from civtrain.compliance.ruleset import read_file, shipped_files
from civtrain.compliance.tests.ledger_builders import entry, hr_for_all
from civtrain.organisations.api import OrgNodeData
from civtrain.testing import make_person

D = dt.date.fromisoformat


def run(person_id: int, year: int, as_of: str) -> PersonResult:
    return person_evaluate(person_id, year=year, as_of=D(as_of))


def rules_of(result: PersonResult, rule: str) -> list[ComplianceOutcome]:
    return [o for o in result.outcomes if o.rule == rule]


def record(person_id: int, kind: str, date: str, **fields: Any) -> None:
    """A career event through the registry's service, as the events import records it."""
    from civtrain.people.api import EventKind, career_event_record, person_rows

    career_event_record(actor=hr_for_all(), person=person_rows().get(pk=person_id),
                        kind=EventKind(kind), date=D(date), **fields)  # fmt: skip


# -- item 4: flags on the evaluated date (CQ-T7 双基, CQ-T4b 行政执法) ---------------------------
FLAGS = [
    # flag, roster value, value set by a 类别调整 on 2019-07-01, year → rule owed that year
    ("grassroots", False, True, 2018, False),  # not yet 基层 on 2018-12-31: CQ-T7 not owed
    ("grassroots", False, True, 2019, True),  # 基层 on 2019-12-31: owed for 2019
    ("grassroots", True, False, 2018, True),  # still 基层 on 2018-12-31 (registry: no more)
    ("grassroots", True, False, 2019, False),
    ("law_enforcement", False, True, 2018, False),  # CQ-T4b: 24 学时 of law a year
    ("law_enforcement", False, True, 2019, True),
    ("law_enforcement", True, False, 2018, True),
    ("law_enforcement", True, False, 2019, False),
]
RULE_OF_FLAG = {"grassroots": "cq-t7-grassroots", "law_enforcement": "cq-t4b-law"}


@pytest.mark.parametrize(("flag", "roster", "changed", "year", "owed"), FLAGS)
def test_item4_flags_are_read_on_the_evaluated_date(
    bound: dict[str, OrgNodeData], flag: str, roster: bool, changed: bool, year: int, owed: bool
) -> None:
    p = make_person(bound["U1"], **{flag: roster})
    record(p.id, "reclassified", "2019-07-01", **{flag: changed})
    result = run(p.id, year, f"{year + 1}-01-01")
    assert bool(rules_of(result, RULE_OF_FLAG[flag])) is owed


def test_item4_cq_t7_counts_the_year_of_a_person_who_became_grassroots(
    bound: dict[str, OrgNodeData],
) -> None:
    # CQ-T7: ≥ 6 days off-the-job; 45 学时 recorded = 6 days at 7.5 学时 a day → met.
    p = make_person(bound["U1"])
    record(p.id, "transfer", "2019-03-01", unit_id=bound["U2"].id, grassroots=True)
    entry(p.id, "2019-05-01", hours=45)
    o = rules_of(run(p.id, 2019, "2020-01-01"), "cq-t7-grassroots")
    assert [(x.clause, x.achieved, x.unit, x.status) for x in o] == [("CQ-T7", 6, "天", "met")]


# -- item 4: NAT-4's five years owed from audience entry ----------------------------------------
# national-2023 (C1 from 2023): NAT-4, ≥ 550 学时 or 90 days of centralised training in 5
# years, for 县处级 and above or ranks from 四级调研员. Entered on E → owed by E + 5 years
# (that day included, like a triggered deadline); before then an unmet one is not_yet.
NAT4 = [
    # roster fields, events, year, as_of → status, deadline
    # promoted to 正处 on 2024-06-01 (from 一级主任科员, no post): owed by 2029-06-01
    ({"rank": "一级主任科员"}, [("promoted", "2024-06-01", {"leadership_level": "division_chief"})],
     2025, "2026-01-01", "not_yet", "2029-06-01"),
    ({"rank": "一级主任科员"}, [("promoted", "2024-06-01", {"leadership_level": "division_chief"})],
     2028, "2029-01-01", "not_yet", "2029-06-01"),
    # in 2029 the first full window closes inside the year: due with the year, missed after it
    ({"rank": "一级主任科员"}, [("promoted", "2024-06-01", {"leadership_level": "division_chief"})],
     2029, "2030-01-01", "missed", "2029-12-31"),
    # entered by rank (四级调研员 from 2023-01-01, NAT-7 positions), no post
    ({"rank": "一级主任科员"}, [("rank_change", "2023-01-01", {"rank": "四级调研员"})],
     2024, "2025-01-01", "not_yet", "2028-01-01"),
    # 正处 in the roster, reported (joined) on 2022-03-01, no events: owed from joining
    ({"leadership_level": "division_chief", "reporting_date": "2022-03-01"}, [],
     2024, "2025-01-01", "not_yet", "2027-03-01"),
    # 正处 in the roster with nothing saying since when: a full window is taken to have passed
    ({"leadership_level": "division_chief"}, [], 2024, "2025-01-01", "missed", "2024-12-31"),
    # 副处 → 正处: in the audience before and after, so entry is not the promotion
    ({"leadership_level": "division_deputy", "reporting_date": "2010-01-01"},
     [("promoted", "2024-06-01", {"leadership_level": "division_chief"})],
     2024, "2025-01-01", "missed", "2024-12-31"),
]  # fmt: skip


@pytest.mark.parametrize(("roster", "events", "year", "as_of", "status", "deadline"), NAT4)
def test_item4_nat4_is_owed_from_audience_entry(
    bound: dict[str, OrgNodeData],
    roster: dict[str, Any],
    events: list[tuple[str, str, dict[str, Any]]],
    year: int,
    as_of: str,
    status: str,
    deadline: str,
) -> None:
    from civtrain.people.api import LeadershipLevel

    fields = dict(roster)
    if "leadership_level" in fields:
        fields["leadership_level"] = LeadershipLevel(fields["leadership_level"])
    if "reporting_date" in fields:
        fields["reporting_date"] = D(fields["reporting_date"])
    p = make_person(bound["U1"], **fields)
    for kind, date, changes in events:
        if "leadership_level" in changes:
            changes = {**changes, "leadership_level": LeadershipLevel(changes["leadership_level"])}
        record(p.id, kind, date, **changes)
    entry(p.id, f"{year}-05-01", hours=100)  # 100 of 550 学时
    r = run(p.id, year, as_of)
    [o] = rules_of(r, "nat-4-rolling")
    assert (o.clause, o.achieved, o.status, o.deadline) == ("NAT-4", 100, status, D(deadline))
    # not_yet past the year's end entails nothing in the year (NAT-4's no_excellent)
    assert any(m.rule == "nat-4-rolling" for m in r.linkage.missed) is (status == "missed")


# -- item 5: the unit on the date, from where a transfer came ----------------------------------
def test_item5_the_years_before_a_transfer_are_the_origins(bound: dict[str, OrgNodeData]) -> None:
    # Roster in U3 (郑州); transferred to U1 (重庆) on 2016-07-01. 2015 is Zhengzhou's
    # (ZZ-G1, 170 学时); 2016 Chongqing's (CQ-G1). The registry now says U1.
    p = make_person(bound["U3"])
    record(p.id, "transfer", "2016-07-01", unit_id=bound["U1"].id)
    r2015 = run(p.id, 2015, "2016-01-01")
    assert (r2015.unit_code, r2015.ruleset.split("@")[0]) == ("U3", "zhengzhou-2014")
    assert [o.clause for o in rules_of(r2015, "zz-g1-annual")] == ["ZZ-G1"]
    r2016 = run(p.id, 2016, "2017-01-01")
    assert (r2016.unit_code, r2016.ruleset.split("@")[0]) == ("U1", "chongqing-13fyp")


ORIGIN = [
    # Roster in U3 (郑州, no set after 2016); promoted to 正科 on 2020-06-01; transferred to
    # U2 (重庆) on 2020-10-01. Where was the promotion? → CQ-T6b owed for 2020?
    (None, False),  # no origin given: the roster's unit, U3, under no set in 2020: none owed
    ("U1", True),  # 原单位编码 U1: promoted under chongqing-13fyp, so CQ-T6b is owed
]


@pytest.mark.parametrize(("origin", "owed"), ORIGIN)
def test_item5_a_promotion_is_owed_under_the_set_of_its_unit_then(
    bound: dict[str, OrgNodeData], origin: str | None, owed: bool
) -> None:
    from civtrain.people.api import LeadershipLevel

    p = make_person(bound["U3"])
    record(p.id, "transfer", "2020-10-01", unit_id=bound["U2"].id,
           from_unit_id=bound[origin].id if origin else None)  # fmt: skip
    record(p.id, "promoted", "2020-06-01", leadership_level=LeadershipLevel.SECTION_CHIEF)
    r = run(p.id, 2020, "2021-01-01")
    assert r.ruleset.startswith("chongqing-13fyp")  # the set of 2020-12-31 (U2)
    assert bool(rules_of(r, "cq-t6b-section")) is owed


# -- item 5: a triggered requirement outlives its set's binding ---------------------------------
# Promoted to 正科 in U1 on 2020-06-01 under chongqing-13fyp (bound to C1 until 2020-12-31):
# CQ-T6b section level, 15 days by 2021-06-01 with 4 学时 of law. In 2021 no set governs C1.
ENDED = [
    # entries (date, days, law hours), as_of → CQ-T6b status, its law sub-requirement
    ([], "2021-06-01", "not_yet", "not_yet"),  # the deadline day: still open
    ([], "2021-06-02", "missed", "missed"),  # missed from the day after
    ([("2021-03-01", 15, 4)], "2021-06-02", "met", "met"),
    ([("2021-03-01", 15, 0)], "2021-06-02", "met", "missed"),
    ([("2021-06-02", 15, 4)], "2021-12-31", "missed", "missed"),  # after the deadline
]


@pytest.mark.parametrize(("entries", "as_of", "status", "law"), ENDED)
def test_item5_owed_with_the_ended_sets_terms_until_its_deadline(
    bound: dict[str, OrgNodeData],
    entries: list[tuple[str, float, float]],
    as_of: str,
    status: str,
    law: str,
) -> None:
    from civtrain.people.api import LeadershipLevel

    p = make_person(bound["U1"])
    record(p.id, "promoted", "2020-06-01", leadership_level=LeadershipLevel.SECTION_CHIEF)
    for date, days, law_hours in entries:
        entry(p.id, date, days=days, training_type="appointment",
              subjects={"law": law_hours} if law_hours else None)  # fmt: skip
    r = run(p.id, 2021, as_of)
    assert r.ruleset == ""  # nothing governs C1 in 2021 …
    [main] = rules_of(r, "cq-t6b-section")  # … but the promotion's requirement stays owed
    [sub] = rules_of(r, "cq-t6b-section.law")
    assert (main.clause, main.required, main.deadline, main.status) == (
        "CQ-T6b", 15, D("2021-06-01"), status)  # fmt: skip
    assert main.title.startswith("科级任职培训（发生时适用 chongqing-13fyp@")
    assert (sub.clause, sub.status) == ("CQ-T4a", law)
    # and reported no more in the year after its deadline's
    assert rules_of(run(p.id, 2022, "2023-01-01"), "cq-t6b-section") == []


def test_item5_a_move_to_another_sets_unit_keeps_the_first_sets_terms(
    bound: dict[str, OrgNodeData],
) -> None:
    """Promoted to 正科 in U1 on 2020-06-01 (chongqing-13fyp: 15 days); transferred to U3
    on 2020-10-01, where a local set asking 20 days for the same promotion governs 2020–2021.
    15 days in 2021-03 meet the requirement the promotion incurred (Chongqing's), and the new
    set adds no second one for the same promotion."""
    from civtrain.people.api import LeadershipLevel

    doc = copy.deepcopy(read_file(shipped_files()["chongqing-13fyp"]))
    doc.update(name="local-c2", version=1, effective={"from": "2020-01-01", "to": "2021-12-31"})
    for rule in doc["rules"]:
        rule.pop("period", None)
        if rule["id"] == "cq-t6b-section":
            rule["params"]["min_days"] = 20
    doc["rules"] = [r for r in doc["rules"] if r["id"] != "cq-t2-ethics"]
    services.ruleset_load(actor=SYSTEM, document=doc)
    services.ruleset_bind(actor=SYSTEM, name="local-c2", org_code="C2",
                          valid_from=D("2020-01-01"), valid_to=D("2021-12-31"))  # fmt: skip
    p = make_person(bound["U1"])
    record(p.id, "promoted", "2020-06-01", leadership_level=LeadershipLevel.SECTION_CHIEF)
    record(p.id, "transfer", "2020-10-01", unit_id=bound["U3"].id)
    entry(p.id, "2021-03-01", days=15, training_type="appointment", subjects={"law": 4})
    r = run(p.id, 2021, "2021-06-02")
    assert r.ruleset.startswith("local-c2")
    [o] = rules_of(r, "cq-t6b-section")
    assert (o.required, o.achieved, o.status) == (15, 15, "met")
    assert "（发生时适用 chongqing-13fyp@" in o.title
