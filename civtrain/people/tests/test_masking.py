"""Issue 8 item 3: what any role sees of a person cannot be put back together into the ID number.

Pages and the API show the province (two digits), the birth year and the gender, and never
the old masks (first four and last four digits; phone first three and last four) — not
even in old audit rows. The candidate count for the demo data is in
civtrain/demo/tests/test_masking_candidates.py; ADR 0003 gives the reasoning.
"""

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import SYSTEM
from civtrain.core.audit import audit_record
from civtrain.people.data import mask_id_number, mask_phone
from civtrain.people.imports import roster_import
from civtrain.people.tests.test_import_roster import row, xlsx

OLD_ID_MASK = re.compile(r"\d{4}\*{10}[\dX]{4}")  # 5001**********123X
OLD_PHONE_MASK = re.compile(r"1\d{2}\*{4}\d{4}")  # 138****5678


def test_phone_mask_keeps_the_prefix_and_two_digits() -> None:
    assert mask_phone("13812345678") == "138******78"
    assert mask_id_number("50010119900517001X") == "50" + "*" * 16


@pytest.fixture
def shown(tree: Any, actors: dict[str, Any]) -> dict[str, Any]:
    number = testing.make_id_number(dt.date(1986, 4, 12), "500103", serial=611)
    person = testing.make_person(tree["U1"], name="王五", id_number=number, phone="13912345678")
    return {"number": number, "person": person, "actor": actors["city"]}


def _assert_masked(texts: Iterable[str], number: str) -> None:
    for text in texts:
        assert not OLD_ID_MASK.search(text), text[:500]
        assert not OLD_PHONE_MASK.search(text), text[:500]
        assert number not in text and "13912345678" not in text
        # The birth date never appears whole beside the masked number.
        assert "1986-04-12" not in text and "19860412" not in text and "1986年4月12日" not in text


@pytest.mark.django_db
def test_pages_and_api_show_the_province_birth_year_and_nothing_more(shown: Any) -> None:
    number, person = shown["number"], shown["person"]
    client = Client()
    client.force_login(shown["actor"])
    api = testing.ApiCaller(shown["actor"])
    status, detail = api("GET", f"/people/{person.id}")
    assert status == 200
    assert (detail["id_number_masked"], detail["birth_year"], detail["phone_masked"]) == (
        "50" + "*" * 16,
        1986,
        "139******78",
    )
    assert "birth_date" not in detail
    _, listed = api("GET", f"/people?unit={shown['person'].unit_id}")
    assert listed["items"][0]["id_number_masked"] == "50" + "*" * 16
    _, outcomes = api("GET", f"/compliance/people/{person.id}?year=2026")
    assert outcomes["id_number_masked"] == "50" + "*" * 16
    texts = [
        str(detail),
        str(listed),
        str(outcomes),
        client.get("/people/").content.decode(),
        client.get(f"/people/{person.id}/").content.decode(),
        client.get(f"/people/{person.id}/edit/").content.decode(),
    ]
    _assert_masked(texts, number)
    assert "1986" in texts[4]  # the year is shown on the person's page


@pytest.mark.django_db
def test_import_reports_show_the_new_mask(tree: Any, shown: Any) -> None:
    number = shown["number"]
    bad = number[:17] + ("0" if number[17] != "0" else "1")  # wrong check digit
    roster, _ = roster_import(xlsx([row("赵六", bad)]), actor=SYSTEM, filename="r.xlsx")
    assert [e.value for e in roster.errors] == [bad[:2] + "*" * 16]
    _assert_masked([str(roster.as_dict())], number)


@pytest.mark.django_db
def test_old_audit_rows_are_shown_re_masked(shown: Any) -> None:
    # A row written before the change, with the masks of then in its label and changes.
    number, person = shown["number"], shown["person"]
    audit_record(
        actor=SYSTEM,
        action="person.update",
        object_type="person",
        object_id=person.id,
        object_label=f"王五（{number[:4]}{'*' * 10}{number[-4:]}）",
        org_path=shown["person"].unit_path,
        changes={"phone_masked": ["139****5678", "139****8888"]},
    )
    client = Client()
    client.force_login(shown["actor"])
    page = client.get("/audit/").content.decode()
    assert "王五（50****************）" in page
    assert "139******78" in page and "139******88" in page
    _assert_masked([page], number)
