"""Catalogue endpoints: training types, delivery modes, the subject taxonomy (ZZ-T2)."""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from civtrain.catalogue import selectors, services
from civtrain.catalogue.data import DELIVERY_MODE_LABELS, TRAINING_TYPE_LABELS
from civtrain.core.fields import NonBlank

router = Router(tags=["catalogue"])

SmallInt = Annotated[int, Field(ge=-100000, le=100000)]


class SubjectOut(Schema):
    code: str
    name: str
    active: bool
    sort_order: SmallInt


class SubjectIn(Schema):
    code: NonBlank
    name: NonBlank
    sort_order: SmallInt = 0


class SubjectPatchIn(Schema):
    name: str | None = None
    active: bool | None = None
    sort_order: SmallInt | None = None


class LabelOut(Schema):
    code: str
    label: str


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


@router.get("/subjects", response=list[SubjectOut], summary="培训科目")
def subject_list(request: HttpRequest, include_inactive: bool = False) -> Any:
    return list(selectors.subject_list(include_inactive=include_inactive))


@router.post("/subjects", response={201: SubjectOut}, summary="新增科目（市公务员局）")
def subject_create(request: HttpRequest, payload: SubjectIn) -> Any:
    return Status(201, services.subject_create(actor=_actor(request), **payload.dict()))


@router.patch("/subjects/{code}", response=SubjectOut, summary="修改科目（市公务员局）")
def subject_update(request: HttpRequest, code: str, payload: SubjectPatchIn) -> Any:
    return services.subject_update(actor=_actor(request), code=code, **payload.dict())


@router.get("/training-types", response=list[LabelOut], summary="培训类型")
def training_types(request: HttpRequest) -> Any:
    return [{"code": k.value, "label": v} for k, v in TRAINING_TYPE_LABELS.items()]


@router.get("/delivery-modes", response=list[LabelOut], summary="培训形式")
def delivery_modes(request: HttpRequest) -> Any:
    return [{"code": k.value, "label": v} for k, v in DELIVERY_MODE_LABELS.items()]
