"""Teacher pool endpoints (CQ-B2); phone numbers only ever leave masked."""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from civtrain.core.fields import NonBlank
from civtrain.faculty import selectors, services

router = Router(tags=["faculty"])

# Row ids: positive and inside a 64-bit key, so nothing out of range reaches the database.
DbId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class TeacherOut(Schema):
    id: int
    name: str
    internal: bool
    title: str
    subjects: list[str]
    phone_masked: str
    org_id: DbId


class TeacherIn(Schema):
    org_id: DbId
    name: NonBlank
    internal: bool = True
    title: str = ""
    subjects: list[str] = []
    phone: str = ""


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _out(t: selectors.Teacher) -> dict[str, Any]:
    return {
        "id": t.pk,
        "name": t.name,
        "internal": t.internal,
        "title": t.title,
        "subjects": list(t.subjects or []),
        "phone_masked": t.phone_masked,
        "org_id": t.org_id,
    }


@router.get("", response=list[TeacherOut], summary="师资库")
def teacher_list(request: HttpRequest, q: str = "", subject: str = "") -> Any:
    return [
        _out(t) for t in selectors.teacher_list(actor=_actor(request), search=q, subject=subject)
    ]


@router.post("", response={201: TeacherOut}, summary="新增教师")
def teacher_create(request: HttpRequest, payload: TeacherIn) -> Any:
    return Status(201, _out(services.teacher_create(actor=_actor(request), **payload.dict())))
