"""The candidate's page saves with the attempt's token, answered in front of the request
stack (core.lean, ADR 0029): only the candidate's own open attempt, until they sign out."""

from typing import Any

import pytest
from django.test import Client

from civtrain.core import clock
from civtrain.exams import services
from civtrain.exams.data import QuestionKind
from civtrain.exams.models import Answer
from civtrain.exams.tests.builders import T0, bank_of_every_type, candidate, fixed_paper
from civtrain.testing import served

pytestmark = pytest.mark.django_db


def test_a_candidates_page_saves_with_its_token(tree: Any, actors: dict[str, Any]) -> None:
    clock.freeze(T0)
    bank = bank_of_every_type(actors["district"], tree["D1"])
    paper = fixed_paper(actors["district"], tree["D1"], bank, time_limit_minutes=30)
    learner = candidate(paper, actors["district"], tree["U1"])
    client = Client()
    client.force_login(learner)
    started = client.post(f"/api/v1/exams/papers/{paper.pk}/attempt")
    assert started.status_code == 200, started.content
    sheet = started.json()
    fill = next(q["id"] for q in sheet["questions"] if q["kind"] == QuestionKind.FILL)
    path = f"/api/v1/exams/attempts/{sheet['id']}/answers/{fill}"

    def save(response: Any, token: str) -> tuple[int, Any]:
        status, _headers, answer = served(
            "PUT", path, {"response": response}, {"X-Attempt-Token": token}
        )
        return status, answer

    status, saved = save("宪法", sheet["token"])
    assert status == 200 and saved["saved"] and 0 < saved["remaining_seconds"] <= 30 * 60
    assert Answer.objects.get(attempt_id=sheet["id"], question_id=fill).response == "宪法"
    assert save("乙", "made-up")[0] == 404
    # without the header the save is the site's, which wants a signed-in session
    assert served("PUT", path, {"response": "乙"})[0] == 401
    client.post("/logout/")
    assert save("丙", sheet["token"])[0] == 404  # signed out: the token is gone
    client.force_login(learner)
    token = client.post(f"/api/v1/exams/papers/{paper.pk}/attempt").json()["token"]
    assert token and token != sheet["token"]
    assert save("丁", token)[0] == 200
    services.attempt_submit(actor=learner, attempt_id=sheet["id"])
    assert save("戊", token)[0] == 409  # submitted: closed
    assert Answer.objects.get(attempt_id=sheet["id"], question_id=fill).response == "丁"
