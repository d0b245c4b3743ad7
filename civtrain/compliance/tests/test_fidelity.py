"""Regulation fidelity (issue #10): each reading of REQUIREMENTS §8 as a table with
expectations computed by hand from the clause. chongqing-13fyp: 1 day = 7.5 学时;
zhengzhou-2014: 8; national-2023: 7.5 (bound to C1 from 2023)."""

import copy
import datetime as dt
from typing import Any

import pytest

from civtrain.accounts.api import SYSTEM
from civtrain.compliance import selectors, services
from civtrain.compliance.api import person_evaluate
from civtrain.compliance.data import ComplianceOutcome, PersonResult
from civtrain.compliance.ruleset import read_file, shipped_files
from civtrain.compliance.tests.ledger_builders import entry
from civtrain.compliance.units import unit_summaries
from civtrain.organisations.api import OrgNodeData
from civtrain.testing import make_person

D = dt.date.fromisoformat


def run(person_id: int, year: int, as_of: str) -> PersonResult:
    return person_evaluate(person_id, year=year, as_of=D(as_of))


def pick(result: PersonResult, rule: str) -> ComplianceOutcome:
    found = [o for o in result.outcomes if o.rule == rule]
    assert len(found) == 1, [o.rule for o in result.outcomes]
    return found[0]


def _local_set(name: str, **changes: Any) -> None:
    """A copy of chongqing-13fyp for 2021 only, bound to 郑州 (C2, where nothing else is
    bound in 2021), with `changes` applied to the document."""
    doc = copy.deepcopy(read_file(shipped_files()["chongqing-13fyp"]))
    doc.update(name=name, version=1, effective={"from": "2021-01-01", "to": "2021-12-31"})
    for rule in doc["rules"]:
        rule.pop("period", None)
    doc["rules"] = [r for r in doc["rules"] if r["id"] != "cq-t2-ethics"]
    doc.update(changes)
    services.ruleset_load(actor=SYSTEM, document=doc)
    services.ruleset_bind(actor=SYSTEM, name=name, org_code="C2", valid_from=D("2021-01-01"),
                          valid_to=D("2021-12-31"))  # fmt: skip


# -- item 7: §8 "Deadlines" ------------------------------------------------------------------
# CQ-T6a: hired 2017-03-01 → deadline 2018-03-01 (event + 12 months).
DEADLINES = [
    # entries (date, days), as_of, status
    ([], "2018-03-01", "not_yet"),  # the deadline day: still open
    ([], "2018-03-02", "missed"),  # missed only from the day after
    ([("2018-03-01", 12)], "2018-03-01", "met"),  # an entry dated on the deadline counts
    ([("2018-03-01", 12)], "2018-03-02", "met"),
    ([("2018-03-02", 12)], "2018-03-02", "missed"),  # the day after is too late
]


@pytest.mark.parametrize(("entries", "as_of", "status"), DEADLINES)
def test_item7_missed_only_from_the_day_after_the_deadline(
    bound: dict[str, OrgNodeData], entries: list[tuple[str, float]], as_of: str, status: str
) -> None:
    p = make_person(bound["U1"], reporting_date=D("2017-03-01"))
    for date, days in entries:
        entry(p.id, date, days=days, training_type="initial", subjects={"law": 4})
    o = pick(run(p.id, 2018, as_of), "cq-t6a-initial")
    assert (o.clause, o.deadline, o.status) == ("CQ-T6a", D("2018-03-01"), status)


def test_item7_a_past_years_default_date_is_the_day_after_it(
    bound: dict[str, OrgNodeData],
) -> None:
    # CQ-G1: 62.5 of 90 学时 in 2018; evaluated later without an as_of, the year is over.
    p = make_person(bound["U1"])
    entry(p.id, "2018-05-10", hours=62.5)
    r = person_evaluate(p.id, year=2018)
    assert r.as_of == D("2019-01-01")
    assert pick(r, "cq-g1-annual").status == "missed"


