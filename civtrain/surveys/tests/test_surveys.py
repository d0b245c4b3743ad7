"""Needs surveys (CQ-M1): built from the standard template, sent to a population (a
district's units, or a unit's people of some categories), answered once each with inbox
reminders, results by subject, need level and category, demand against hours delivered, and
the findings on the plan that follows (survey → plan, the loop's first step)."""

import datetime as dt
from typing import Any

import pytest

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.core import clock
from civtrain.core.errors import NotFound
from civtrain.inbox.api import messages_for
from civtrain.plans import api as plans
from civtrain.surveys import selectors, services
from civtrain.surveys.data import QuestionKind, SurveyStatus
from civtrain.surveys.errors import SurveyError
from civtrain.surveys.models import SurveyAnswer, SurveyInvitation, SurveyResponse

pytestmark = pytest.mark.django_db

AUTUMN = dt.datetime(2026, 10, 12, 10, 0, tzinfo=clock.TZ)


def _survey(actor: Any, org: Any, respondent: str, **kw: Any) -> Any:
    return services.survey_create(
        actor=actor,
        org_id=org.id,
        title=kw.pop("title", "2027年度培训需求调查"),
        year=2027,
        respondent=respondent,
        opens_on=dt.date(2026, 10, 12),
        closes_on=dt.date(2026, 10, 31),
        **kw,
    )


def _by_text(survey: Any) -> dict[str, Any]:
    return {q.text: q for q in selectors.questions(survey)}


def _option(question: Any, label: str) -> int:
    return [o["label"] for o in question.options].index(label)


def _answers(survey: Any, ranking: list[str], wanted: list[str], way: str, text: str = "") -> dict:
    """An answer to every question of the standard template."""
    out: dict[int, object] = {}
    for q in selectors.questions(survey):
        if q.kind == QuestionKind.RANKING:
            out[q.pk] = [_option(q, s) for s in ranking]
        elif q.kind == QuestionKind.MULTIPLE:
            out[q.pk] = [_option(q, s) for s in wanted]
        elif q.kind == QuestionKind.SINGLE:
            out[q.pk] = _option(q, way) if "方式" in q.text else 0
        else:
            out[q.pk] = text
    return out


