"""A new question bank is kept under a node picked by name (#11 item 3): a type-ahead over
the nodes its authors may use, never a flat <select> of every node in their scope."""

import re
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import Role
from civtrain.exams.models import QuestionBank

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _picks(client: Client, q: str) -> list[str]:
    response = client.get("/orgs/pick/", {"q": q, "purpose": "question_bank"})
    return [r["value"] for r in response.json()["results"]]


def test_the_bank_node_is_picked_by_name_and_checked_against_scope(
    tree: dict, actors: dict[str, Any]
) -> None:
    hr = _client(actors["unit_hr"])  # bound to U1
    html = hr.get("/exams/").content.decode()
    assert 'data-picker="/orgs/pick/?purpose=question_bank' in html
    assert re.search(r'<input[^>]*name="org_id"', html)
    assert not re.search(r'<select[^>]*name="org_id"', html)
    assert _picks(hr, "渝中") == ["U1"]
    assert _picks(hr, "司法局") == []  # U2 is elsewhere in the city
    assert _picks(_client(actors["teacher"]), "司法局") == ["U2"]  # a teacher: the city
    assert _picks(_client(testing.make_user(Role.LEARNER, tree["U1"])), "") == []

    response = hr.post("/exams/", {"name": "公务员法题库", "org_id": "渝中区人力社保局"})
    bank = QuestionBank.objects.get(name="公务员法题库")
    assert response["Location"] == f"/exams/banks/{bank.pk}/"
    assert bank.org_id == tree["U1"].id

    page = hr.post("/exams/", {"name": "越权题库", "org_id": "U2"}, follow=True)
    assert "该单位不存在或不在您的管辖范围内" in page.content.decode()
    assert not QuestionBank.objects.filter(name="越权题库").exists()
