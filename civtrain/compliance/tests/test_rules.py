"""Table-driven tests, one group per clause of REQUIREMENTS §3 and NAT-1…4, with expectations
computed by hand (chongqing-13fyp: 1 day = 7.5 学时; zhengzhou-2014: 1 day = 8 学时)."""

import datetime as dt
from typing import Any

import pytest

from civtrain.compliance.api import person_evaluate
from civtrain.compliance.data import ComplianceOutcome, PersonResult
from civtrain.compliance.tests.ledger_builders import entry, event, reverse
from civtrain.organisations.api import OrgNodeData
from civtrain.testing import make_person

D = dt.date.fromisoformat


def run(person_id: int, year: int, as_of: str) -> PersonResult:
    return person_evaluate(person_id, year=year, as_of=D(as_of))


def pick(result: PersonResult, rule: str) -> ComplianceOutcome:
    found = [o for o in result.outcomes if o.rule == rule]
    assert len(found) == 1, [o.rule for o in result.outcomes]
    return found[0]


def rules_of(result: PersonResult) -> set[str]:
    return {o.rule for o in result.outcomes}


# ---------------------------------------------------------------------------------------
# CQ-G1: ≥ 12 days or ≥ 90 学时 a year (1 day = 7.5 学时)
CQ_G1 = [
    # entries (date, hours, days), year, as_of, required, achieved, unit, status, explanation
    ([("2018-05-10", 90, None)], 2018, "2018-12-31", 90, 90, "学时", "met",
     "已完成年度培训：90 / 90 学时"),
    ([("2018-05-10", 62.5, None)], 2018, "2018-06-30", 90, 62.5, "学时", "not_yet",
     "还差 27.5 学时培训（或累计 12 天），截止 2018-12-31"),
    # §8 "Deadlines": on the deadline day itself it is still not_yet …
    ([("2018-05-10", 62.5, None)], 2018, "2018-12-31", 90, 62.5, "学时", "not_yet",
     "还差 27.5 学时培训（或累计 12 天），截止 2018-12-31"),
    # … and missed from the day after
    ([("2018-05-10", 62.5, None)], 2018, "2019-01-01", 90, 62.5, "学时", "missed",
     "未按期完成年度培训：截至 2018-12-31 为 62.5 / 90 学时，差 27.5 学时培训（或累计 12 天）"),
    # 12 days recorded as 6 学时 each: met on days although only 72 学时
    ([("2018-05-10", 72, 12)], 2018, "2018-12-31", 12, 12, "天", "met",
     "已完成年度培训：12 / 12 天"),
    # only days recorded: 12 days → 90 学时 by the conversion
    ([("2018-05-10", None, 12)], 2018, "2018-12-31", 90, 90, "学时", "met",
     "已完成年度培训：90 / 90 学时"),
    # 31 December counts in its year …
    ([("2018-12-31", 90, None)], 2018, "2018-12-31", 90, 90, "学时", "met",
     "已完成年度培训：90 / 90 学时"),
    # … 1 January in the next
    ([("2019-01-01", 90, None)], 2018, "2019-01-01", 90, 0, "学时", "missed",
     "未按期完成年度培训：截至 2018-12-31 为 0 / 90 学时，差 90 学时培训（或累计 12 天）"),
    ([("2019-01-01", 90, None)], 2019, "2019-12-31", 90, 90, "学时", "met",
     "已完成年度培训：90 / 90 学时"),
    # two entries add up: 45 + 45
    ([("2018-03-01", 45, None), ("2018-11-30", 45, None)], 2018, "2018-12-31", 90, 90, "学时",
     "met", "已完成年度培训：90 / 90 学时"),
    # an entry after as_of is not known yet
    ([("2018-03-01", 45, None), ("2018-11-30", 45, None)], 2018, "2018-06-30", 90, 45, "学时",
     "not_yet", "还差 45 学时培训（或累计 12 天），截止 2018-12-31"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("entries", "year", "as_of", "required", "achieved", "unit", "status", "explanation"), CQ_G1
)
def test_cq_g1_annual_total(
    bound: dict[str, OrgNodeData],
    entries: list[tuple[str, Any, Any]],
    year: int,
    as_of: str,
    required: float,
    achieved: float,
    unit: str,
    status: str,
    explanation: str,
) -> None:
    p = make_person(bound["U1"])
    for date, hours, days in entries:
        entry(p.id, date, hours=hours, days=days)
    o = pick(run(p.id, year, as_of), "cq-g1-annual")
    assert (o.clause, o.required, o.achieved, o.unit, o.status) == (
        "CQ-G1",
        required,
        achieved,
        unit,
        status,
    )
    assert o.deadline == dt.date(year, 12, 31)
    assert o.explanation == explanation


def test_cq_g1_reversed_entry_counts_as_never_written(bound: dict[str, OrgNodeData]) -> None:
    p = make_person(bound["U1"])
    wrong = entry(p.id, "2018-05-10", hours=90)
    entry(p.id, "2018-06-10", hours=30)
    reverse(wrong.id)
    o = pick(run(p.id, 2018, "2019-01-01"), "cq-g1-annual")
    assert (o.achieved, o.status) == (30, "missed")


# ---------------------------------------------------------------------------------------
# CQ-T4b: law-enforcement staff ≥ 24 学时 of law a year
CQ_T4B = [
    ({"law": 20}, "2018-06-30", 20, "not_yet", "还差 4 学时法治培训，截止 2018-12-31"),
    ({"law": 20, "ethics": 10}, "2019-01-01", 20, "missed",
     "未按期完成行政执法人员法律知识培训：截至 2018-12-31 为 20 / 24 学时，差 4 学时法治培训"),
    ({"law": 24}, "2018-12-31", 24, "met", "已完成行政执法人员法律知识培训：24 / 24 学时"),
]  # fmt: skip


@pytest.mark.parametrize(("subjects", "as_of", "achieved", "status", "explanation"), CQ_T4B)
def test_cq_t4b_law_for_law_enforcement(
    bound: dict[str, OrgNodeData],
    subjects: dict[str, float],
    as_of: str,
    achieved: float,
    status: str,
    explanation: str,
) -> None:
    p = make_person(bound["U1"], law_enforcement=True)
    entry(p.id, "2018-04-01", hours=40, subjects=subjects)
    o = pick(run(p.id, 2018, as_of), "cq-t4b-law")
    assert (o.clause, o.required, o.achieved, o.status) == ("CQ-T4b", 24, achieved, status)
    assert o.explanation == explanation


def test_cq_t4b_does_not_bind_others_and_untagged_hours_count_for_no_subject(
    bound: dict[str, OrgNodeData],
) -> None:
    other = make_person(bound["U1"])
    assert "cq-t4b-law" not in rules_of(run(other.id, 2018, "2018-12-31"))
    officer = make_person(bound["U1"], law_enforcement=True)
    entry(officer.id, "2018-04-01", hours=40, title="法律知识培训（无科目明细）")
    o = pick(run(officer.id, 2018, "2019-01-01"), "cq-t4b-law")
    assert (o.achieved, o.status) == (0, "missed")


# ---------------------------------------------------------------------------------------
# CQ-T7: 双基 staff ≥ 6 days off-the-job a year
CQ_T7 = [
    ({"grassroots": True}, [("off_the_job", 6)], 6, "met"),
    ({"basic_post": True}, [("off_the_job", 5), ("online", 3)], 5, "missed"),
    ({"grassroots": True, "basic_post": True}, [("off_the_job", 3), ("off_the_job", 3)], 6, "met"),
]


@pytest.mark.parametrize(("flags", "entries", "achieved", "status"), CQ_T7)
def test_cq_t7_grassroots_off_the_job_days(
    bound: dict[str, OrgNodeData],
    flags: dict[str, bool],
    entries: list[tuple[str, float]],
    achieved: float,
    status: str,
) -> None:
    p = make_person(bound["U1"], **flags)
    for mode, days in entries:
        entry(p.id, "2018-09-01", days=days, mode=mode)
    o = pick(run(p.id, 2018, "2019-01-01"), "cq-t7-grassroots")
    assert (o.clause, o.required, o.achieved, o.unit, o.status) == (
        "CQ-T7",
        6,
        achieved,
        "天",
        status,
    )


# ---------------------------------------------------------------------------------------
# CQ-T6a + CQ-T4a: initial training ≥ 12 days within a year of hiring, ≥ 4 学时 law inside
CQ_T6A = [
    # hired, entries (date, days, law hours), year, as_of, main status, law status
    ("2017-03-01", [("2017-05-10", 12, 4)], 2017, "2017-12-31", "met", "met"),
    ("2017-03-01", [("2017-05-10", 12, 0)], 2017, "2017-12-31", "met", "not_yet"),
    ("2017-03-01", [("2017-05-10", 12, 0)], 2018, "2018-12-31", "met", "missed"),
    ("2017-03-01", [("2017-05-10", 8, 2), ("2018-02-28", 4, 2)], 2018, "2018-12-31",
     "met", "met"),
    # training after the deadline (2018-03-01) does not count toward it
    ("2017-03-01", [("2018-03-02", 12, 4)], 2018, "2018-12-31", "missed", "missed"),
]  # fmt: skip


@pytest.mark.parametrize(("hired", "entries", "year", "as_of", "status", "law_status"), CQ_T6A)
def test_cq_t6a_initial_training_with_law_inside(
    bound: dict[str, OrgNodeData],
    hired: str,
    entries: list[tuple[str, float, float]],
    year: int,
    as_of: str,
    status: str,
    law_status: str,
) -> None:
    p = make_person(bound["U1"], reporting_date=D(hired))
    for date, days, law in entries:
        subjects = {"law": law} if law else {}
        entry(p.id, date, days=days, training_type="initial", subjects=subjects)
    result = run(p.id, year, as_of)
    main = pick(result, "cq-t6a-initial")
    law = pick(result, "cq-t6a-initial.law")
    assert (main.clause, main.required, main.unit, main.status) == ("CQ-T6a", 12, "天", status)
    assert main.deadline == D("2018-03-01")
    assert (law.clause, law.required, law.unit, law.status) == ("CQ-T4a", 4, "学时", law_status)


def test_cq_t6a_not_yet_explains_gap_and_deadline(bound: dict[str, OrgNodeData]) -> None:
    p = make_person(bound["U1"], reporting_date=D("2017-03-01"))
    entry(p.id, "2017-05-10", days=5, training_type="initial", subjects={"law": 1})
    result = run(p.id, 2017, "2017-10-01")
    assert pick(result, "cq-t6a-initial").explanation == (
        "还差 7 天初任培训（2017-03-01 起），截止 2018-03-01"
    )
    assert pick(result, "cq-t6a-initial.law").explanation == (
        "还差 3 学时法治培训（计入初任培训），截止 2018-03-01"
    )


def test_cq_t6a_hiring_before_the_set_period_owes_nothing(bound: dict[str, OrgNodeData]) -> None:
    p = make_person(bound["U1"], reporting_date=D("2015-06-01"))
    result = run(p.id, 2016, "2016-12-31")
    assert "cq-t6a-initial" not in rules_of(result)
    assert "cq-g1-annual" in rules_of(result)


# ---------------------------------------------------------------------------------------
# CQ-T6b: appointment training on promotion, division ≥ 30 days, section ≥ 15 days
CQ_T6B = [
    # level, entries (date, days, law), year, as_of, rule, status, deadline
    ("division_deputy", [], 2017, "2017-12-31", "cq-t6b-division", "not_yet", "2018-11-15"),
    ("division_deputy", [], 2018, "2018-12-31", "cq-t6b-division", "missed", "2018-11-15"),
    ("division_deputy", [("2018-03-20", 30, 4)], 2018, "2018-12-31", "cq-t6b-division", "met",
     "2018-11-15"),
    ("division_deputy", [("2018-03-20", 15, 4)], 2018, "2018-12-31", "cq-t6b-division",
     "missed", "2018-11-15"),
    ("section_chief", [("2018-03-20", 15, 4)], 2018, "2018-12-31", "cq-t6b-section", "met",
     "2018-11-15"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("level", "entries", "year", "as_of", "rule", "status", "deadline"), CQ_T6B
)
def test_cq_t6b_promotion_in_november_is_owed_into_next_year(
    bound: dict[str, OrgNodeData],
    level: str,
    entries: list[tuple[str, float, float]],
    year: int,
    as_of: str,
    rule: str,
    status: str,
    deadline: str,
) -> None:
    p = make_person(bound["U1"])
    event(p.id, "promoted", "2017-11-15", level=level)
    for date, days, law in entries:
        entry(p.id, date, days=days, training_type="appointment", subjects={"law": law})
    result = run(p.id, year, as_of)
    o = pick(result, rule)
    assert (o.clause, o.status, o.deadline) == ("CQ-T6b", status, D(deadline))
    assert pick(result, rule + ".law").clause == "CQ-T4a"
    other = "cq-t6b-section" if rule == "cq-t6b-division" else "cq-t6b-division"
    assert other not in rules_of(result)


def test_cq_t6b_not_reported_after_its_deadline_year(bound: dict[str, OrgNodeData]) -> None:
    p = make_person(bound["U1"])
    event(p.id, "promoted", "2017-11-15", level="division_chief")
    assert "cq-t6b-division" not in rules_of(run(p.id, 2019, "2019-12-31"))


# ---------------------------------------------------------------------------------------
# CQ-T2: professional ethics once in 2016–2020
CQ_T2 = [
    ([], 2016, "2016-12-31", 0, "not_yet"),
    ([("2017-05-01", 3)], 2016, "2016-12-31", 0, "not_yet"),
    ([("2017-05-01", 3)], 2018, "2018-12-31", 1, "met"),
    ([("2017-05-01", 3), ("2019-05-01", 2)], 2020, "2020-12-31", 2, "met"),
    ([], 2020, "2020-12-31", 0, "not_yet"),  # §8 "Deadlines": the last day still counts
    ([], 2020, "2021-01-01", 0, "missed"),
]


@pytest.mark.parametrize(("entries", "year", "as_of", "achieved", "status"), CQ_T2)
def test_cq_t2_ethics_once_in_the_plan_period(
    bound: dict[str, OrgNodeData],
    entries: list[tuple[str, float]],
    year: int,
    as_of: str,
    achieved: float,
    status: str,
) -> None:
    p = make_person(bound["U1"])
    for date, hours in entries:
        entry(p.id, date, hours=hours, subjects={"ethics": hours})
    o = pick(run(p.id, year, as_of), "cq-t2-ethics")
    assert (o.clause, o.required, o.achieved, o.unit, o.status, o.deadline) == (
        "CQ-T2",
        1,
        achieved,
        "次",
        status,
        D("2020-12-31"),
    )


def test_cq_t2_reversed_ethics_record_does_not_count(bound: dict[str, OrgNodeData]) -> None:
    p = make_person(bound["U1"])
    e = entry(p.id, "2017-05-01", hours=3, subjects={"ethics": 3})
    reverse(e.id)
    o = pick(run(p.id, 2020, "2021-01-01"), "cq-t2-ethics")
    assert (o.achieved, o.status) == (0, "missed")


# ---------------------------------------------------------------------------------------
# ZZ-G1: 170 学时 a year, off-the-job and online together; ZZ-N3 year-end test
ZZ_G1 = [
    ([("off_the_job", 100), ("online", 70)], 170, "met"),
    ([("off_the_job", 100), ("online", 69.5)], 169.5, "missed"),
]


@pytest.mark.parametrize(("entries", "achieved", "status"), ZZ_G1)
def test_zz_g1_annual_hours(
    bound: dict[str, OrgNodeData], entries: list[tuple[str, float]], achieved: float, status: str
) -> None:
    p = make_person(bound["U3"])
    for mode, hours in entries:
        entry(p.id, "2015-06-01", hours=hours, mode=mode)
    o = pick(run(p.id, 2015, "2016-01-01"), "zz-g1-annual")
    assert (o.clause, o.required, o.achieved, o.unit, o.status) == (
        "ZZ-G1",
        170,
        achieved,
        "学时",
        status,
    )


ZZ_N3 = [
    ("passed", "exam:year-end-test:2015", "2015-12-20", 1, "met"),
    ("failed", "exam:year-end-test:2015", "2015-12-20", 0, "missed"),
    ("passed", "exam:other-quiz:2015", "2015-12-20", 0, "missed"),
    ("passed", "exam:year-end-test:2014", "2014-12-20", 0, "missed"),
    # issue #14 item 6: the link is the ref's code, exactly; never a substring of it
    ("passed", "exam:year-end-test-2:2015", "2015-12-20", 0, "missed"),
    ("passed", "hist:year-end-test", "2015-12-20", 0, "missed"),
]


@pytest.mark.parametrize(("result", "ref", "date", "achieved", "status"), ZZ_N3)
def test_zz_n3_year_end_test_passed(
    bound: dict[str, OrgNodeData], result: str, ref: str, date: str, achieved: float, status: str
) -> None:
    p = make_person(bound["U3"])
    entry(p.id, date, hours=1, mode="online", source_type="exam", source_ref=ref, result=result)
    o = pick(run(p.id, 2015, "2016-01-01"), "zz-n3-exam")
    assert (o.clause, o.achieved, o.status) == ("ZZ-N3", achieved, status)


def test_zz_n3_reads_the_link_not_the_title(bound: dict[str, OrgNodeData]) -> None:
    """issue #14 item 6: a passed exam whose title names the year-end test but whose
    source_ref links another exam does not meet ZZ-N3 (the title match is gone)."""
    p = make_person(bound["U3"])
    entry(p.id, "2015-12-20", hours=1, mode="online", source_type="exam",
          source_ref="exam:other-quiz:2015", result="passed",
          title="year-end-test 年终测试")  # fmt: skip
    o = pick(run(p.id, 2015, "2016-01-01"), "zz-n3-exam")
    assert (o.achieved, o.status) == (0, "missed")


# ---------------------------------------------------------------------------------------
# NAT-1 … NAT-4 (national-2023 bound to C1 from 2023)
def test_nat_1_initial_training_in_the_probation_year_gates_appointment(
    bound: dict[str, OrgNodeData],
) -> None:
    p = make_person(bound["U1"], reporting_date=D("2023-03-01"))
    during = pick(run(p.id, 2023, "2023-12-31"), "nat-1-initial")
    assert (during.clause, during.status, during.deadline) == ("NAT-1", "not_yet", D("2024-03-01"))
    after = run(p.id, 2024, "2024-12-31")
    o = pick(after, "nat-1-initial")
    assert (o.status, o.achieved, o.required, o.unit) == ("missed", 0, 12, "天")
    assert after.linkage.appointment_blocked is True
    q = make_person(bound["U1"], reporting_date=D("2023-03-01"))
    entry(q.id, "2023-09-01", days=12, training_type="initial")
    done = run(q.id, 2024, "2024-12-31")
    assert pick(done, "nat-1-initial").status == "met"
    assert done.linkage.appointment_blocked is False


NAT_2 = [
    ("2023-09-01", 15, "met"),  # before taking the post, inside the 12 months before
    ("2025-05-01", 15, "met"),  # within a year after
    ("2022-05-01", 15, "missed"),  # more than a year before
    ("2024-09-01", 10, "missed"),
]


@pytest.mark.parametrize(("date", "days", "status"), NAT_2)
def test_nat_2_appointment_training_before_or_within_a_year(
    bound: dict[str, OrgNodeData], date: str, days: float, status: str
) -> None:
    p = make_person(bound["U1"])
    event(p.id, "promoted", "2024-06-01", level="section_chief")
    entry(p.id, date, days=days, training_type="appointment")
    o = pick(run(p.id, 2025, "2026-01-01"), "nat-2-appointment")
    assert (o.clause, o.status, o.deadline) == ("NAT-2", status, D("2025-06-01"))


NAT_3 = [
    # rank, level, bound applies?, hours, status
    ("一级科员", None, True, 90, "met"),
    ("一级主任科员", None, True, 60, "missed"),
    ("一级主办", None, True, 90, "met"),  # 行政执法类 rank, equivalent 8 (NAT-7)
    ("四级调研员", None, False, 90, None),
    ("二级主任科员", "section_deputy", True, 90, "met"),
    ("一级调研员", "division_chief", False, 90, None),
]


@pytest.mark.parametrize(("rank", "level", "applies", "hours", "status"), NAT_3)
def test_nat_3_section_level_and_below_annual(
    bound: dict[str, OrgNodeData],
    rank: str,
    level: str | None,
    applies: bool,
    hours: float,
    status: str | None,
) -> None:
    from civtrain.people.data import RANKS, LeadershipLevel

    p = make_person(
        bound["U1"],
        rank=rank,
        category=RANKS[rank].category,
        leadership_level=LeadershipLevel(level) if level else None,
    )
    entry(p.id, "2023-10-01", hours=hours)
    result = run(p.id, 2023, "2024-01-01")
    assert ("nat-3-annual" in rules_of(result)) is applies
    if applies:
        o = pick(result, "nat-3-annual")
        assert (o.clause, o.achieved, o.status) == ("NAT-3", hours, status)


NAT_4 = [
    # hours per year 2019…2023 → total, status in 2023
    ([110, 110, 110, 110, 110], 550, "met"),
    ([110, 110, 110, 110, 100], 540, "missed"),
    ([0, 0, 0, 0, 0], 0, "missed"),
]


@pytest.mark.parametrize(("per_year", "total", "status"), NAT_4)
def test_nat_4_five_year_rolling_total(
    bound: dict[str, OrgNodeData], per_year: list[float], total: float, status: str
) -> None:
    from civtrain.people.data import LeadershipLevel

    p = make_person(bound["U1"], leadership_level=LeadershipLevel.DIVISION_CHIEF)
    for year, hours in zip(range(2019, 2024), per_year, strict=True):
        if hours:
            entry(p.id, f"{year}-06-01", hours=hours)
    # 2018 is outside the window and must not count
    entry(p.id, "2018-06-01", hours=500)
    o = pick(run(p.id, 2023, "2024-01-01"), "nat-4-rolling")
    assert (o.clause, o.required, o.achieved, o.unit, o.status) == (
        "NAT-4",
        550,
        total,
        "学时",
        status,
    )


# ---------------------------------------------------------------------------------------
# Edge cases: transferred between cities mid-year, retired
def test_transfer_between_cities_mid_year_uses_the_set_of_the_unit_on_as_of(
    bound: dict[str, OrgNodeData],
) -> None:
    p = make_person(bound["U1"])
    # The registry keeps only the destination of a transfer; the unit before it is known
    # from the hiring event (or an earlier transfer), which carries the unit.
    event(p.id, "hired", "2010-09-01", unit_id=bound["U1"].id)
    entry(p.id, "2016-03-01", hours=100)  # earned in 重庆
    event(p.id, "transfer", "2016-07-01", unit_id=bound["U3"].id)  # to 郑州
    entry(p.id, "2016-10-01", hours=70)
    before = run(p.id, 2016, "2016-06-30")
    assert before.ruleset == "chongqing-13fyp@4"
    assert before.unit_code == "U1"
    assert pick(before, "cq-g1-annual").achieved == 100
    after = run(p.id, 2016, "2016-12-31")
    assert after.ruleset == "zhengzhou-2014@5"
    assert after.unit_code == "U3"
    o = pick(after, "zz-g1-annual")
    assert (o.achieved, o.status) == (170, "met")  # the whole year's entries count
    assert "cq-g1-annual" not in rules_of(after)


def test_retired_person_is_not_applicable_after_retirement(bound: dict[str, OrgNodeData]) -> None:
    p = make_person(bound["U1"], law_enforcement=True)
    entry(p.id, "2017-04-01", hours=90)
    event(p.id, "retirement", "2018-06-30")
    earlier = run(p.id, 2017, "2017-12-31")
    assert pick(earlier, "cq-g1-annual").status == "met"
    result = run(p.id, 2018, "2018-12-31")
    assert {o.status for o in result.outcomes} == {"not_applicable"}
    assert pick(result, "cq-t4b-law").explanation == "已于 2018-06-30 退休，不再适用"
    assert result.linkage.eligible_excellent is True
    assert result.linkage.grade_deferred is False


def test_no_rule_set_bound_gives_no_outcomes(bound: dict[str, OrgNodeData]) -> None:
    p = make_person(bound["U1"])
    result = run(p.id, 2021, "2021-12-31")  # chongqing ended 2020, national starts 2023
    assert (result.ruleset, result.outcomes) == ("", ())
