"""Institution registry endpoints (CQ-B1)."""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from civtrain.core.fields import NonBlank
from civtrain.institutions import selectors, services
from civtrain.institutions.data import InstitutionKind

router = Router(tags=["institutions"])

# Row ids: positive and inside a 64-bit key, so nothing out of range reaches the database.
DbId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class InstitutionOut(Schema):
    id: int
    name: str
    kind: str
    org_id: DbId
    recognised_from: dt.date | None
    recognised_to: dt.date | None
    address: str


class InstitutionIn(Schema):
    name: NonBlank
    org_id: DbId
    kind: InstitutionKind = InstitutionKind.PARTY_SCHOOL
    recognised_from: dt.date | None = None
    recognised_to: dt.date | None = None
    address: str = ""


class RecogniseIn(Schema):
    recognised_from: dt.date
    recognised_to: dt.date


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _out(i: selectors.Institution) -> dict[str, Any]:
    return {
        "id": i.pk,
        "name": i.name,
        "kind": i.kind,
        "org_id": i.org_id,
        "recognised_from": i.recognised_from,
        "recognised_to": i.recognised_to,
        "address": i.address,
    }


@router.get("", response=list[InstitutionOut], summary="施教机构（按管辖范围）")
def institution_list(request: HttpRequest, q: str = "") -> Any:
    return [_out(i) for i in selectors.institution_list(actor=_actor(request), search=q)]


@router.post("", response={201: InstitutionOut}, summary="登记施教机构（市、区县主管部门）")
def institution_create(request: HttpRequest, payload: InstitutionIn) -> Any:
    return Status(201, _out(services.institution_create(actor=_actor(request), **payload.dict())))


@router.post("/{int:institution_id}/recognise", response=InstitutionOut, summary="资格认定")
def institution_recognise(request: HttpRequest, institution_id: int, payload: RecogniseIn) -> Any:
    inst = selectors.access_institution_by_id(_actor(request), institution_id)
    return _out(
        services.institution_recognise(actor=_actor(request), institution=inst, **payload.dict())
    )
