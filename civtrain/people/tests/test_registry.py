"""The registry keeps ID numbers encrypted, validates them, and scopes reads (ARCHITECTURE §7)."""

import datetime as dt

import pytest
from django.db import connection

from civtrain import testing
from civtrain.core.errors import NotFound, ValidationFailed
from civtrain.people.api import access_person
from civtrain.people.data import parse_id_number, parse_level


def test_check_digit_is_validated() -> None:
    good = testing.make_id_number(dt.date(1985, 1, 2), serial=123)
    assert parse_id_number(good.lower()) == good
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValueError, match="校验位"):
        parse_id_number(bad)


def test_level_aliases_read_the_same() -> None:
    assert parse_level("县处级副") == parse_level("县处级副职") == parse_level("副处")


def test_id_number_is_never_stored_in_clear(tree) -> None:
    number = testing.make_id_number(dt.date(1988, 8, 8), serial=42)
    person = testing.make_person(tree["U1"], id_number=number, phone="13812345678")
    assert person.id_number_masked == number[:2] + "*" * 16
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person")
        row_text = repr(cursor.fetchall())
    assert number not in row_text
    assert "13812345678" not in row_text


def test_duplicate_id_number_is_refused(tree) -> None:
    number = testing.make_id_number(serial=7)
    testing.make_person(tree["U1"], id_number=number)
    with pytest.raises(ValidationFailed, match="已登记"):
        testing.make_person(tree["U2"], id_number=number)


def test_out_of_scope_person_looks_missing(tree, actors) -> None:
    inside = testing.make_person(tree["U1"])
    outside = testing.make_person(tree["U2"])
    assert access_person(actors["unit_hr"], inside.id).name == inside.name
    with pytest.raises(NotFound):
        access_person(actors["unit_hr"], outside.id)
    with pytest.raises(NotFound):
        access_person(actors["unit_hr"], 999_999)
    assert access_person(actors["city"], outside.id).id == outside.id
    with pytest.raises(NotFound):
        access_person(actors["other_city"], inside.id)


def test_bulk_upsert_creates_then_updates_by_id_number(tree, actors) -> None:
    from civtrain.people.api import person_bulk_upsert
    from civtrain.people.data import Gender, PersonInput
    from civtrain.people.models import Person

    numbers = [testing.make_id_number(serial=100 + i) for i in range(3)]
    rows = [
        PersonInput(name=f"员工{i}", id_number=n, gender=Gender.FEMALE, unit_id=tree["U1"].id)
        for i, n in enumerate(numbers)
    ]
    first = person_bulk_upsert(actor=actors["unit_hr"], rows=rows)
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    renamed = [rows[0].__class__(**{**rows[0].__dict__, "name": "改名"}), *rows[1:]]
    second = person_bulk_upsert(actor=actors["unit_hr"], rows=renamed)
    assert (second.created, second.updated, second.unchanged) == (0, 1, 2)
    assert Person.objects.filter(name="改名").count() == 1
    assert Person.objects.filter(user__isnull=False).count() == 3


def test_bulk_upsert_refuses_units_outside_scope(tree, actors) -> None:
    from civtrain.people.api import person_bulk_upsert
    from civtrain.people.data import Gender, PersonInput

    row = PersonInput(
        name="某", id_number=testing.make_id_number(), gender=Gender.MALE, unit_id=tree["U2"].id
    )
    with pytest.raises(NotFound):
        person_bulk_upsert(actor=actors["unit_hr"], rows=[row])
