"""学分 (ZZ-M1 学分制, issue #10 item 12): the credits a set's table gives ledger entries, credit
minimums as outcomes, and credits beside the hours on the learner's page and in the JSON.

Expectations are computed by hand from the tables written here; zhengzhou-2014's own table
(1 学分 per 学时, failed training none: §8 "Failed training") is a marked local choice."""

import copy
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from civtrain.accounts.api import SYSTEM
from civtrain.compliance import services
from civtrain.compliance.api import learner_progress_context, person_evaluate
from civtrain.compliance.data import ComplianceOutcome, PersonResult
from civtrain.compliance.errors import RuleSetInvalid
from civtrain.compliance.ruleset import parse_document, read_file, shipped_files
from civtrain.compliance.study_credits import CreditSystem, credits_by_year, entry_credits
from civtrain.compliance.tests.ledger_builders import entry, reverse
from civtrain.organisations.api import OrgNodeData
from civtrain.testing import make_person

D = dt.date.fromisoformat
# Validation reads the subject taxonomy: the marker sets the test database up before the
# first query even when this module runs alone (conftest's autouse request comes too late).
pytestmark = pytest.mark.django_db

# A table that uses every part of a rate (first match wins):
RATES = [
    {"results": ["failed"], "per_hour": 0},  # failed: nothing
    {"types": ["initial", "appointment"], "modes": ["off_the_job"], "per_day": 2},
    {"modes": ["online"], "per_hour": 0.5},
    {"types": ["in_service"], "results": ["passed"], "per_hour": 1, "per_entry": 2},
    {"per_hour": 1},
]


def _zhengzhou() -> dict[str, Any]:
    return read_file(shipped_files()["zhengzhou-2014"])


def _system(rates: list[dict[str, Any]]) -> CreditSystem:
    doc = copy.deepcopy(_zhengzhou())
    doc["credits"] = {"clause": "ZZ-M1", "rates": rates}
    credits = parse_document(doc).credits
    assert credits is not None
    return credits


# -- one entry: type, mode, result, hours, days → credits ----------------------------------
ENTRIES = [
    # training type, mode, result, 学时, days, credits
    ("initial", "off_the_job", "passed", 96, 12, 24),  # 12 days × 2 (row 2)
    ("initial", "off_the_job", "failed", 96, 12, 0),  # failed comes first (row 1)
    ("appointment", "online", "passed", 16, 2, 8),  # not off-the-job: online, 16 × 0.5
    ("in_service", "online", "", 10, 1.25, 5),  # online before in-service: 10 × 0.5
    ("in_service", "off_the_job", "passed", 40, 5, 42),  # 40 × 1 + 2 for the entry (row 4)
    ("thematic", "seminar", "passed", 8, 1, 10),  # 专题 is in-service (CQ-T8): 8 + 2
    ("in_service", "off_the_job", "", 40, 5, 40),  # no result recorded: not row 4 → row 5
    ("specialised", "on_site", "passed", 12.5, 1.56, 12.5),  # row 5
]


@pytest.mark.parametrize(("training_type", "mode", "result", "hours", "days", "credits"), ENTRIES)
def test_an_entry_earns_the_first_rate_that_covers_it(
    training_type: str, mode: str, result: str, hours: float, days: float, credits: float
) -> None:
    got = entry_credits(_system(RATES), training_type, mode, result, hours, days)
    assert got == credits


def test_an_entry_no_rate_covers_earns_nothing() -> None:
    only_online = _system([{"modes": ["online"], "per_hour": 1}])
    assert entry_credits(only_online, "in_service", "off_the_job", "passed", 40, 5) == 0


def test_credits_by_year_add_up_and_a_reversal_takes_back_what_its_entry_earned() -> None:
    # §8 "Corrections": the reversal has the entry's type, mode and result, negated amounts.
    # Rows: year, type, mode, result, hours, days, days-only days, hours-only hours, count.
    rows = [
        (2015, "in_service", "off_the_job", "passed", 40.0 - 40.0, 5.0 - 5.0, 0, 0, 1 - 1),
        (2015, "initial", "off_the_job", "passed", 96.0, 12.0, 0.0, 0.0, 1.0),  # 24
        (2015, "in_service", "online", "", 30.0, 3.75, 0.0, 0.0, 3.0),  # 15
        (2016, "specialised", "on_site", "passed", 12.5, 1.56, 0.0, 0.0, 1.0),  # 12.5
    ]
    assert credits_by_year(_system(RATES), rows, 8.0) == {2015: 39.0, 2016: 12.5}


