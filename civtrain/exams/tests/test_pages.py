"""Exam pages (issue #14 item 7): import with a preview first, the candidate's sheet,
the organiser's paper page, the unit's rates."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from civtrain.core import clock
from civtrain.exams import selectors, services
from civtrain.exams.tests.builders import T0, bank_of_every_type, candidate, fixed_paper
from civtrain.exams.tests.test_formats import GIFT_BY_HAND

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_import_previews_then_imports(tree: Any, actors: dict[str, Any]) -> None:
    bank = services.bank_create(actor=actors["district"], name="区级题库", org_id=tree["D1"].id)
    client = _client(actors["district"])
    upload = SimpleUploadedFile("q.gift", GIFT_BY_HAND.encode())
    page = client.post(
        f"/exams/banks/{bank.pk}/", {"step": "preview", "format": "gift", "file": upload}
    )
    text = page.content.decode()
    assert page.status_code == 200 and "确认导入" in text and "单选题 1" in text
    assert selectors.question_page(actor=actors["district"], bank_id=bank.pk, limit=1)[1] == 0
    token = page.context["token"]
    done = client.post(
        f"/exams/banks/{bank.pk}/", {"step": "confirm", "format": "gift", "token": token}
    )
    assert done.status_code == 302
    assert selectors.question_page(actor=actors["district"], bank_id=bank.pk, limit=1)[1] == 5


def test_preview_of_a_bad_file_names_each_problem(tree: Any, actors: dict[str, Any]) -> None:
    bank = services.bank_create(actor=actors["district"], name="区级题库", org_id=tree["D1"].id)
    upload = SimpleUploadedFile("q.txt", "甲题\nA. 是\nB. 否\n".encode())
    page = _client(actors["district"]).post(
        f"/exams/banks/{bank.pk}/", {"step": "preview", "format": "aiken", "file": upload}
    )
    text = page.content.decode()
    assert "文件有 1 处问题，未导入任何题目" in text
    assert "第 1 题“甲题”（第 1 行）：缺少“ANSWER: 字母”一行" in text
    assert "确认导入" not in text


def test_candidate_sheet_and_organiser_pages(tree: Any, actors: dict[str, Any]) -> None:
    clock.freeze(T0)
    bank = bank_of_every_type(actors["district"], tree["D1"])
    paper = fixed_paper(actors["district"], tree["D1"], bank, time_limit_minutes=45)
    learner = candidate(paper, actors["district"], tree["U1"])
    client = _client(learner)
    start = client.get(f"/exams/take/{paper.pk}/")
    assert "开始作答" in start.content.decode()
    sheet = client.post(f"/exams/take/{paper.pk}/")
    text = sheet.content.decode()
    assert 'data-remaining="2700"' in text and text.count('class="card mb-3 question"') == 6
    organiser = _client(actors["district"])
    urls = ["/exams/", f"/exams/banks/{bank.pk}/", f"/exams/papers/{paper.pk}/"]
    urls += [f"/exams/papers/{paper.pk}/grading/", f"/exams/papers/{paper.pk}/analysis/"]
    for url in urls:
        assert organiser.get(url).status_code == 200, url
    assert _client(actors["other_city"]).get(f"/exams/papers/{paper.pk}/").status_code == 404
    assert client.get(f"/exams/papers/{paper.pk}/").status_code == 404
