"""The needs-survey endpoints (CQ-M1, #16 item 7) at /api/v1/surveys: the runners list, read
and see the results of the surveys in their scope; an invitee answers its questionnaire once.
Out of scope answers like missing (404); a learner is refused the runners' endpoints (403);
malformed input is a structured 4xx naming the problem."""

import datetime as dt
from typing import Any

import pytest

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.core import clock
from civtrain.surveys import selectors, services
from civtrain.testing import ApiCaller

pytestmark = pytest.mark.django_db

AUTUMN = dt.datetime(2026, 10, 12, 10, 0, tzinfo=clock.TZ)


@pytest.fixture
def world(tree: dict, actors: dict[str, Any]) -> dict[str, Any]:
    """A district's survey of its units (U1's HR office answers) and a unit's survey of its
    people (two civil servants of U1), both open."""
    clock.freeze(AUTUMN)
    people = [testing.make_person(tree["U1"], name=f"学员{i}") for i in range(2)]
    window = {"opens_on": dt.date(2026, 10, 12), "closes_on": dt.date(2026, 10, 31)}
    units = services.survey_create(
        actor=actors["district"], org_id=tree["D1"].id, title="2027年度渝中区各单位培训需求调查",
        year=2027, respondent="unit", **window,
    )  # fmt: skip
    services.survey_open(actor=actors["district"], survey_id=units.pk)
    persons = services.survey_create(
        actor=actors["unit_hr"], org_id=tree["U1"].id, title="2027年度个人培训需求调查",
        year=2027, respondent="person", **window,
    )  # fmt: skip
    services.survey_open(actor=actors["unit_hr"], survey_id=persons.pk)
    learners = [User.objects.get(pk=p.user_id) for p in people]
    return {"units": units, "persons": persons, "learners": learners, **actors}


def _body(detail: dict[str, Any], first: str = "法治") -> dict[str, Any]:
    """An answer to every question of the standard template."""
    answers = []
    for q in detail["questions"]:
        if q["kind"] == "text":
            answers.append({"question_id": q["id"], "text": "增加案例教学"})
        elif q["kind"] == "single":
            answers.append({"question_id": q["id"], "choices": [0]})
        else:
            picked = [q["options"].index(first), 1 if q["options"][0] == first else 0]
            answers.append({"question_id": q["id"], "choices": picked})
    return {"answers": answers}


def test_a_runner_lists_reads_and_sees_the_results(world: dict[str, Any]) -> None:
    district = ApiCaller(world["district"])
    status, page = district("GET", "/surveys?year=2027")
    assert status == 200
    # The district runs its own survey and sees the unit's below it; the city sees both.
    assert sorted(s["title"] for s in page["items"]) == [
        "2027年度个人培训需求调查",
        "2027年度渝中区各单位培训需求调查",
    ]
    assert page["count"] == 2
    status, detail = district("GET", f"/surveys/{world['units'].pk}")
    assert status == 200 and detail["invited"] == 1 and detail["open"] is True
    assert len(detail["questions"]) == 6 and detail["respondent"] == "unit"
    hr = ApiCaller(world["unit_hr"])
    status, [invitation] = hr("GET", "/surveys/invitations")
    assert status == 200 and invitation["unit_name"] == "渝中区人力社保局"
    status, done = hr("POST", f"/surveys/invitations/{invitation['id']}/answer", _body(detail))
    assert status == 200 and done["answered"] is True
    status, results = district("GET", f"/surveys/{world['units'].pk}/results")
    assert status == 200 and results["survey"]["responses"] == 1
    assert results["survey"]["response_rate"] == 1.0
    assert results["demand"][0]["name"] == "法治" and results["demand"][0]["share"] == 100.0
    [text] = [q for q in results["questions"] if q["kind"] == "text"]
    assert text["texts"] == ["增加案例教学"]


def test_an_invitee_answers_once_and_sees_only_its_own(world: dict[str, Any]) -> None:
    one, two = (ApiCaller(u) for u in world["learners"])
    status, [mine] = one("GET", "/surveys/invitations")
    assert status == 200 and mine["title"] == "2027年度个人培训需求调查" and not mine["answered"]
    status, detail = one("GET", f"/surveys/invitations/{mine['id']}")
    assert status == 200 and len(detail["questions"]) == 6
    # Another trainee's questionnaire is not theirs: missing, for reading and for answering.
    assert two("GET", f"/surveys/invitations/{mine['id']}")[0] == 404
    status, err = two("POST", f"/surveys/invitations/{mine['id']}/answer", _body(detail))
    assert status == 404 and err["error"]["code"] == "not_found"
    assert one("POST", f"/surveys/invitations/{mine['id']}/answer", _body(detail))[0] == 200
    status, err = one("POST", f"/surveys/invitations/{mine['id']}/answer", _body(detail))
    assert status == 422 and err["error"]["code"] == "survey_already_answered"
    assert one("GET", "/surveys/invitations")[1][0]["answered"] is True
    assert world["persons"].__class__.objects.get(pk=world["persons"].pk).responses == 1


def test_out_of_scope_answers_like_missing(world: dict[str, Any]) -> None:
    other = ApiCaller(world["other_city"])  # 郑州市's bureau
    status, page = other("GET", "/surveys")
    assert status == 200 and page == {"count": 0, "items": []}
    for path in (f"/surveys/{world['units'].pk}", f"/surveys/{world['units'].pk}/results"):
        status, err = other("GET", path)
        assert status == 404 and err["error"]["code"] == "not_found", path
    assert other("GET", "/surveys/987654")[0] == 404
    # A unit's HR office does not see the district's survey it answers as a runner.
    hr = ApiCaller(world["unit_hr"])
    assert hr("GET", f"/surveys/{world['units'].pk}")[0] == 404
    assert hr("GET", f"/surveys/{world['persons'].pk}")[0] == 200


def test_a_learner_is_refused_the_runners_endpoints(world: dict[str, Any]) -> None:
    learner = ApiCaller(world["learners"][0])
    for path in (
        "/surveys",
        f"/surveys/{world['persons'].pk}",
        f"/surveys/{world['persons'].pk}/results",
    ):
        status, err = learner("GET", path)
        assert status == 403 and err["error"]["code"] == "permission_denied", path
    assert ApiCaller()("GET", "/surveys")[0] == 401


def test_malformed_answers_are_structured_errors(world: dict[str, Any]) -> None:
    learner = ApiCaller(world["learners"][0])
    [mine] = learner("GET", "/surveys/invitations")[1]
    url = f"/surveys/invitations/{mine['id']}/answer"
    status, err = learner("POST", url, "{not json")
    assert status in (400, 422) and "error" in err
    status, err = learner("POST", url, {"answers": [{"question_id": "x"}]})
    assert status == 422 and err["error"]["code"] == "validation_error"
    assert err["error"]["details"]["fields"][0]["field"] == "answers.0.question_id"
    status, err = learner("POST", url, {"answers": []})  # nothing answered
    assert status == 422 and err["error"]["code"] == "survey_incomplete"
    detail = learner("GET", f"/surveys/invitations/{mine['id']}")[1]
    body = _body(detail)
    single = next(a for a in body["answers"] if "choices" in a and len(a["choices"]) == 1)
    single["choices"] = [999]  # no such option
    status, err = learner("POST", url, body)
    assert status == 422 and err["error"]["code"] == "survey_invalid"
    assert not selectors.SurveyInvitation.objects.get(pk=mine["id"]).answered
