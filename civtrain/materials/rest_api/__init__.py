"""Teaching materials endpoints (CQ-B4, issue #16 item 2): the library, versions, and the
links to classes and courses. Files go up as multipart forms and come down through the
pages' protected download path (`download_url`), as courseware does."""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from civtrain.core.actors import Actor
from civtrain.core.fields import NonBlank
from civtrain.materials import selectors, services
from civtrain.materials.api import class_materials, course_materials
from civtrain.materials.content import TYPE_LABELS

router = Router(tags=["materials"])

DbId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class VersionOut(Schema):
    number: int
    filename: str
    file_type: str
    size: int
    sha256: str
    note: str
    uploaded_at: dt.datetime
    current: bool
    download_url: str


class MaterialOut(Schema):
    id: int
    title: str
    subject: str
    author: str
    teacher_id: int | None
    description: str
    org_id: int
    current_version: int
    updated_at: dt.datetime
    download_url: str


class MaterialDetailOut(MaterialOut):
    versions: list[VersionOut]
    class_ids: list[int]
    course_ids: list[int]


class MaterialIn(Schema):
    title: NonBlank
    subject: str = ""
    author: str = ""
    teacher_id: DbId | None = None
    description: str = ""


class AttachedOut(Schema):
    id: int
    title: str
    subject: str
    teacher: str
    author: str
    version: int
    file_type: str
    size: int
    filename: str
    download_url: str


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _out(m: selectors.Material) -> dict[str, Any]:
    return {
        "id": m.pk,
        "title": m.title,
        "subject": m.subject,
        "author": m.author,
        "teacher_id": m.teacher_id,
        "description": m.description,
        "org_id": m.org_id,
        "current_version": m.current_number,
        "updated_at": m.updated_at,
        "download_url": reverse("materials:download", args=[m.pk]),
    }


def _version_out(v: selectors.MaterialVersion, current: int) -> dict[str, Any]:
    return {
        "number": v.number,
        "filename": v.filename,
        "file_type": v.file_type,
        "size": v.size,
        "sha256": v.sha256,
        "note": v.note,
        "uploaded_at": v.uploaded_at,
        "current": v.number == current,
        "download_url": reverse("materials:version_download", args=[v.material_id, v.number]),
    }


def _detail(actor: Actor, material_id: int) -> dict[str, Any]:
    m = selectors.access_material(actor, material_id)
    return {
        **_out(m),
        "versions": [_version_out(v, m.current_number) for v in selectors.versions_of(m)],
        "class_ids": [c["training_class_id"] for c in selectors.linked_classes(actor, m)],
        "course_ids": [c["course_id"] for c in selectors.linked_courses(actor, m)],
    }


@router.get("", response=list[MaterialOut], summary="教学资料库（每次最多 50 条）")
def material_list(
    request: HttpRequest, q: str = "", subject: str = "", file_type: str = "", offset: int = 0
) -> Any:
    if file_type and file_type not in TYPE_LABELS:
        file_type = "-"  # matches nothing, like any other unknown filter value
    rows = selectors.material_list(
        actor=_actor(request), search=q[:100], subject=subject[:32], file_type=file_type
    )
    start = max(0, min(offset, 10**9))
    return [_out(m) for m in rows[start : start + selectors.PAGE_SIZE]]


@router.post("", response={201: MaterialDetailOut}, summary="上传新资料（第 1 版）")
def material_create(
    request: HttpRequest,
    org_id: Form[DbId],
    title: Form[NonBlank],
    file: File[UploadedFile],
    *,
    # An optional form field is absent or a value (a form has no null; credits' claims).
    teacher_id: Annotated[DbId, Form(None)],
    subject: Form[str] = "",
    author: Form[str] = "",
    description: Form[str] = "",
    note: Form[str] = "",
) -> Any:
    actor = _actor(request)
    m = services.material_create(
        actor=actor,
        org_id=org_id,
        title=title,
        subject=subject,
        author=author,
        teacher_id=teacher_id,
        description=description,
        note=note,
        filename=file.name or "",
        size=file.size or 0,
        chunks=file.chunks(),
    )
    return Status(201, _detail(actor, m.pk))


@router.get("/{int:material_id}", response=MaterialDetailOut, summary="资料及其版本")
def material_get(request: HttpRequest, material_id: DbId) -> Any:
    return _detail(_actor(request), material_id)


@router.put("/{int:material_id}", response=MaterialDetailOut, summary="修改资料信息")
def material_update(request: HttpRequest, material_id: DbId, payload: MaterialIn) -> Any:
    actor = _actor(request)
    services.material_update(actor=actor, material_id=material_id, **payload.dict())
    return _detail(actor, material_id)


@router.post(
    "/{int:material_id}/versions",
    response={201: MaterialDetailOut},
    summary="上传新版本（成为当前版本）",
)
def version_add(
    request: HttpRequest, material_id: DbId, file: File[UploadedFile], note: Form[str] = ""
) -> Any:
    actor = _actor(request)
    services.material_version_add(
        actor=actor,
        material_id=material_id,
        note=note,
        filename=file.name or "",
        size=file.size or 0,
        chunks=file.chunks(),
    )
    return Status(201, _detail(actor, material_id))


@router.post(
    "/{int:material_id}/versions/{int:number}/current",
    response=MaterialDetailOut,
    summary="设为当前版本",
)
def version_current(
    request: HttpRequest, material_id: DbId, number: Annotated[int, Field(ge=1, le=2**31)]
) -> Any:
    actor = _actor(request)
    services.material_version_make_current(actor=actor, material_id=material_id, number=number)
    return _detail(actor, material_id)


@router.put(
    "/{int:material_id}/classes/{int:class_id}", response=MaterialDetailOut, summary="关联到培训班"
)
def attach_class(request: HttpRequest, material_id: DbId, class_id: DbId) -> Any:
    actor = _actor(request)
    services.material_attach_class(actor=actor, material_id=material_id, class_id=class_id)
    return _detail(actor, material_id)


@router.delete(
    "/{int:material_id}/classes/{int:class_id}", response={204: None}, summary="取消与培训班的关联"
)
def detach_class(request: HttpRequest, material_id: DbId, class_id: DbId) -> Any:
    services.material_detach_class(
        actor=_actor(request), material_id=material_id, class_id=class_id
    )
    return Status(204, None)


@router.put(
    "/{int:material_id}/courses/{int:course_id}", response=MaterialDetailOut, summary="关联到课程"
)
def attach_course(request: HttpRequest, material_id: DbId, course_id: DbId) -> Any:
    actor = _actor(request)
    services.material_attach_course(actor=actor, material_id=material_id, course_id=course_id)
    return _detail(actor, material_id)


@router.delete(
    "/{int:material_id}/courses/{int:course_id}", response={204: None}, summary="取消与课程的关联"
)
def detach_course(request: HttpRequest, material_id: DbId, course_id: DbId) -> Any:
    services.material_detach_course(
        actor=_actor(request), material_id=material_id, course_id=course_id
    )
    return Status(204, None)


@router.get(
    "/classes/{int:class_id}", response=list[AttachedOut], summary="培训班的资料（当前版本）"
)
def of_class(request: HttpRequest, class_id: DbId) -> Any:
    return class_materials(_actor(request), class_id)


@router.get(
    "/courses/{int:course_id}", response=list[AttachedOut], summary="网络课程的资料（当前版本）"
)
def of_course(request: HttpRequest, course_id: DbId) -> Any:
    return course_materials(_actor(request), course_id)
