"""Needs survey endpoints (CQ-M1, #16 item 7): what a unit's system or the bureau calls —
surveys in the actor's scope and their results (the runners: bureaus and unit HR offices),
and the questionnaires the actor answers (as a civil servant, or for a unit as its HR office).

Scope as on the pages: a survey outside the actor's subtrees, or an invitation that is not
the actor's, answers 404 like a missing one; an account that runs no survey (a learner) is
refused the runners' endpoints with 403."""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from civtrain.accounts.api import actor_scope
from civtrain.core.errors import PermissionDenied
from civtrain.core.fields import DbId, Year
from civtrain.surveys import selectors, services
from civtrain.surveys.data import QuestionKind

router = Router(tags=["surveys"])

Offset = Annotated[int, Field(ge=0, le=10**7)]
Limit = Annotated[int, Field(ge=1, le=200)]
OptionIndex = Annotated[int, Field(ge=0, le=999)]


class QuestionOut(Schema):
    id: int
    position: int
    kind: str
    level: str
    text: str
    options: list[str]


class SurveyOut(Schema):
    id: int
    title: str
    org_id: int
    org_name: str
    year: int
    respondent: str
    status: str
    opens_on: dt.date
    closes_on: dt.date
    open: bool
    invited: int
    responses: int
    response_rate: float | None


class SurveyDetailOut(SurveyOut):
    categories: list[str]
    ranks: list[str]
    questions: list[QuestionOut]


class SurveyPage(Schema):
    count: int
    items: list[SurveyOut]


class OptionResultOut(Schema):
    label: str
    subject: str
    count: int
    share: float
    points: int


class QuestionResultOut(Schema):
    question_id: int
    text: str
    kind: str
    level: str
    answered: int
    options: list[OptionResultOut]
    texts: list[str]


class DemandOut(Schema):
    subject: str
    name: str
    respondents: int
    share: float
    hours_delivered: float
    hours_share: float


class ResultsOut(Schema):
    survey: SurveyOut
    questions: list[QuestionResultOut]
    demand: list[DemandOut]


class InvitationOut(Schema):
    id: int
    survey_id: int
    title: str
    year: int
    unit_id: int | None
    unit_name: str
    answered: bool
    open: bool
    closes_on: dt.date


class InvitationDetailOut(InvitationOut):
    questions: list[QuestionOut]


class QuestionAnswerIn(Schema):
    question_id: DbId
    # A choice question's options by their index (0 first; a ranking in order of preference,
    # at most three); a text question's answer in `text`.
    choices: Annotated[list[OptionIndex], Field(max_length=100)] = []
    text: Annotated[str, Field(max_length=2000)] = ""


class SurveyAnswerIn(Schema):
    answers: Annotated[list[QuestionAnswerIn], Field(max_length=200)]


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _runner(request: HttpRequest) -> Any:
    actor = _actor(request)
    if not actor_scope(actor).has(*selectors.RUNNERS):
        raise PermissionDenied("只有组织人事部门和培训主管部门可以查看需求调查")
    return actor


def _survey(s: selectors.Survey) -> dict[str, Any]:
    return {
        "id": s.pk,
        "title": s.title,
        "org_id": s.org_id,
        "org_name": s.org.name,
        "year": s.year,
        "respondent": s.respondent,
        "status": s.status,
        "opens_on": s.opens_on,
        "closes_on": s.closes_on,
        "open": selectors.is_open(s),
        "invited": s.invited,
        "responses": s.responses,
        "response_rate": round(s.responses / s.invited, 4) if s.invited else None,
    }


def _questions(survey: selectors.Survey) -> list[dict[str, Any]]:
    return [
        {
            "id": q.pk,
            "position": q.position,
            "kind": q.kind,
            "level": q.level,
            "text": q.text,
            "options": [o["label"] for o in q.options],
        }
        for q in selectors.questions(survey)
    ]


def _invitation(i: selectors.SurveyInvitation) -> dict[str, Any]:
    return {
        "id": i.pk,
        "survey_id": i.survey_id,
        "title": i.survey.title,
        "year": i.survey.year,
        "unit_id": i.unit_id,
        "unit_name": i.unit.name if i.unit else "",
        "answered": i.answered,
        "open": selectors.is_open(i.survey),
        "closes_on": i.survey.closes_on,
    }


@router.get("", response=SurveyPage, summary="需求调查列表（管辖范围内）")
def survey_list(
    request: HttpRequest, year: Year | None = None, offset: Offset = 0, limit: Limit = 50
) -> Any:
    count, surveys = selectors.survey_page(
        actor=_runner(request), year=year, offset=offset, limit=limit
    )
    return {"count": count, "items": [_survey(s) for s in surveys]}


@router.get("/invitations", response=list[InvitationOut], summary="我（本单位）要填写的调查问卷")
def invitation_list(request: HttpRequest) -> Any:
    return [_invitation(i) for i in selectors.my_invitations(actor=_actor(request))[:100]]


@router.get(
    "/invitations/{int:invitation_id}", response=InvitationDetailOut, summary="调查问卷及题目"
)
def invitation_detail(request: HttpRequest, invitation_id: DbId) -> Any:
    invitation = selectors.access_invitation(_actor(request), invitation_id)
    return {**_invitation(invitation), "questions": _questions(invitation.survey)}


@router.post(
    "/invitations/{int:invitation_id}/answer", response=InvitationOut, summary="提交调查问卷"
)
def invitation_answer(request: HttpRequest, invitation_id: DbId, payload: SurveyAnswerIn) -> Any:
    actor = _actor(request)
    invitation = selectors.access_invitation(actor, invitation_id)
    kinds = {q.pk: q.kind for q in selectors.questions(invitation.survey)}
    answers: dict[int, object] = {}
    for a in payload.answers:
        if kinds.get(a.question_id) == QuestionKind.TEXT:
            answers[a.question_id] = a.text
        elif a.question_id in kinds:
            answers[a.question_id] = list(a.choices)
    services.survey_answer(actor=actor, invitation_id=invitation.pk, answers=answers)
    return _invitation(selectors.access_invitation(actor, invitation.pk))


@router.get("/{int:survey_id}", response=SurveyDetailOut, summary="需求调查及题目")
def survey_detail(request: HttpRequest, survey_id: DbId) -> Any:
    survey = selectors.access_survey_by_id(_runner(request), survey_id)
    return {
        **_survey(survey),
        "categories": survey.categories,
        "ranks": survey.ranks,
        "questions": _questions(survey),
    }


@router.get("/{int:survey_id}/results", response=ResultsOut, summary="需求调查结果")
def survey_results(request: HttpRequest, survey_id: DbId) -> Any:
    survey = selectors.access_survey_by_id(_runner(request), survey_id)
    questions = [
        {
            "question_id": r["question"].pk,
            "text": r["question"].text,
            "kind": r["question"].kind,
            "level": r["question"].level,
            "answered": r["answered"],
            "options": r["options"],
            "texts": r["texts"],
        }
        for r in selectors.question_results(survey)
    ]
    demand = [d.__dict__ for d in selectors.subject_demand(survey)]
    return {"survey": _survey(survey), "questions": questions, "demand": demand}
