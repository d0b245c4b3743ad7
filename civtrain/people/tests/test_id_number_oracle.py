"""Issue 8 item 2: registering (POST /people) or re-numbering (PATCH) a person answers an ID
number registered outside the caller's scope exactly like a write the caller may not make
(status, code, message, details), and never says "已登记" for it."""

import datetime as dt
from typing import Any

import pytest

from civtrain import testing
from civtrain.people.models import Person
from civtrain.people.services import PERSON_NOT_IN_SCOPE

FOREIGN = testing.make_id_number(dt.date(1984, 2, 3), serial=921)  # registered in U3 (郑州)
UNKNOWN = testing.make_id_number(dt.date(1984, 2, 3), serial=922)  # registered nowhere
REFUSED = {"error": {"code": "not_found", "message": PERSON_NOT_IN_SCOPE, "details": {}}}


@pytest.fixture
def call(tree: Any, actors: dict[str, Any]) -> Any:
    testing.make_person(tree["U3"], "钱七", id_number=FOREIGN)
    return testing.ApiCaller(actors["unit_hr"])


def _new(number: str, unit_id: int) -> dict[str, Any]:
    return {"name": "孙八", "id_number": number, "gender": "M", "unit_id": unit_id}


@pytest.mark.django_db
def test_post_people_answers_a_foreign_number_like_an_unwritable_unit(tree: Any, call: Any) -> None:
    before = Person.objects.count()
    foreign = call("POST", "/people", _new(FOREIGN, tree["U1"].id))  # my unit, their person
    unwritable = call("POST", "/people", _new(UNKNOWN, tree["U3"].id))  # nobody, their unit
    assert foreign == unwritable == (404, REFUSED)
    assert "不在您的管辖范围内" in PERSON_NOT_IN_SCOPE
    assert Person.objects.count() == before
    assert Person.objects.get(name="钱七").unit.code == "U3"


@pytest.mark.django_db
def test_patch_to_a_foreign_number_answers_like_an_unwritable_unit(tree: Any, call: Any) -> None:
    mine = testing.make_person(tree["U1"], "王五", id_number=UNKNOWN)
    foreign = call("PATCH", f"/people/{mine.id}", {"id_number": FOREIGN})
    unwritable = call("PATCH", f"/people/{mine.id}", {"unit_id": tree["U3"].id})
    assert foreign == unwritable == (404, REFUSED)
    assert Person.objects.get(pk=mine.id).id_number == UNKNOWN