# -- item 3: §8 "Who owes a year" ------------------------------------------------------------
def test_item3_nothing_is_owed_for_a_year_before_reporting(bound: dict[str, OrgNodeData]) -> None:
    # Reported 2019-02-01: 2018 ends before it, so no CQ-G1 or CQ-T2 outcome is owed …
    p = make_person(bound["U1"], reporting_date=D("2019-02-01"))
    r = run(p.id, 2018, "2019-01-01")
    assert {o.status for o in r.outcomes} == {"not_applicable"}
    assert pick(r, "cq-g1-annual").explanation == "于 2019-02-01 报到（入职），2018 年不适用"
    assert (r.linkage.eligible_excellent, r.linkage.complete) == (True, True)
    # … nor is the person part of the unit's 2018 headcount
    other = make_person(bound["U1"])
    entry(other.id, "2018-05-01", hours=90, subjects={"ethics": 1})
    ev, results = selectors.evaluate(actor=SYSTEM, year=2018, as_of=D("2019-01-01"))
    u1 = {s.unit_code: s for s in unit_summaries(ev, list(results))}["U1"]
    assert (u1.headcount, u1.complete) == (1, 1)
    # and in 2019 the whole amount is owed (the shipped sets do not pro-rate)
    assert pick(run(p.id, 2019, "2020-01-01"), "cq-g1-annual").required == 90


def test_item3_a_hiring_event_after_the_year_counts_like_a_reporting_date(
    bound: dict[str, OrgNodeData],
) -> None:
    from civtrain.compliance.tests.ledger_builders import event

    p = make_person(bound["U1"])
    event(p.id, "hired", "2019-03-01", unit_id=bound["U1"].id)
    assert {o.status for o in run(p.id, 2018, "2019-06-01").outcomes} == {"not_applicable"}


JOIN = [
    # set's join_during_year, reporting date, hours, required (学时), status on 2022-01-01.
    # pro_rated: 2021-07-01 … 12-31 is 184 of 365 days: 90 × 184/365 = 45.37 学时
    ("whole", "2021-07-01", 45.37, 90, "missed"),
    ("pro_rated", "2021-07-01", 45.37, 45.37, "met"),
    ("pro_rated", "2021-07-01", 45, 45.37, "missed"),
    ("pro_rated", "2020-11-01", 45.37, 90, "missed"),  # joined before the year: whole
]


@pytest.mark.parametrize(("join", "reported", "hours", "required", "status"), JOIN)
def test_item3_join_during_the_year_is_a_rule_set_parameter(
    bound: dict[str, OrgNodeData],
    join: str,
    reported: str,
    hours: float,
    required: float,
    status: str,
) -> None:
    _local_set("local-join", join_during_year=join)
    p = make_person(bound["U3"], reporting_date=D(reported))
    entry(p.id, "2021-11-01", hours=hours)
    o = pick(run(p.id, 2021, "2022-01-01"), "cq-g1-annual")
    assert (o.required, o.achieved, o.unit, o.status) == (required, hours, "学时", status)


# -- item 8: §8 "Centralised training" -------------------------------------------------------
CENTRALISED = [
    # entries (mode, hours) in 2023 for a 一级科员 → NAT-3 achieved, status; NAT-5 achieved
    ([("off_the_job", 60), ("online", 30)], 60, "missed", 30),  # online is NAT-5's, not NAT-3's
    ([("off_the_job", 60), ("on_site", 30)], 90, "met", 0),
    ([("seminar", 45), ("blended", 45)], 90, "met", 0),
    ([("off_the_job", 60), ("self_study", 30)], 60, "missed", 0),  # 在职自学 is not 集中
    ([("online", 90)], 0, "missed", 90),
]


@pytest.mark.parametrize(("entries", "nat3", "status", "nat5"), CENTRALISED)
def test_item8_centralised_training_excludes_online_study(
    bound: dict[str, OrgNodeData],
    entries: list[tuple[str, float]],
    nat3: float,
    status: str,
    nat5: float,
) -> None:
    p = make_person(bound["U1"], rank="一级科员")
    for mode, hours in entries:
        entry(p.id, "2023-06-01", hours=hours, mode=mode)
    r = run(p.id, 2023, "2024-01-01")
    o = pick(r, "nat-3-annual")
    assert (o.clause, o.achieved, o.status) == ("NAT-3", nat3, status)
    assert pick(r, "nat-5-online").achieved == nat5