CONVERTED = [
    # §8 "Hours and days are converted when a rule is evaluated": what an entry did not
    # record comes from the other with the evaluating set's 学时-per-day (here 7.5).
    # type, mode, hours, days, days-only days, hours-only hours → credits
    ("initial", "off_the_job", 0.0, 12.0, 12.0, 0.0, 24),  # days only: 12 days × 2
    ("initial", "off_the_job", 45.0, 0.0, 0.0, 45.0, 12),  # hours only: 45 ÷ 7.5 = 6 days × 2
    ("specialised", "seminar", 0.0, 2.0, 2.0, 0.0, 15),  # days only: 2 × 7.5 学时 × 1
    ("specialised", "seminar", 10.0, 2.0, 0.0, 0.0, 10),  # both recorded: the hours
]


@pytest.mark.parametrize(
    ("training_type", "mode", "hours", "days", "days_only", "hours_only", "credits"), CONVERTED
)
def test_what_an_entry_did_not_record_is_converted_with_the_sets_hours_per_day(
    training_type: str,
    mode: str,
    hours: float,
    days: float,
    days_only: float,
    hours_only: float,
    credits: float,
) -> None:
    row = (2021, training_type, mode, "passed", hours, days, days_only, hours_only, 1.0)
    assert credits_by_year(_system(RATES), [row], 7.5) == {2021: credits}


ZHENGZHOU = [
    # zhengzhou-2014 (local choice): 1 学分 per 学时, failed none (§8)
    ("in_service", "off_the_job", "passed", 12, 1.5, 12),
    ("initial", "off_the_job", "failed", 64, 8, 0),
    ("in_service", "online", "", 20, 2.5, 20),  # an online course at 100 % progress (PR-1)
]


@pytest.mark.parametrize(("training_type", "mode", "result", "hours", "days", "credits"), ZHENGZHOU)
def test_zhengzhou_table(
    training_type: str, mode: str, result: str, hours: float, days: float, credits: float
) -> None:
    system = parse_document(_zhengzhou()).credits
    assert system is not None and system.clause == "ZZ-M1"
    assert entry_credits(system, training_type, mode, result, hours, days) == credits


def test_only_zhengzhou_runs_a_credit_system_and_marks_its_table_a_local_choice() -> None:
    docs = {n: read_file(p) for n, p in shipped_files().items()}
    assert {n for n, d in docs.items() if "credits" in d} == {"zhengzhou-2014"}
    assert parse_document(docs["chongqing-13fyp"]).credits is None
    assert "credits.rates" in docs["zhengzhou-2014"]["local_choices"]


# -- a bad credits section is refused, saying where and why ---------------------------------
def _credits(section: Any) -> Any:
    return lambda doc: doc.__setitem__("credits", section)


def _credit_rule(params: dict[str, Any], drop_credits: bool = False) -> Any:
    def change(doc: dict[str, Any]) -> None:
        if drop_credits:
            doc.pop("credits")
        doc["rules"].append(
            {"id": "zz-m1-credits", "clause": "ZZ-M1", "title": "年度学分",
             "kind": "credit_total", "params": params}
        )  # fmt: skip

    return change


BAD = [
    (_credits({"rates": [{"per_hour": 1}]}), "credits：'clause' is a required property"),
    (_credits({"clause": "ZZ-M1", "rates": []}), "credits/rates：[] should be non-empty"),
    (
        _credits({"clause": "ZZ-M1", "rates": [{"per_hour": -1}]}),
        "credits/rates/0/per_hour：-1 is less than the minimum of 0",
    ),
    (
        _credits({"clause": "ZZ-M1", "rates": [{"results": ["excellent"], "per_hour": 1}]}),
        "credits/rates/0/results/0：'excellent' is not one of ['passed', 'failed', 'none']",
    ),
    (
        _credits({"clause": "ZZ-M1", "rates": [{"per_hour": 1, "per_credit": 2}]}),
        "credits/rates/0：Additional properties are not allowed ('per_credit' was unexpected)",
    ),
    (
        _credits({"clause": "ZZ-M1", "rates": [{"modes": ["online"]}]}),
        "credits/rates/0：须给出 per_hour、per_day 或 per_entry（每学时、每天或每条记录的学分），"
        "不计学分的写 per_hour: 0",
    ),
    (
        _credits({"clause": "ZZ-M1", "rates": [{"modes": ["classroom"], "per_hour": 1}]}),
        "credits/rates/0：未知培训方式“classroom”",
    ),
    (
        _credits({"clause": "ZZ-M1", "rates": [{"types": ["degree"], "per_hour": 1}]}),
        "credits/rates/0：未知培训类型“degree”",
    ),
    (_credit_rule({"min_credits": 0}), "rules/5/params/min_credits：0 is less than or equal"),
    (
        _credit_rule({"min_credits": 10, "span": "month"}),
        "rules/5/params/span：'month' is not one of ['year', 'period']",
    ),
    (
        _credit_rule({"min_credits": 10}, drop_credits=True),
        "rules/5（zz-m1-credits）：学分要求（credit_total）需要本文件的 credits 部分定义学分",
    ),
]


