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
    rows = [
        (2015, "in_service", "off_the_job", "passed", 40.0 - 40.0, 5.0 - 5.0, 1.0 - 1.0),
        (2015, "initial", "off_the_job", "passed", 96.0, 12.0, 1.0),  # 24
        (2015, "in_service", "online", "", 30.0, 3.75, 3.0),  # 15
        (2016, "specialised", "on_site", "passed", 12.5, 1.56, 1.0),  # 12.5
    ]
    assert credits_by_year(_system(RATES), rows) == {2015: 39.0, 2016: 12.5}


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