def test_item8_nat4_five_years_exclude_online_too(bound: dict[str, OrgNodeData]) -> None:
    from civtrain.people.data import LeadershipLevel

    p = make_person(bound["U1"], leadership_level=LeadershipLevel.DIVISION_CHIEF)
    for year in range(2019, 2024):  # 5 × (100 off-the-job + 20 online) = 500 + 100
        entry(p.id, f"{year}-06-01", hours=100)
        entry(p.id, f"{year}-07-01", hours=20, mode="online")
    o = pick(run(p.id, 2023, "2024-01-01"), "nat-4-rolling")
    assert (o.clause, o.achieved, o.status) == ("NAT-4", 500, "missed")


def test_item8_other_sets_checked() -> None:
    """ZZ-G1 counts online by its own words (含脱产培训及网络培训); CQ-G1 counts all
    training; CQ-T7's minimum is off-the-job only."""
    specs = {n: read_file(p) for n, p in shipped_files().items()}
    rules = {r["id"]: r for doc in specs.values() for r in doc["rules"]}
    assert "modes" not in rules["zz-g1-annual"]["params"]
    assert "modes" not in rules["cq-g1-annual"]["params"]
    assert rules["cq-t7-grassroots"]["params"]["modes"] == ["off_the_job"]
    assert "online" not in rules["nat-3-annual"]["params"]["modes"]
    assert "online" not in rules["nat-4-rolling"]["params"]["modes"]


# -- item 11: CQ-T8, 专题 and 对口 are in-service training ------------------------------------
IN_SERVICE = [
    # entries (type, hours) → hours a rule naming in-service training counts
    ([("in_service", 20), ("thematic", 20), ("paired", 20)], 60, "met"),
    ([("thematic", 30), ("paired", 30)], 60, "met"),
    ([("specialised", 30), ("initial", 30)], 0, "missed"),
]


@pytest.mark.parametrize(("entries", "achieved", "status"), IN_SERVICE)
def test_item11_thematic_and_paired_count_as_in_service(
    bound: dict[str, OrgNodeData], entries: list[tuple[str, float]], achieved: float, status: str
) -> None:
    doc = read_file(shipped_files()["chongqing-13fyp"])
    extra = {"id": "local-in-service", "clause": "CQ-T8", "title": "在职培训",
             "kind": "annual_total", "audience": {"all": True},
             "params": {"types": ["in_service"], "min_hours": 60, "what": "在职培训"}}  # fmt: skip
    _local_set("local-in-service", rules=[*doc["rules"][:1], extra])
    p = make_person(bound["U3"])
    for training_type, hours in entries:
        entry(p.id, "2021-05-01", hours=hours, training_type=training_type)
    o = pick(run(p.id, 2021, "2022-01-01"), "local-in-service")
    assert (o.achieved, o.status) == (achieved, status)


# -- item 1 (engine): §8 "Failed training" -----------------------------------------------------
def test_item1_a_failed_entry_never_satisfies_a_triggered_requirement(
    bound: dict[str, OrgNodeData],
) -> None:
    # NAT-1 "without it, or failed": 12 days of initial training, failed → still missed,
    # and the appointment and grading are blocked; CQ-T6a likewise.
    nat = make_person(bound["U1"], reporting_date=D("2023-03-01"))
    entry(nat.id, "2023-09-01", days=12, training_type="initial", result="failed")
    r = run(nat.id, 2024, "2024-03-02")
    assert (pick(r, "nat-1-initial").achieved, pick(r, "nat-1-initial").status) == (0, "missed")
    assert r.linkage.appointment_blocked is True
    cq = make_person(bound["U1"], reporting_date=D("2017-03-01"))
    entry(cq.id, "2017-05-10", days=12, training_type="initial", subjects={"law": 4},
          result="failed")  # fmt: skip
    r = run(cq.id, 2018, "2018-03-02")
    assert pick(r, "cq-t6a-initial").status == "missed"
    assert pick(r, "cq-t6a-initial.law").status == "missed"
    entry(cq.id, "2017-09-10", days=12, training_type="initial", subjects={"law": 4},
          result="passed")  # fmt: skip
    assert pick(run(cq.id, 2018, "2018-03-02"), "cq-t6a-initial").status == "met"