@pytest.mark.parametrize(("break_it", "message"), BAD)
def test_a_bad_credits_section_is_refused_with_a_clear_message(break_it: Any, message: str) -> None:
    doc = copy.deepcopy(_zhengzhou())
    doc.pop("local_choices")  # their keys must name something present; not what is tested
    break_it(doc)
    with pytest.raises(RuleSetInvalid) as exc:
        parse_document(doc)
    assert exc.value.message.startswith("规则集文件不符合规范：")
    assert message in exc.value.message


def test_rules_validate_names_the_bad_rate(tmp_path: Any) -> None:
    import yaml

    doc = copy.deepcopy(_zhengzhou())
    doc["credits"]["rates"][1] = {"modes": ["online"]}
    bad = tmp_path / "bad-credits.yaml"
    bad.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(Exception, match="规则集校验未通过"):
        call_command("rules", "validate", str(bad), stderr=err, stdout=io.StringIO())
    assert "✗ bad-credits.yaml: 规则集文件不符合规范：credits/rates/1：须给出 per_hour" in (
        err.getvalue()
    )


# -- credits per person-year under zhengzhou-2014 (bound to 郑州 C2, 2014–2016) -------------
def run(person_id: int, year: int, as_of: str) -> PersonResult:
    return person_evaluate(person_id, year=year, as_of=D(as_of))


def pick(result: PersonResult, rule: str) -> ComplianceOutcome:
    found = [o for o in result.outcomes if o.rule == rule]
    assert len(found) == 1, [o.rule for o in result.outcomes]
    return found[0]


PERSON_YEARS = [
    # entries (date, hours, days, mode, result), as_of → 2015 credits, ZZ-G1 学时 (no failed)
    ([("2015-05-01", 100, None, "off_the_job", "passed"),
      ("2015-06-01", 20, None, "online", ""),
      ("2015-07-01", 8, None, "off_the_job", "failed")], "2016-01-01", 120, 120),
    # days only: 2 days × 8 学时 (zhengzhou's 学时-per-day) = 16 学时 = 16 学分
    ([("2015-05-01", None, 2, "off_the_job", "passed")], "2016-01-01", 16, 16),
    # the year of the end date decides (§8); 2014 and 2016 entries earn 2015 nothing
    ([("2014-12-31", 50, None, "off_the_job", "passed"),
      ("2015-01-01", 30, None, "off_the_job", "passed"),
      ("2016-01-01", 40, None, "off_the_job", "passed")], "2016-06-01", 30, 30),
    # as_of is a wall: an entry after it is not known yet
    ([("2015-03-01", 10, None, "online", ""),
      ("2015-09-01", 60, None, "online", "")], "2015-06-30", 10, 10),
]  # fmt: skip


@pytest.mark.parametrize(("entries", "as_of", "credits", "hours"), PERSON_YEARS)
def test_zhengzhou_credits_per_person_year(
    bound: dict[str, OrgNodeData],
    entries: list[tuple[str, float | None, float | None, str, str]],
    as_of: str,
    credits: float,
    hours: float,
) -> None:
    p = make_person(bound["U3"])
    for date, h, d, mode, result in entries:
        entry(p.id, date, hours=h, days=d, mode=mode, result=result)
    r = run(p.id, 2015, as_of)
    assert r.credits is not None
    assert (r.credits.clause, r.credits.year, r.credits.earned) == ("ZZ-M1", 2015, credits)
    assert pick(r, "zz-g1-annual").achieved == hours
    # zhengzhou-2014 ships no credit minimum: no outcome in 学分
    assert [o.rule for o in r.outcomes if o.unit == "学分"] == []


def test_a_reversed_entry_earns_no_credits(bound: dict[str, OrgNodeData]) -> None:
    # §8 "Corrections": reversed as if never written; the correction counts on its own.
    p = make_person(bound["U3"])
    wrong = entry(p.id, "2015-05-01", hours=40, result="passed")
    entry(p.id, "2015-06-01", hours=12, result="passed")
    reverse(wrong.id)
    r = run(p.id, 2015, "2016-01-01")
    assert r.credits is not None and r.credits.earned == 12


