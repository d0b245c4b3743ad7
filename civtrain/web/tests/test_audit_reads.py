"""Reads of personal data and refused requests are audited (#17 item 3, GB/T 22239-2019
8.1.4.3): who looked at whose record, through which channel, and who was turned away."""

from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_person_page_and_api_detail_are_audited_as_reads(
    tree: dict, actors: dict[str, Any]
) -> None:
    person = testing.make_person(tree["U1"], "王五")
    hr = actors["unit_hr"]
    assert _client(hr).get(f"/people/{person.id}/").status_code == 200
    token = testing.api_callers(tree, {"hr": hr})["hr"]
    status, _ = token("GET", f"/people/{person.id}")
    assert status == 200
    reads = AuditEvent.objects.filter(action="person.read", object_id=str(person.id))
    assert sorted(e.changes["channel"] for e in reads) == ["api", "page"]
    assert {e.actor_id for e in reads} == {hr.pk}
    assert {e.org_path for e in reads} == {tree["U1"].path}


def test_an_out_of_scope_person_is_a_refusal_not_a_read(tree: dict, actors: dict[str, Any]) -> None:
    stranger = testing.make_person(tree["U3"], "赵六")  # another city
    hr = actors["unit_hr"]
    assert _client(hr).get(f"/people/{stranger.id}/").status_code == 404
    assert not AuditEvent.objects.filter(action="person.read").exists()
    [refusal] = AuditEvent.objects.filter(action="request.refused")
    assert refusal.actor_id == hr.pk
    assert refusal.object_label == f"GET /people/{stranger.id}/"
    assert refusal.changes == {"status": 404}


def test_an_anonymous_404_is_not_audited_but_a_bad_token_is(tree: dict) -> None:
    assert Client().get("/no-such-page/").status_code == 404
    assert not AuditEvent.objects.filter(action="request.refused").exists()
    response = Client().get("/api/v1/people", HTTP_AUTHORIZATION="Bearer wrong")
    assert response.status_code == 401
    [refusal] = AuditEvent.objects.filter(action="request.refused")
    assert refusal.actor_id is None and refusal.changes == {"status": 401}