def test_a_person_survey_reaches_its_population_and_each_answers_once(
    tree: dict, actors: dict[str, Any]
) -> None:
    clock.freeze(AUTUMN)
    hr = actors["unit_hr"]
    law = [
        testing.make_person(tree["U1"], name=f"执法{i}", category="enforcement") for i in range(3)
    ]
    testing.make_person(tree["U1"], name="综合甲", category="general")  # not of the population
    testing.make_person(tree["U2"], name="外单位", category="enforcement")  # not in the subtree
    survey = _survey(hr, tree["U1"], "person", categories=["enforcement"])
    assert survey.status == SurveyStatus.DRAFT
    assert len(selectors.questions(survey)) == 6  # the standard template's
    services.question_add(
        actor=hr,
        survey_id=survey.pk,
        kind="single",
        level="post",
        text="是否需要执法资格考试辅导",
        options=["需要", "不需要"],
    )
    survey = services.survey_open(actor=hr, survey_id=survey.pk)
    assert survey.invited == 3
    users = [User.objects.get(pk=p.user_id) for p in law]
    for user in users:
        [message] = messages_for(user.pk, kind="survey")
        assert "2027年度培训需求调查" in message.subject and message.url == "/surveys/mine/"
    with pytest.raises(SurveyError):  # questions are fixed once sent
        services.question_add(
            actor=hr, survey_id=survey.pk, kind="text", level="individual", text="x"
        )

    plans = {
        0: (["法治", "公文写作"], ["法治"]),
        1: (["法治"], ["群众工作"]),
        2: (["公文写作"], []),
    }
    for i, user in enumerate(users[:2]):
        [invitation] = selectors.my_invitations(actor=user)
        ranking, wanted = plans[i]
        services.survey_answer(
            actor=user,
            invitation_id=invitation.pk,
            answers=_answers(survey, ranking, wanted, "网络在线学习", text=f"建议{i}"),
        )
    [invitation] = selectors.my_invitations(actor=users[0])
    with pytest.raises(SurveyError):  # once only
        services.survey_answer(
            actor=users[0],
            invitation_id=invitation.pk,
            answers=_answers(survey, ["法治"], [], "专题讲座"),
        )
    with pytest.raises(NotFound):  # another person's questionnaire
        services.survey_answer(actor=users[2], invitation_id=invitation.pk, answers={})
    survey.refresh_from_db()
    assert (survey.responses, survey.invited) == (2, 3)
    # What was answered names the unit and category, never the person.
    columns = {f.name for f in SurveyResponse._meta.get_fields()}
    assert not columns & {"person", "user", "invitation", "created_at"}
    assert SurveyResponse.objects.filter(survey=survey, category="enforcement").count() == 2

    # The daily reminder goes to the one who has not answered, once a day.
    assert services.reminders_send() == 1
    assert services.reminders_send() == 0
    assert len(messages_for(users[2].pk, kind="survey")) == 2
    assert len(messages_for(users[0].pk, kind="survey")) == 1

    demand = {d.name: d for d in selectors.subject_demand(survey)}
    assert (demand["法治"].respondents, demand["法治"].share) == (2, 100.0)
    assert (demand["公文写作"].respondents, demand["群众工作"].respondents) == (1, 1)
    results = {r["question"].text: r for r in selectors.question_results(survey)}
    ranked = {o["label"]: o for o in results[_first_ranking(survey)]["options"]}
    assert (ranked["法治"]["points"], ranked["公文写作"]["points"]) == (3 + 3, 2)
    way = {o["label"]: o["count"] for o in results["最适合的培训方式"]["options"]}
    assert way["网络在线学习"] == 2
    assert results["对下一年度培训工作的其他意见和建议"]["texts"] == ["建议0", "建议1"]
    audience = selectors.demand_by_audience(survey)
    assert audience["categories"] == ["行政执法类"]
    row = next(r for r in audience["rows"] if r["subject"] == "法治")
    # 法治: two ranked it as their organisation's need; one also chose it in the post's and
    # their own (the template's two multiple-choice questions).
    assert row["levels"] == [2, 1, 1] and row["categories"] == [2]


def _first_ranking(survey: Any) -> str:
    return next(q.text for q in selectors.questions(survey) if q.kind == QuestionKind.RANKING)


def test_a_district_surveys_its_units_and_a_unit_plan_shows_its_own_findings(
    tree: dict, actors: dict[str, Any]
) -> None:
    clock.freeze(AUTUMN)
    district, hr = actors["district"], actors["unit_hr"]
    with pytest.raises(SurveyError):  # units answer surveys run by a district or city
        _survey(hr, tree["U1"], "unit")
    survey = services.survey_open(
        actor=district, survey_id=_survey(district, tree["D1"], "unit").pk
    )
    assert survey.invited == 1  # U1 is the only unit of 渝中区 (U1-1 is a department)
    [message] = messages_for(hr.pk, kind="survey")
    assert "培训需求调查" in message.subject
    [invitation] = selectors.my_invitations(actor=hr)
    assert invitation.unit_id == tree["U1"].id
    services.survey_answer(
        actor=hr,
        invitation_id=invitation.pk,
        answers=_answers(survey, ["公文写作", "法治"], ["公文写作"], "专题讲座"),
    )
    assert SurveyInvitation.objects.get(pk=invitation.pk).answered
    assert SurveyAnswer.objects.filter(response__survey=survey).count() == 6

    plan = plans.plan_open(actor=hr, org_id=tree["U1"].id, year=2027)
    assert [s.id for s in selectors.surveys_covering(plan.org.path)] == [survey.pk]
    plans.plan_survey_attach(actor=hr, plan_id=plan.pk, survey_id=survey.pk)
    plans.planned_class_add(
        actor=hr,
        plan_id=plan.pk,
        title="公文写作能力提升班",
        training_type="thematic",
        subjects=["writing"],
        size=30,
        hours="16",
    )
    plan.refresh_from_db()
    findings = plans.plan_findings(plan.pk)
    assert findings is not None and findings.survey.counted == 1
    planned = {d.name: n for d, n in findings.rows}
    assert planned == {"公文写作": 1, "法治": 0}  # 法治 asked for, nothing planned yet

    # A unit of another district is not in the survey's population.
    other = plans.plan_open(
        actor=testing.make_user(hr_role(), tree["U2"]), org_id=tree["U2"].id, year=2027
    )
    with pytest.raises(NotFound):
        plans.plan_survey_attach(
            actor=testing.make_user(hr_role(), tree["U2"]), plan_id=other.pk, survey_id=survey.pk
        )


