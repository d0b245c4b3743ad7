"""Training class endpoints: classes, status transitions, sessions."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from civtrain.classes import selectors, services
from civtrain.classes.data import ClassInput, ClassStatus, ExamForm, SessionInput
from civtrain.classes.models import Session, TrainingClass
from civtrain.core.fields import (
    ClockTime,
    DbId,
    NonBlank,
    Numeric4_2,
    Numeric5_1,
    Numeric6_1,
    Numeric7_1,
    Year,
)

router = Router(tags=["classes"])

Offset = Annotated[int, Field(ge=0, le=10**7)]
Limit = Annotated[int, Field(ge=1, le=200)]
Capacity = Annotated[int, Field(ge=1, le=100000)]


class ClassIn(Schema):
    code: NonBlank
    title: NonBlank
    training_type: str
    mode: str
    organiser_id: DbId
    institution_id: DbId
    start_date: dt.date
    end_date: dt.date
    days: Numeric6_1
    total_hours: Numeric7_1
    capacity: Capacity
    subject_hours: dict[str, Numeric7_1] = {}
    pass_mark: Numeric5_1 = Decimal(60)
    exam_form: ExamForm = ExamForm.CLOSED_BOOK
    weight_exam: Numeric4_2 = Decimal("0.60")
    weight_conduct: Numeric4_2 = Decimal("0.20")
    weight_peer: Numeric4_2 = Decimal("0.20")
    audience: str = ""
    external: bool = False
    self_registration: bool = False


class ClassOut(ClassIn):
    id: int
    status: ClassStatus
    organiser_name: str
    institution_name: str


class ClassPage(Schema):
    count: int
    items: list[ClassOut]


class ClassFiltersIn(Schema):
    q: str = ""
    status: str = ""
    training_type: str = ""
    year: Year | None = None
    offset: Offset = 0
    limit: Limit = 50


class TransitionIn(Schema):
    to: ClassStatus


class SessionIn(Schema):
    date: dt.date
    start_time: ClockTime
    end_time: ClockTime
    topic: str
    hours: Numeric5_1
    place: str = ""
    subject: str = ""
    teacher_id: DbId | None = None


class SessionOut(SessionIn):
    id: int
    teacher_name: str = ""


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _out(tc: TrainingClass) -> dict[str, Any]:
    fields = {
        k: getattr(tc, k)
        for k in (
            "id",
            "code",
            "title",
            "training_type",
            "mode",
            "organiser_id",
            "institution_id",
            "start_date",
            "end_date",
            "days",
            "total_hours",
            "capacity",
            "pass_mark",
            "exam_form",
            "weight_exam",
            "weight_conduct",
            "weight_peer",
            "audience",
            "external",
            "self_registration",
            "status",
        )
    }
    fields["subject_hours"] = {s.subject: s.hours for s in tc.subject_hours.all()}
    fields["organiser_name"] = tc.organiser.name
    fields["institution_name"] = tc.institution.name
    return fields


def _session_out(s: Session) -> dict[str, Any]:
    return {
        "id": s.pk,
        "date": s.date,
        "start_time": s.start_time,
        "end_time": s.end_time,
        "topic": s.topic,
        "hours": s.hours,
        "place": s.place,
        "subject": s.subject,
        "teacher_id": s.teacher_id,
        "teacher_name": s.teacher.name if s.teacher else "",
    }


@router.get("", response=ClassPage, summary="培训班列表（按管辖范围）")
def class_list(request: HttpRequest, filters: Query[ClassFiltersIn]) -> Any:
    qs = selectors.class_list(
        actor=_actor(request),
        filters=selectors.ClassFilters(
            search=filters.q,
            status=filters.status,
            training_type=filters.training_type,
            year=filters.year,
        ),
    ).prefetch_related("subject_hours")
    limit = max(1, min(filters.limit, 200))
    page = qs[max(0, filters.offset) : max(0, filters.offset) + limit]
    return {"count": qs.count(), "items": [_out(tc) for tc in page]}


@router.get("/{int:class_id}", response=ClassOut, summary="培训班详情")
def class_detail(request: HttpRequest, class_id: int) -> Any:
    return _out(selectors.access_class_by_id(_actor(request), class_id))


@router.post("", response={201: ClassOut}, summary="新建培训班（主办单位或施教机构）")
def class_create(request: HttpRequest, payload: ClassIn) -> Any:
    tc = services.class_create(actor=_actor(request), data=ClassInput(**payload.dict()))
    return Status(201, _out(selectors.access_class_by_id(_actor(request), tc.pk)))


@router.put("/{int:class_id}", response=ClassOut, summary="修改培训班（开班前）")
def class_update(request: HttpRequest, class_id: int, payload: ClassIn) -> Any:
    tc = selectors.access_class_by_id(_actor(request), class_id, manage=True)
    services.class_update(
        actor=_actor(request), training_class=tc, data=ClassInput(**payload.dict())
    )
    return _out(selectors.access_class_by_id(_actor(request), class_id))


@router.post("/{int:class_id}/transition", response=ClassOut, summary="变更培训班状态")
def class_transition(request: HttpRequest, class_id: int, payload: TransitionIn) -> Any:
    tc = selectors.access_class_by_id(_actor(request), class_id, manage=True)
    services.class_transition(actor=_actor(request), training_class=tc, to=payload.to)
    return _out(selectors.access_class_by_id(_actor(request), class_id))


@router.get("/{int:class_id}/sessions", response=list[SessionOut], summary="课次")
def session_list(request: HttpRequest, class_id: int) -> Any:
    tc = selectors.access_class_by_id(_actor(request), class_id)
    return [_session_out(s) for s in selectors.session_list(training_class=tc)]


@router.post("/{int:class_id}/sessions", response={201: SessionOut}, summary="新增课次")
def session_create(request: HttpRequest, class_id: int, payload: SessionIn) -> Any:
    tc = selectors.access_class_by_id(_actor(request), class_id, manage=True)
    s = services.session_create(
        actor=_actor(request), training_class=tc, data=SessionInput(**payload.dict())
    )
    return Status(201, _session_out(s))