def test_sets_without_a_credit_system_are_unchanged(bound: dict[str, OrgNodeData]) -> None:
    # chongqing-13fyp and national-2023 define no credits: no summary, no outcome in 学分,
    # and their outcomes read as before (CQ-G1: 62.5 of 90 学时).
    p = make_person(bound["U1"])
    entry(p.id, "2018-04-01", hours=62.5, result="passed")
    r = run(p.id, 2018, "2019-01-01")
    assert r.credits is None
    assert r.as_json()["credits"] is None
    assert {o.unit for o in r.outcomes} <= {"学时", "天", "次"}
    assert (pick(r, "cq-g1-annual").achieved, pick(r, "cq-g1-annual").status) == (62.5, "missed")


# -- credit minimums are outcomes like hours minimums --------------------------------------
def _credit_set(rules: list[dict[str, Any]], local: dict[str, str]) -> None:
    """A local set for 郑州 (C2) in 2021–2022 with the RATES table and these rules only."""
    doc = copy.deepcopy(_zhengzhou())
    doc.update(name="local-credits", version=1, rules=rules, local_choices=local,
               effective={"from": "2021-01-01", "to": "2022-12-31"},
               credits={"clause": "ZZ-M1", "rates": RATES})  # fmt: skip
    services.ruleset_load(actor=SYSTEM, document=doc)
    services.ruleset_bind(actor=SYSTEM, name="local-credits", org_code="C2",
                          valid_from=D("2021-01-01"), valid_to=D("2022-12-31"))  # fmt: skip


ANNUAL = {"id": "credits-annual", "clause": "ZZ-M1", "title": "年度学分", "kind": "credit_total",
          "params": {"min_credits": 60}, "consequences": ["no_excellent"]}  # fmt: skip
PERIOD = {"id": "credits-period", "clause": "ZZ-M1", "title": "规划期学分",
          "kind": "credit_total", "params": {"min_credits": 150, "span": "period"}}  # fmt: skip
MINIMUMS = [
    # entries (date, type, mode, hours, result), year, as_of → rule: (required, achieved, status)
    # 2021: 40 in-service passed (40 + 2) + 16 online (8) + 30 failed (0) = 50 of 60
    ([("2021-05-01", "in_service", "off_the_job", 40, "passed"),
      ("2021-06-01", "in_service", "online", 16, ""),
      ("2021-07-01", "in_service", "off_the_job", 30, "failed")], 2021, "2021-12-31",
     {"credits-annual": (60, 50, "not_yet"), "credits-period": (150, 50, "not_yet")}),
    ([("2021-05-01", "in_service", "off_the_job", 40, "passed"),
      ("2021-06-01", "in_service", "online", 16, ""),
      ("2021-07-01", "in_service", "off_the_job", 30, "failed")], 2021, "2022-01-01",
     {"credits-annual": (60, 50, "missed"), "credits-period": (150, 50, "not_yet")}),
    # 2021: 12 days of initial training off the job (24) + 40 specialised (40) = 64 ≥ 60;
    # 2022: 96 specialised → the period's 64 + 96 = 160 ≥ 150
    ([("2021-05-01", "initial", "off_the_job", 96, "passed"),
      ("2021-09-01", "specialised", "seminar", 40, "passed"),
      ("2022-03-01", "specialised", "seminar", 96, "passed")], 2022, "2023-01-01",
     {"credits-annual": (60, 96, "met"), "credits-period": (150, 160, "met")}),
    # 2022 alone is short of the period's 150 when 2021 earned nothing: missed after its end
    ([("2022-03-01", "specialised", "seminar", 96, "")], 2022, "2023-01-01",
     {"credits-annual": (60, 96, "met"), "credits-period": (150, 96, "missed")}),
]  # fmt: skip


