"""The exams endpoints (issue #14 item 7): the candidate's attempt through /api/v1/exams,
a refused import as a structured error, scoping as 404."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.core import clock
from civtrain.exams.tests.builders import (
    T0,
    answers_right,
    bank_of_every_type,
    candidate,
    fixed_paper,
)
from civtrain.testing import ApiCaller

pytestmark = pytest.mark.django_db


@pytest.fixture
def sitting(tree: Any, actors: dict[str, Any]) -> dict[str, Any]:
    clock.freeze(T0)
    bank = bank_of_every_type(actors["district"], tree["D1"])
    paper = fixed_paper(actors["district"], tree["D1"], bank, time_limit_minutes=20)
    learner = candidate(paper, actors["district"], tree["U1"])
    return {"bank": bank, "paper": paper, "learner": ApiCaller(learner), "actors": actors}


def test_candidate_sits_the_paper_through_the_api(sitting: dict[str, Any]) -> None:
    call, paper = sitting["learner"], sitting["paper"]
    status, body = call("POST", f"/exams/papers/{paper.pk}/attempt")
    assert status == 200 and body["remaining_seconds"] == 20 * 60
    assert len(body["questions"]) == 6
    assert all("correct" not in q and "accepted" not in q for q in body["questions"])
    from civtrain.exams.selectors import Attempt

    attempt = Attempt.objects.get(pk=body["id"])
    for qid, response in answers_right(attempt).items():
        status, saved = call(
            "PUT", f"/exams/attempts/{attempt.pk}/answers/{qid}", {"response": response}
        )
        assert (status, saved["saved"]) == (200, True)
    clock.freeze(T0 + dt.timedelta(minutes=5))
    status, again = call("POST", f"/exams/papers/{paper.pk}/attempt")  # reopened: resumed
    assert again["id"] == attempt.pk and again["remaining_seconds"] == 15 * 60
    assert sum(q["response"] is not None for q in again["questions"]) == 6
    status, result = call("POST", f"/exams/attempts/{attempt.pk}/submit")
    # results not released: the candidate does not see the score yet
    assert (status, result["status"], result["score"]) == (200, "submitted", None)
    status, err = call("PUT", f"/exams/attempts/{attempt.pk}/answers/{qid}", {"response": "x"})
    assert status == 409 and err["error"]["code"] == "attempt_closed"


def test_an_organiser_cannot_save_a_candidates_answer(sitting: dict[str, Any]) -> None:
    status, body = sitting["learner"]("POST", f"/exams/papers/{sitting['paper'].pk}/attempt")
    organiser = ApiCaller(sitting["actors"]["district"])
    qid = body["questions"][0]["id"]
    status, err = organiser("PUT", f"/exams/attempts/{body['id']}/answers/{qid}", {"response": 0})
    assert status == 404 and err["error"]["code"] == "not_found"


def test_malformed_file_is_refused_with_each_problem(sitting: dict[str, Any]) -> None:
    client = Client()
    client.force_login(sitting["actors"]["district"])
    bad = b"::Q1:: first {=a ~b}\n\n::Q2:: unclosed {=a ~b\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"/api/v1/exams/banks/{sitting['bank'].pk}/import?format=gift",
        {"file": SimpleUploadedFile("q.gift", bad)},
    )
    body = response.json()
    assert response.status_code == 422 and body["error"]["code"] == "question_file_refused"
    assert body["error"]["details"]["problems"] == [
        "第 2 题“unclosed {=a ~b”（第 3 行）：答案部分没有闭合（缺少“}”）"
    ]


def test_the_benchmark_endpoint_is_off_by_default(sitting: dict[str, Any]) -> None:
    status, _body = sitting["learner"]("POST", "/exams/bench/plain-insert", {"value": "x"})
    assert status == 404


def test_organiser_creates_a_campaign_through_the_api(tree: Any, actors: dict[str, Any]) -> None:
    clock.freeze(T0)
    bank = bank_of_every_type(actors["district"], tree["D1"])
    testing.make_person(tree["U1"], name="王五")
    call = ApiCaller(actors["district"])
    status, body = call("POST", "/exams/campaigns", {
        "title": "2026年度网上学习效果测试", "year": 2026, "org_id": tree["D1"].id,
        "opens_at": "2026-06-01T08:00:00+08:00", "closes_at": "2026-06-15T20:00:00+08:00",
        "pass_mark": "2", "blueprint": [{"bank_id": bank.pk, "kind": "true_false", "count": 2,
                                         "points": "1"}],
    })  # fmt: skip
    assert status == 201 and body["candidates"] == 1
    status, rates = call("GET", f"/exams/campaigns/{body['id']}/rates")
    assert status == 200 and [(r["candidates"], r["sat"]) for r in rates] == [(1, 0)]
    status, _err = ApiCaller(actors["other_city"])("GET", f"/exams/campaigns/{body['id']}/rates")
    assert status == 404
