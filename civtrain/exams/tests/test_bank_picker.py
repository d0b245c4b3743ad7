"""A new question bank is kept under a node picked by name, and a year-end test's scope and a
paper's candidates' unit are picked by name (#11 item 3): type-aheads over the nodes the
actor may use, never a flat <select> of every node in their scope."""

import re
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import Role
from civtrain.core import clock
from civtrain.exams import selectors
from civtrain.exams.models import Campaign, Candidate, Paper, QuestionBank
from civtrain.exams.tests.builders import T0, bank_of_every_type

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


def test_a_campaign_scope_and_a_papers_candidates_are_picked_by_name(
    tree: dict, actors: dict[str, Any]
) -> None:
    clock.freeze(T0)
    bank = bank_of_every_type(actors["district"], tree["D1"])
    district = _client(actors["district"])  # bound to D1 (渝中区)
    html = district.get("/exams/campaigns/new/").content.decode()
    assert 'data-picker="/orgs/pick/?purpose=exam&amp;kinds=city%2Cdistrict%2Cunit' in html
    assert not re.search(r'<select[^>]*name="org_id"', html)
    assert 'value="D1"' in html  # starts with the district's own node
    found = district.get(
        "/orgs/pick/", {"purpose": "exam", "kinds": "city,district,unit", "q": "渝中"}
    ).json()["results"]
    assert [r["value"] for r in found] == ["D1", "U1"]
    testing.make_person(tree["U1"], name="甲")
    data = {
        "title": "2026年度网上学习测试", "year": "2026", "org_id": "渝中区人力社保局",
        "opens_at": "2026-12-01T08:00", "closes_at": "2026-12-20T18:00", "hours": "2",
        "kind": "blueprint", "pass_mark": "2", "time_limit_minutes": "30",
        "max_attempts": "3", "row0_bank": bank.pk, "row0_kind": "true_false",
        "row0_count": "1", "row0_points": "4",
    }  # fmt: skip
    done = district.post("/exams/campaigns/new/", data)
    campaign = Campaign.objects.get(title="2026年度网上学习测试")
    assert done["Location"] == f"/exams/campaigns/{campaign.pk}/"
    assert campaign.org_id == tree["U1"].id
    refused = district.post("/exams/campaigns/new/", {**data, "title": "越权", "org_id": "U2"})
    assert refused.status_code == 422
    assert "该单位不存在或不在您的管辖范围内" in refused.content.decode()
    assert not Campaign.objects.filter(title="越权").exists()

    # The campaign's paper page adds candidates under a unit typed by name.
    paper = selectors.campaign_paper(campaign.pk)
    assert paper is not None
    html = district.get(f"/exams/papers/{paper.pk}/").content.decode()
    assert 'id="c-org_id"' in html and not re.search(r'<select[^>]*name="org_id"', html)
    late = testing.make_person(tree["U1"], name="乙").id
    url = f"/exams/papers/{paper.pk}/"
    page = district.post(url, {"action": "candidates", "org_id": "U2"}, follow=True)
    assert "该单位不存在或不在您的管辖范围内" in page.content.decode()
    page = district.post(url, {"action": "candidates", "org_id": "渝中区"}, follow=True)
    assert "已添加考生 1 人" in page.content.decode()
    assert Candidate.objects.filter(paper=paper, person_id=late).exists()


def test_a_papers_organiser_is_picked_by_name_and_kept_when_refused(
    tree: dict, actors: dict[str, Any]
) -> None:
    clock.freeze(T0)
    bank = bank_of_every_type(actors["district"], tree["D1"])
    district = _client(actors["district"])
    html = district.get("/exams/papers/new/").content.decode()
    assert 'id="f-org_id"' in html and 'value="D1"' in html  # starts with its own node
    assert not re.search(r'<select[^>]*name="org_id"', html)
    data = {
        "title": "单位小测", "org_id": "渝中区人力社保局", "kind": "blueprint",
        "pass_mark": "1", "row0_bank": bank.pk, "row0_kind": "true_false",
        "row0_count": "1", "row0_points": "2",
    }  # fmt: skip
    done = district.post("/exams/papers/new/", data)
    paper = Paper.objects.get(title="单位小测")
    assert done["Location"] == f"/exams/papers/{paper.pk}/" and paper.org_id == tree["U1"].id
    refused = district.post("/exams/papers/new/", {**data, "title": "越权小测", "org_id": "U2"})
    assert refused.status_code == 422
    assert "该单位不存在或不在您的管辖范围内" in refused.content.decode()
    assert 'value="越权小测"' in refused.content.decode()
    assert not Paper.objects.filter(title="越权小测").exists()
