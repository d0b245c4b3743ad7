"""One subject taxonomy (issue 10 item 10; ZZ-T2, CQ-T1…T5, REQUIREMENTS §8 "Subject hours").

A subject the city bureau adds to the catalogue is valid in a class, a ledger entry, a
records import (`科目学时` column, `安全生产:2`) and a rule-set file alike; a subject that
is not in the catalogue is refused everywhere with a message naming it.
"""

import contextlib
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from civtrain import testing
from civtrain.catalogue.api import subject_create, subject_update, subjects_unknown
from civtrain.core.errors import ApplicationError
from civtrain.core.tabular import write_table
from civtrain.credits import api as credits_api

pytestmark = pytest.mark.django_db

SAFETY, SAFETY_NAME = "safety", "安全生产"  # added by the city bureau below
SHIPPED_CHONGQING = (
    Path(__file__).resolve().parents[2] / "compliance" / "rulesets" / "chongqing-13fyp.yaml"
)


def _in_a_class(tree: dict, actors: dict[str, Any], code: str, name: str) -> str:
    """'' when a class with 2 h of the subject is created, else the refusal's message."""
    institution = testing.make_institution(tree["C1"])
    try:
        testing.make_class(
            actors["city"], tree["C1"], institution.id, subject_hours={code: Decimal(2)}
        )
    except ApplicationError as exc:
        return exc.message
    return ""


def _in_the_ledger(tree: dict, actors: dict[str, Any], code: str, name: str) -> str:
    person = testing.make_person(tree["U1"])
    try:
        credits_api.credit_entry_record(
            actor=actors["unit_hr"],
            person_id=person.id,
            title="安全生产专题培训",
            date=dt.date(2026, 5, 8),
            hours=Decimal(8),
            training_type="thematic",
            mode="off_the_job",
            subject_hours={code: Decimal(2)},
            source_type="manual",
            source_ref="taxonomy-test",
        )
    except ApplicationError as exc:
        return exc.message
    return ""


def _in_a_records_import(tree: dict, actors: dict[str, Any], code: str, name: str) -> str:
    """`civtrain import-records` as unit HR, with the subject by name in 科目学时."""
    id_number = testing.make_id_number()
    testing.make_person(tree["U1"], id_number=id_number)
    headers = ["身份证号", "培训名称", "培训类型", "培训形式", "开始日期", "结束日期", "天数"]
    headers += ["学时", "科目学时", "考核结果", "成绩"]
    row = [id_number, "安全生产专题培训", "专题培训", "脱产", "", "2019-05-08", "1", "8"]
    row += [f"{name}:2", "合格", ""]
    path = Path(tree["tmp"]) / "records.xlsx"
    path.write_bytes(write_table(headers, [row], fmt="xlsx"))
    out = io.StringIO()
    username = actors["unit_hr"].username
    with contextlib.suppress(CommandError):  # a refused file exits non-zero
        call_command("import_records", str(path), "--actor", username, "--format", "json",
                     stdout=out, stderr=io.StringIO())  # fmt: skip
    report = json.loads(out.getvalue())
    return "；".join(e["reason"] for e in report["errors"])


def _in_a_rule_set(tree: dict, actors: dict[str, Any], code: str, name: str) -> str:
    """`civtrain rules validate FILE`, FILE a shipped set naming the subject in a rule."""
    doc = yaml.safe_load(SHIPPED_CHONGQING.read_text(encoding="utf-8"))
    doc["rules"][4]["params"]["subject"] = code  # CQ-T4a's subject minimum
    path = Path(tree["tmp"]) / f"{code}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    err = io.StringIO()
    try:
        call_command("rules", "validate", str(path), stdout=io.StringIO(), stderr=err)
    except CommandError:
        return err.getvalue()
    return ""


PLACES = {
    "class": (_in_a_class, "未知的科目：{code}"),
    "ledger": (_in_the_ledger, "科目“{code}”不在科目目录中"),
    "records import": (_in_a_records_import, "科目“{name}”不在科目目录中"),
    "rule set file": (_in_a_rule_set, "未知科目“{code}”（不在培训科目目录中）"),
}


@pytest.fixture
def city_added_subject(actors: dict[str, Any]) -> None:
    subject_create(actor=actors["city"], code=SAFETY, name=SAFETY_NAME, sort_order=200)


@pytest.mark.parametrize("place", PLACES)
def test_a_subject_the_city_bureau_added_is_valid_everywhere(
    place: str, tree: dict, actors: dict[str, Any], city_added_subject: None, tmp_path: Path
) -> None:
    # implements ZZ-T2 (the city's taxonomy), issue 10 item 10
    check, _refusal = PLACES[place]
    assert check({**tree, "tmp": tmp_path}, actors, SAFETY, SAFETY_NAME) == ""


@pytest.mark.parametrize("place", PLACES)
def test_a_deactivated_subject_stays_valid_for_records_and_rules(
    place: str, tree: dict, actors: dict[str, Any], city_added_subject: None, tmp_path: Path
) -> None:
    # Old records and rule sets name it; deactivating only hides it from the pickers.
    subject_update(actor=actors["city"], code=SAFETY, active=False)
    check, _refusal = PLACES[place]
    assert check({**tree, "tmp": tmp_path}, actors, SAFETY, SAFETY_NAME) == ""


@pytest.mark.parametrize("place", PLACES)
def test_an_unknown_subject_is_refused_by_name_everywhere(
    place: str, tree: dict, actors: dict[str, Any], tmp_path: Path
) -> None:
    check, refusal = PLACES[place]
    message = check({**tree, "tmp": tmp_path}, actors, SAFETY, SAFETY_NAME)
    assert refusal.format(code=SAFETY, name=SAFETY_NAME) in message
    assert not credits_api.entry_rows().exists()


def test_subjects_unknown_names_what_is_missing_in_order(actors: dict[str, Any]) -> None:
    subject_create(actor=actors["city"], code=SAFETY, name=SAFETY_NAME)
    assert subjects_unknown(["astrology", "law", SAFETY, "alchemy", "astrology"]) == [
        "astrology",
        "alchemy",
    ]
    assert subjects_unknown([]) == []
