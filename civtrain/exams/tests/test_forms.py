"""The organiser's forms (issue #14 items 2 and 6; review item 1): a fixed paper (questions
ticked, points each), a multi-bank blueprint paper, candidates added by unit, and the
year-end campaign (audience, window, paper, retakes) — all made in pages; a refused form
keeps what was typed and says why."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from civtrain.core import clock
from civtrain.exams import selectors
from civtrain.exams.data import PaperKind
from civtrain.exams.models import Campaign, Candidate, Paper, Question
from civtrain.exams.tests.builders import T0, bank_of_every_type
from civtrain.testing import make_person

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def organiser(tree: Any, actors: dict[str, Any]) -> dict[str, Any]:
    clock.freeze(T0)
    bank = bank_of_every_type(actors["district"], tree["D1"])
    city_bank = bank_of_every_type(actors["city"], tree["C1"], name="市级题库")
    return {"client": _client(actors["district"]), "bank": bank, "city_bank": city_bank}


def test_a_fixed_paper_is_made_by_ticking_questions(tree: Any, organiser: dict[str, Any]) -> None:
    client, bank = organiser["client"], organiser["bank"]
    assert "新建试卷" in client.get("/exams/").content.decode()
    form = client.get("/exams/papers/new/")
    assert form.status_code == 200 and "市级题库" in form.content.decode()  # shared down
    shown = client.post("/exams/papers/new/", {"show_bank": bank.pk, "title": "宪法测试"})
    text = shown.content.decode()
    ids = list(Question.objects.filter(bank=bank).order_by("id").values_list("pk", flat=True))
    assert all(f'name="q" value="{qid}"' in text for qid in ids) and 'value="宪法测试"' in text
    done = client.post("/exams/papers/new/", {
        "title": "宪法测试", "org_id": tree["D1"].id, "kind": "fixed", "shown_bank": bank.pk,
        "q": ids[:3], f"points_{ids[0]}": "5", f"points_{ids[1]}": "3", f"points_{ids[2]}": "2",
        "pass_mark": "6", "time_limit_minutes": "40", "max_attempts": "2", "open_book": "on",
        "shuffle_options": "on", "opens_at": "2026-06-02T09:00", "closes_at": "2026-06-05T18:00",
    })  # fmt: skip
    paper = Paper.objects.get(title="宪法测试")
    assert done.status_code == 302 and done["Location"] == f"/exams/papers/{paper.pk}/"
    assert (paper.kind, paper.pass_mark, paper.time_limit_minutes, paper.max_attempts) == (
        PaperKind.FIXED, Decimal(6), 40, 2)  # fmt: skip
    assert (paper.open_book, paper.shuffle_questions, paper.shuffle_options) == (True, False, True)
    assert paper.opens_at == dt.datetime(2026, 6, 2, 9, 0, tzinfo=clock.TZ)
    assert paper.closes_at == dt.datetime(2026, 6, 5, 18, 0, tzinfo=clock.TZ)
    assert list(paper.fixed.values_list("question_id", "points")) == [
        (ids[0], Decimal(5)), (ids[1], Decimal(3)), (ids[2], Decimal(2))]  # fmt: skip
    page = client.get(f"/exams/papers/{paper.pk}/").content.decode()
    assert "开卷" in page and "打乱选项顺序" in page and page.count("<tr><td>") >= 3


def test_a_blueprint_paper_draws_from_two_banks(tree: Any, organiser: dict[str, Any]) -> None:
    client = organiser["client"]
    data = {
        "title": "综合抽题卷", "org_id": tree["D1"].id, "kind": "blueprint", "pass_mark": "3",
        "row0_bank": organiser["bank"].pk, "row0_kind": "true_false", "row0_count": "1",
        "row0_points": "2", "row2_bank": organiser["city_bank"].pk, "row2_kind": "single",
        "row2_difficulty": "", "row2_count": "1", "row2_points": "3",
    }  # fmt: skip
    done = client.post("/exams/papers/new/", data)
    paper = Paper.objects.get(title="综合抽题卷")
    assert done.status_code == 302 and paper.kind == PaperKind.BLUEPRINT
    rows = list(paper.blueprint.values_list("bank_id", "kind", "difficulty", "count", "points"))
    assert rows == [(organiser["bank"].pk, "true_false", None, 1, Decimal(2)),
                    (organiser["city_bank"].pk, "single", None, 1, Decimal(3))]  # fmt: skip
    page = client.get(f"/exams/papers/{paper.pk}/").content.decode()
    assert "市级题库" in page and "抽题规则" in page


def test_a_refused_paper_keeps_what_was_typed(tree: Any, organiser: dict[str, Any]) -> None:
    data = {
        "title": "抽不够", "org_id": tree["D1"].id, "kind": "blueprint", "pass_mark": "1",
        "row0_bank": organiser["bank"].pk, "row0_kind": "fill", "row0_count": "5",
        "row0_points": "1",
    }  # fmt: skip
    page = organiser["client"].post("/exams/papers/new/", data)
    text = page.content.decode()
    assert page.status_code == 422
    assert "第 1 行：题库“综合题库”中填空题只有 1 道，不够抽 5 道" in text
    assert 'value="抽不够"' in text and 'name="row0_count" inputmode="numeric" value="5"' in text
    assert not Paper.objects.filter(title="抽不够").exists()
    bad = organiser["client"].post("/exams/papers/new/", {**data, "pass_mark": "很多"})
    assert bad.status_code == 422 and "及格分应为数字" in bad.content.decode()


def test_candidates_are_added_by_unit_on_the_paper_page(
    tree: Any, actors: dict[str, Any], organiser: dict[str, Any]
) -> None:
    client = organiser["client"]
    ids = list(Question.objects.filter(bank=organiser["bank"]).values_list("pk", flat=True))
    client.post("/exams/papers/new/", {
        "title": "单位测试", "org_id": tree["D1"].id, "kind": "fixed", "q": ids[:1],
        f"points_{ids[0]}": "2", "pass_mark": "1",
    })  # fmt: skip
    paper = Paper.objects.get(title="单位测试")
    people = [make_person(tree["U1"], name=n).id for n in ("甲", "乙")]
    make_person(tree["U2"], name="丙")  # another district's unit: not added
    done = client.post(
        f"/exams/papers/{paper.pk}/", {"action": "candidates", "org_id": tree["U1"].id}
    )
    assert done.status_code == 302
    assert sorted(Candidate.objects.filter(paper=paper).values_list("person_id", flat=True)) == (
        sorted(people))  # fmt: skip
    outside = client.post(
        f"/exams/papers/{paper.pk}/", {"action": "candidates", "org_id": tree["U2"].id}
    )
    assert outside.status_code == 302 and Candidate.objects.filter(paper=paper).count() == 2


def test_the_year_end_campaign_is_made_in_its_form(tree: Any, organiser: dict[str, Any]) -> None:
    client = organiser["client"]
    form = client.get("/exams/campaigns/new/").content.decode()
    assert "2026年度公务员网上学习测试" in form and "行政执法类" in form and "一级主办" in form
    law = make_person(tree["U1"], name="执法", category="enforcement", rank="一级主办").id
    make_person(tree["U1"], name="综合", category="general", rank="一级科员")
    data = {
        "title": "2026年度网上学习测试", "year": "2026", "org_id": tree["D1"].id,
        "categories": ["enforcement"], "opens_at": "2026-12-01T08:00",
        "closes_at": "2026-12-20T18:00", "hours": "2", "kind": "blueprint",
        "pass_mark": "2", "time_limit_minutes": "30", "max_attempts": "3",
        "shuffle_questions": "on", "row0_bank": organiser["bank"].pk,
        "row0_kind": "true_false", "row0_count": "1", "row0_points": "4",
    }  # fmt: skip
    done = client.post("/exams/campaigns/new/", data)
    campaign = Campaign.objects.get(title="2026年度网上学习测试")
    assert done.status_code == 302 and done["Location"] == f"/exams/campaigns/{campaign.pk}/"
    paper = selectors.campaign_paper(campaign.pk)
    assert paper is not None
    assert (campaign.year, campaign.categories, campaign.hours) == (2026, ["enforcement"], 2)
    assert (paper.max_attempts, paper.time_limit_minutes, paper.shuffle_options) == (3, 30, False)
    assert paper.opens_at == dt.datetime(2026, 12, 1, 8, 0, tzinfo=clock.TZ)
    assert list(Candidate.objects.filter(paper=paper).values_list("person_id", flat=True)) == [law]
    refused = client.post("/exams/campaigns/new/", {**data, "closes_at": ""})
    assert refused.status_code == 422 and "请填写截止时间" in refused.content.decode()


def test_forms_are_for_organisers_only(tree: Any, actors: dict[str, Any]) -> None:
    learner = make_person(tree["U1"], name="学员")
    from civtrain.accounts.api import User

    client = _client(User.objects.get(pk=learner.user_id))
    assert client.get("/exams/papers/new/").status_code == 404
    assert client.get("/exams/campaigns/new/").status_code == 404