FAILED_HOURS = [
    # unit, year, entries (hours, result), rule, achieved, status (day after the year)
    # Zhengzhou (counts_toward_totals: false, ZZ-M1 学分制): 100 + 70 failed → 100
    ("U3", 2015, [(100, "passed"), (70, "failed")], "zz-g1-annual", 100, "missed"),
    ("U3", 2015, [(100, "passed"), (70, "")], "zz-g1-annual", 170, "met"),
    # Chongqing (counts_toward_totals: true, 参加培训): 60 + 30 failed → 90
    ("U1", 2018, [(60, "passed"), (30, "failed")], "cq-g1-annual", 90, "met"),
]


@pytest.mark.parametrize(("unit", "year", "entries", "rule", "achieved", "status"), FAILED_HOURS)
def test_item1_whether_failed_hours_count_is_the_sets_parameter(
    bound: dict[str, OrgNodeData],
    unit: str,
    year: int,
    entries: list[tuple[float, str]],
    rule: str,
    achieved: float,
    status: str,
) -> None:
    p = make_person(bound[unit])
    for hours, result in entries:
        entry(p.id, f"{year}-06-01", hours=hours, result=result)
    o = pick(run(p.id, year, f"{year + 1}-01-01"), rule)
    assert (o.achieved, o.status) == (achieved, status)


def test_item1_each_shipped_set_states_whether_failed_hours_count() -> None:
    docs = {n: read_file(p) for n, p in shipped_files().items()}
    stated = {
        n: d["assessment"]["failed_training"]["counts_toward_totals"] for n, d in docs.items()
    }
    assert stated == {"chongqing-13fyp": True, "national-2023": False, "zhengzhou-2014": False}


# -- item 4: §8 "Who is in an audience" (attributes on the evaluated date) --------------------
AUDIENCE = [
    # hired 2020-01-02 as 一级主任科员; promoted 2024-06-01 to 正处 with rank 四级调研员
    # (the registry now says division_chief / 四级调研员). year → which of NAT-3 / NAT-4.
    (2023, "2024-01-01", True, False),  # section level and below in 2023: NAT-3 only
    (2024, "2025-01-01", False, True),  # division level from 2024-06-01: NAT-4 only
]


@pytest.mark.parametrize(("year", "as_of", "nat3", "nat4"), AUDIENCE)
def test_item4_audience_is_decided_on_the_evaluated_date(
    bound: dict[str, OrgNodeData], year: int, as_of: str, nat3: bool, nat4: bool
) -> None:
    from civtrain.compliance.tests.ledger_builders import hr_for_all
    from civtrain.people.api import EventKind, LeadershipLevel, career_event_record, person_rows

    p = make_person(bound["U1"], rank="一级主任科员")

    def record(kind: str, date: str, **fields: Any) -> None:
        person = person_rows().select_related("unit").get(pk=p.id)
        career_event_record(actor=hr_for_all(), person=person, kind=EventKind(kind),
                            date=D(date), **fields)  # fmt: skip

    record("hired", "2020-01-02", rank="一级主任科员", unit_id=bound["U1"].id)
    record("promoted", "2024-06-01", leadership_level=LeadershipLevel.DIVISION_CHIEF,
           rank="四级调研员")  # fmt: skip
    rules = {o.rule for o in run(p.id, year, as_of).outcomes}
    assert ("nat-3-annual" in rules, "nat-4-rolling" in rules) == (nat3, nat4)