@pytest.mark.parametrize(("entries", "year", "as_of", "expected"), MINIMUMS)
def test_a_credit_minimum_is_an_outcome_like_an_hours_minimum(
    bound: dict[str, OrgNodeData],
    entries: list[tuple[str, str, str, float, str]],
    year: int,
    as_of: str,
    expected: dict[str, tuple[float, float, str]],
) -> None:
    _credit_set([ANNUAL, PERIOD], {
        "rules.credits-annual.params.min_credits": "测试用学分下限（本地选择）",
        "rules.credits-period.params.min_credits": "测试用规划期学分下限（本地选择）",
    })  # fmt: skip
    p = make_person(bound["U3"])
    for date, training_type, mode, hours, result in entries:
        entry(p.id, date, hours=hours, training_type=training_type, mode=mode, result=result)
    r = run(p.id, year, as_of)
    got = {o.rule: (o.required, o.achieved, o.status) for o in r.outcomes}
    assert got == expected
    assert {o.unit for o in r.outcomes} == {"学分"}
    assert pick(r, "credits-period").deadline == D("2022-12-31")
    annual = pick(r, "credits-annual")
    assert annual.deadline == D(f"{year}-12-31")
    # the annual minimum's consequence (no_excellent) enters the linkage when it is missed
    assert (annual in r.linkage.missed) is (annual.status == "missed")


def test_a_missed_credit_minimum_explains_itself(bound: dict[str, OrgNodeData]) -> None:
    _credit_set([ANNUAL], {"rules.credits-annual.params.min_credits": "测试用（本地选择）"})
    p = make_person(bound["U3"])
    entry(p.id, "2021-05-01", hours=40, mode="online")  # 40 × 0.5 = 20 学分
    r = run(p.id, 2021, "2022-01-01")
    assert pick(r, "credits-annual").explanation == (
        "未按期完成年度学分：截至 2021-12-31 为 20 / 60 学分，差 40 学分"
    )
    assert r.linkage.reasons == (pick(r, "credits-annual").explanation,)
    assert r.credits is not None and r.credits.earned == 20


# -- beside the hours: the JSON of the CLI and the API, and the learner's page -------------
def _zhengzhou_person(bound: dict[str, OrgNodeData]) -> Any:
    p = make_person(bound["U3"], name="郑一")
    entry(p.id, "2015-05-01", hours=100, result="passed")
    entry(p.id, "2015-06-01", hours=20.5, mode="online")
    entry(p.id, "2015-07-01", hours=8, result="failed")
    return p


def test_cli_json_carries_the_credits_and_keeps_every_field(
    bound: dict[str, OrgNodeData],
) -> None:
    _zhengzhou_person(bound)
    out = io.StringIO()
    call_command("compliance", "--year", "2015", "--as-of", "2016-01-01", "--format", "json",
                 stdout=out)  # fmt: skip
    person = next(p for p in json.loads(out.getvalue()) if p["name"] == "郑一")
    assert set(person) == {
        "name", "id_number_masked", "unit_code", "outcomes", "linkage", "credits"
    }  # fmt: skip
    assert person["credits"] == {"clause": "ZZ-M1", "year": 2015, "earned": 120.5, "unit": "学分"}
    zz_g1 = next(o for o in person["outcomes"] if o["rule"] == "zz-g1-annual")
    assert (zz_g1["achieved"], zz_g1["unit"]) == (120.5, "学时")


def test_api_carries_the_credits(bound: dict[str, OrgNodeData], actors: dict[str, Any]) -> None:
    from civtrain.testing import ApiCaller

    p = _zhengzhou_person(bound)
    other_city = ApiCaller(actors["other_city"])  # 郑州's bureau
    status, data = other_city("GET", f"/compliance/people/{p.id}?year=2015&as_of=2016-01-01")
    assert status == 200
    assert data["credits"] == {"clause": "ZZ-M1", "year": 2015, "earned": 120.5, "unit": "学分"}
    assert data["linkage"]["eligible_excellent"] is False  # the failed entry (ZZ-M4)
    status, data = other_city("GET", "/compliance/people?year=2015&as_of=2016-01-01")
    assert [d["credits"]["earned"] for d in data] == [120.5]


def test_learner_page_shows_the_credits_beside_the_hours(bound: dict[str, OrgNodeData]) -> None:
    from django.test import Client

    from civtrain.accounts.api import User
    from civtrain.core import clock

    clock.freeze(dt.datetime(2015, 12, 1, 10, 0, tzinfo=clock.TZ))
    p = _zhengzhou_person(bound)
    context = learner_progress_context(p.id)
    assert context["credits_label"] == "120.5"
    client = Client()
    client.force_login(User.objects.get(person__pk=p.id))
    page = client.get("/compliance/me/").content.decode()
    assert '本年度已获学分：<span class="fw-bold">120.5</span> 学分（学分制）' in page
    # issue #11 item 6: the governing set by its Chinese title, its code only as a tooltip
    assert ">郑州市公务员能力素质提升工程（2014—2016）</span>" in page
    assert ">zhengzhou-2014" not in page
    assert "120.5 / 170 学时" in page