def hr_role() -> Any:
    from civtrain.accounts.api import Role

    return Role.UNIT_HR


def test_scope_window_and_closing(tree: dict, actors: dict[str, Any]) -> None:
    clock.freeze(AUTUMN)
    hr, other_city = actors["unit_hr"], actors["other_city"]
    with pytest.raises(NotFound):  # not the actor's node
        _survey(other_city, tree["U1"], "person")
    with pytest.raises(SurveyError):  # nobody of that category in the unit
        services.survey_open(
            actor=hr, survey_id=_survey(hr, tree["U1"], "person", categories=["professional"]).pk
        )
    person = testing.make_person(tree["U1"], name="李四")
    survey = services.survey_open(actor=hr, survey_id=_survey(hr, tree["U1"], "person").pk)
    with pytest.raises(NotFound):
        selectors.access_survey_by_id(other_city, survey.pk)
    user = User.objects.get(pk=person.user_id)
    [invitation] = selectors.my_invitations(actor=user)
    with pytest.raises(SurveyError):  # a required choice left out
        services.survey_answer(actor=user, invitation_id=invitation.pk, answers={})
    services.survey_close(actor=hr, survey_id=survey.pk)
    with pytest.raises(SurveyError):
        services.survey_answer(
            actor=user,
            invitation_id=invitation.pk,
            answers=_answers(survey, ["法治"], [], "专题讲座"),
        )
    assert not SurveyResponse.objects.filter(survey=survey).exists()


def test_pages_build_send_answer_and_show_results(
    tree: dict, actors: dict[str, Any], client: Any
) -> None:
    clock.freeze(AUTUMN)
    district, hr = actors["district"], actors["unit_hr"]
    client.force_login(district)
    page = client.get("/surveys/?year=2027").content.decode()
    assert "发起需求调查" in page
    response = client.post(
        "/surveys/new/",
        {
            "title": "渝中区2027年度培训需求调查",
            "year": "2027",
            "org_id": tree["D1"].id,
            "respondent": "unit",
            "opens_on": "2026-10-12",
            "closes_on": "2026-10-30",
        },
    )
    url = response["Location"]
    client.post(
        url + "questions/",
        {
            "text": "最需要的专题讲座",
            "kind": "multiple",
            "level": "organisation",
            "options": "法治\n数字政府",
        },
    )
    assert "最需要的专题讲座" in client.get(url).content.decode()
    client.post(url + "open/")
    assert "0 / 1" in client.get(url).content.decode()

    client.force_login(hr)
    mine = client.get("/surveys/mine/").content.decode()
    assert "渝中区2027年度培训需求调查" in mine and "代表 渝中区人力社保局 填报" in mine
    [invitation] = selectors.my_invitations(actor=hr)
    form = client.get(f"/surveys/answer/{invitation.pk}/").content.decode()
    assert "第 1 位" in form
    posted: dict[str, Any] = {}
    for q in selectors.questions(invitation.survey):
        if q.kind == QuestionKind.RANKING:
            posted[f"q-{q.pk}-1"] = str(_option(q, "法治"))
        elif q.kind == QuestionKind.MULTIPLE:
            posted[f"q-{q.pk}"] = [str(_option(q, "法治"))]
        elif q.kind == QuestionKind.SINGLE:
            posted[f"q-{q.pk}"] = "0"
        else:
            posted[f"q-{q.pk}"] = "多安排案例教学"
    response = client.post(f"/surveys/answer/{invitation.pk}/", posted)
    assert response.status_code == 302
    assert "已填报" in client.get("/surveys/mine/").content.decode()

    client.force_login(district)
    results = client.get(url + "results/").content.decode()
    assert "多安排案例教学" in results and 'id="demand-table"' in results
    assert "<td>法治</td><td>1</td><td>100.0%</td>" in results
    with_other = client.get(url.replace(str(invitation.survey_id), "999999999")).status_code
    assert with_other == 404
