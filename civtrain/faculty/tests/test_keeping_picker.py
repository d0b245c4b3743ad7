"""The teacher pool keeps a new teacher under a node picked by name (#11 item 3): a
type-ahead over the nodes its managers may use, never a flat list of every node in scope."""

import re
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import Role
from civtrain.faculty.models import Teacher

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _picks(client: Client, purpose: str, q: str) -> list[str]:
    response = client.get("/orgs/pick/", {"q": q, "purpose": purpose})
    return [r["value"] for r in response.json()["results"]]


def test_the_node_is_picked_by_name_and_checked_against_scope(
    tree: dict, actors: dict[str, Any]
) -> None:
    form = {"name": "周教授", "title": "教授", "internal": "1"}
    district = _client(actors["district"])  # bound to D1 (渝中区)
    html = district.get("/teachers/").content.decode()
    assert 'data-picker="/orgs/pick/?purpose=faculty' in html
    assert re.search(r'<input[^>]*name="org_id"', html)
    assert not re.search(r'<select[^>]*name="org_id"', html)  # no flat list of every node
    assert _picks(district, "faculty", "渝中") == ["D1", "U1"]
    assert _picks(district, "faculty", "江北") == []  # D2 is the city's, not the district's

    response = district.post("/teachers/", {**form, "org_id": "U1"}, follow=True)
    assert response.status_code == 200
    created = Teacher.objects.get(name=form["name"])
    assert created.org_id == tree["U1"].id

    before = Teacher.objects.count()
    response = district.post(
        "/teachers/", {**form, "name": form["name"] + "二", "org_id": "D2"}, follow=True
    )
    assert "不存在或不在您的管辖范围内" in response.content.decode()
    assert Teacher.objects.count() == before


def test_institution_staff_keep_teachers_in_their_city_and_register_no_institution(
    tree: dict, actors: dict[str, Any]
) -> None:
    staff = _client(actors["institution"])  # bound to C1
    assert _picks(staff, "faculty", "司法局") == ["U2"]
    assert _picks(staff, "bureau", "司法局") == []
    learner = _client(testing.make_user(Role.LEARNER, tree["U1"]))
    assert _picks(learner, "faculty", "") == [] and _picks(learner, "bureau", "") == []
