"""Class evaluation endpoints (CQ-M4): forms and response rates, a trainee's anonymous
answers, scores per teacher and institution."""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from civtrain.evaluation import selectors, services
from civtrain.faculty.api import teacher_names
from civtrain.institutions.api import institution_names

router = Router(tags=["evaluation"])


class FormOut(Schema):
    id: int
    class_id: int
    class_title: str
    institution_id: int
    year: int
    closes_on: dt.date
    open: bool
    invited: int
    responses: int
    response_rate: float | None


class ItemOut(Schema):
    id: int
    dimension: str
    label: str
    teacher_id: int | None


class MyFormOut(Schema):
    id: int
    class_title: str
    answered: bool
    open: bool
    scale: int
    items: list[ItemOut]


class ScoreIn(Schema):
    item_id: Annotated[int, Field(ge=1, le=2**63 - 1)]
    score: Annotated[int, Field(ge=1, le=10)]


class EvaluationAnswerIn(Schema):
    scores: list[ScoreIn]
    comment: str = ""


class ScoreOut(Schema):
    id: int
    name: str
    mean: float | None
    count: int
    forms: int


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _form(f: selectors.ClassEvaluation) -> dict[str, Any]:
    return {
        "id": f.pk,
        "class_id": f.training_class_id,
        "class_title": f.training_class.title,
        "institution_id": f.institution_id,
        "year": f.year,
        "closes_on": f.closes_on,
        "open": selectors.is_open(f),
        "invited": f.invited,
        "responses": f.responses,
        "response_rate": round(f.responses / f.invited, 4) if f.invited else None,
    }


@router.get("", response=list[FormOut], summary="培训班评估及参评率")
def evaluation_list(request: HttpRequest, year: int | None = None) -> Any:
    forms = selectors.evaluation_list(actor=_actor(request), year=year)[:500]
    return [_form(f) for f in forms]


@router.get("/mine", response=list[MyFormOut], summary="我的评估表")
def my_forms(request: HttpRequest) -> Any:
    out = []
    for invitation in selectors.my_invitations(actor=_actor(request))[:100]:
        f = invitation.evaluation
        out.append(
            {
                "id": f.pk,
                "class_title": f.training_class.title,
                "answered": invitation.answered,
                "open": selectors.is_open(f),
                "scale": f.scale,
                "items": [
                    {
                        "id": i.pk,
                        "dimension": i.dimension,
                        "label": i.label,
                        "teacher_id": i.teacher_id,
                    }
                    for i in selectors.form_items(f.pk)
                ],
            }
        )
    return out


@router.post("/{int:evaluation_id}/answer", response={204: None}, summary="提交评估（匿名）")
def answer(request: HttpRequest, evaluation_id: int, payload: EvaluationAnswerIn) -> Any:
    services.evaluation_answer(
        actor=_actor(request),
        evaluation_id=evaluation_id,
        scores={s.item_id: s.score for s in payload.scores},
        comment=payload.comment,
    )
    return Status(204, None)


@router.get("/scores/teachers", response=list[ScoreOut], summary="教师评估得分（百分制）")
def teacher_scores(request: HttpRequest, year: int | None = None) -> Any:
    rows = selectors.teacher_scores(selectors.counted_answers(actor=_actor(request), year=year), {})
    names = teacher_names(int(r.key) for r in rows)
    return [_score(r, names) for r in rows]


@router.get("/scores/institutions", response=list[ScoreOut], summary="施教机构评估得分（百分制）")
def institution_scores(request: HttpRequest, year: int | None = None) -> Any:
    rows = selectors.institution_scores(
        selectors.counted_answers(actor=_actor(request), year=year), {}
    )
    names = institution_names(int(r.key) for r in rows)
    return [_score(r, names) for r in rows]


def _score(r: Any, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": int(r.key),
        "name": names.get(int(r.key), ""),
        "mean": float(r.mean) if r.mean is not None else None,
        "count": r.answers,
        "forms": r.forms,
    }
