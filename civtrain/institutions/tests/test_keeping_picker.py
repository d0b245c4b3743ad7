"""The institution registry registers a new institution under a node picked by name (#11
item 3): a type-ahead over the bureau's subtree, never a flat list of every node in it."""

import re
from typing import Any

import pytest
from django.test import Client

from civtrain.institutions.models import Institution

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
    form = {"name": "渝中区委党校", "kind": "party_school"}
    district = _client(actors["district"])  # bound to D1 (渝中区)
    html = district.get("/institutions/").content.decode()
    assert 'data-picker="/orgs/pick/?purpose=bureau' in html
    assert re.search(r'<input[^>]*name="org_id"', html)
    assert not re.search(r'<select[^>]*name="org_id"', html)  # no flat list of every node
    assert _picks(district, "bureau", "渝中") == ["D1", "U1"]
    assert _picks(district, "bureau", "江北") == []  # D2 is the city's, not the district's

    response = district.post("/institutions/", {**form, "org_id": "U1"}, follow=True)
    assert response.status_code == 200
    created = Institution.objects.get(name=form["name"])
    assert created.org_id == tree["U1"].id

    before = Institution.objects.count()
    response = district.post(
        "/institutions/", {**form, "name": form["name"] + "二", "org_id": "D2"}, follow=True
    )
    assert "不存在或不在您的管辖范围内" in response.content.decode()
    assert Institution.objects.count() == before
