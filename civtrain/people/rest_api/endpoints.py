"""Thin HTTP layer over the registry's selectors and services; scoping lives below."""

import dataclasses
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from civtrain.accounts.api import PERSONNEL_ROLES, actor_scope
from civtrain.core.actors import Actor
from civtrain.core.errors import PermissionDenied, ValidationFailed
from civtrain.people import selectors, services
from civtrain.people.data import EVENT_LABELS, Category, EventKind, LeadershipLevel, PersonInput
from civtrain.people.rest_api.schemas import (
    CareerEventIn,
    CareerEventOut,
    PersonDetailOut,
    PersonFiltersIn,
    PersonIn,
    PersonOut,
    PersonPage,
    PersonPatchIn,
    RevealIn,
    RevealOut,
    UnitRef,
)
from civtrain.people.selectors import CareerEvent, Person

router = Router(tags=["people"])


def _actor(request: HttpRequest) -> Any:
    """The authenticated user (session or token) that ninja put on the request."""
    return request.auth  # type: ignore[attr-defined]


def _out(p: Person) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "id_number_masked": p.id_number_masked,
        "gender": p.gender,
        "birth_year": p.birth_date.year if p.birth_date else None,
        "phone_masked": p.phone_masked,
        "unit": UnitRef(id=p.unit.pk, code=p.unit.code, name=p.unit.name),
        "category": p.category,
        "rank": p.rank,
        "leadership_level": p.leadership_level or None,
        "grassroots": p.grassroots,
        "basic_post": p.basic_post,
        "law_enforcement": p.law_enforcement,
        "reporting_date": p.reporting_date,
        "status": p.status,
    }


def _event_out(e: CareerEvent) -> CareerEventOut:
    kind = EventKind(e.kind)
    return CareerEventOut(
        id=e.pk,
        kind=kind,
        kind_label=EVENT_LABELS[kind],
        date=e.date,
        leadership_level=LeadershipLevel(e.leadership_level) if e.leadership_level else None,
        rank=e.rank,
        unit_id=e.unit_id,
        note=e.note,
        category=Category(e.category) if e.category else None,
        grassroots=e.grassroots,
        basic_post=e.basic_post,
        law_enforcement=e.law_enforcement,
        from_unit_id=e.from_unit_id,
    )


def _events(person: Person) -> list[CareerEventOut]:
    return [_event_out(e) for e in selectors.career_event_list(person=person)]


def _detail(person: Person) -> PersonDetailOut:
    person = selectors.person_fresh(person)
    return PersonDetailOut(**_out(person), events=_events(person))


def _writable(actor: Actor, person_id: int) -> Person:
    """The person, if the actor may change them. A learner reading their own record may
    see it (so 403, not 404) but only personnel staff change it."""
    person = selectors.access_person_by_id(actor, person_id)
    if not actor_scope(actor).covers(person.unit.path, *PERSONNEL_ROLES):
        raise PermissionDenied("只有组织人事部门可以修改人员信息")
    services.check_not_anonymised(person)
    return person


# An ID number in a URL stays in access logs and the next Referer (issue 8 item 7).
ID_NUMBER_IN_URL = (
    "身份证号不能放在网址中：请改用 POST /api/v1/people/search，把 id_number 放在请求体中"
)


@router.get(
    "", response=PersonPage, summary="人员列表（按管辖范围；按身份证号查询请用 POST /search）"
)
def person_list(request: HttpRequest, filters: Query[PersonFiltersIn]) -> PersonPage:
    if filters.id_number is not None or any(c.isdigit() for c in filters.q or ""):
        raise ValidationFailed(ID_NUMBER_IN_URL, {"field": "id_number"})
    return _person_page(_actor(request), filters)


@router.post("/search", response=PersonPage, summary="查询人员（身份证号在请求体中，不进网址）")
def person_search(request: HttpRequest, filters: PersonFiltersIn) -> PersonPage:
    return _person_page(_actor(request), filters)


def _person_page(actor: Actor, filters: PersonFiltersIn) -> PersonPage:
    # An exact ID number is matched through its keyed hash, never by decrypting rows.
    count, page = selectors.person_page(
        actor=actor,
        filters=selectors.PersonFilters(
            search=filters.id_number or "",
            name=filters.q or "",
            unit_id=filters.unit,
            rank=filters.rank or "",
            category=filters.category.value if filters.category else "",
            leadership_level=filters.leadership_level.value if filters.leadership_level else "",
            status=filters.status.value if filters.status else "",
            grassroots=filters.grassroots,
            basic_post=filters.basic_post,
            law_enforcement=filters.law_enforcement,
        ),
        offset=filters.offset,
        limit=filters.limit,
    )
    return PersonPage(count=count, items=[PersonOut(**_out(p)) for p in page])


@router.get("/{int:person_id}", response=PersonDetailOut, summary="人员详情（身份证号打码）")
def person_detail(request: HttpRequest, person_id: int) -> PersonDetailOut:
    actor = _actor(request)
    person = selectors.access_person_by_id(actor, person_id)
    services.person_read_record(actor=actor, person=person, channel="api")
    return _detail(person)


@router.post("", response={201: PersonDetailOut}, summary="新增人员")
def person_create(request: HttpRequest, payload: PersonIn) -> Status[PersonDetailOut]:
    person = services.person_create(actor=_actor(request), data=PersonInput(**payload.dict()))
    return Status(201, _detail(person))


@router.patch("/{int:person_id}", response=PersonDetailOut, summary="修改人员（只改所传字段）")
def person_update(request: HttpRequest, person_id: int, payload: PersonPatchIn) -> PersonDetailOut:
    person = _writable(_actor(request), person_id)
    current = PersonInput(
        name=person.name,
        id_number=person.id_number,
        gender=person.gender,  # type: ignore[arg-type]
        unit_id=person.unit_id,
        birth_date=person.birth_date,
        category=person.category,  # type: ignore[arg-type]
        rank=person.rank,
        leadership_level=LeadershipLevel(person.leadership_level)
        if person.leadership_level
        else None,
        grassroots=person.grassroots,
        basic_post=person.basic_post,
        law_enforcement=person.law_enforcement,
        reporting_date=person.reporting_date,
        phone="",  # empty keeps the stored phone; a sent one replaces it
    )
    changes = payload.dict(exclude_unset=True)
    not_nullable = ("name", "id_number", "gender", "unit_id", "category", "rank")
    flags = ("grassroots", "basic_post", "law_enforcement")
    for field in (*not_nullable, *flags):
        if field in changes and changes[field] is None:
            del changes[field]  # null for a field that cannot be empty means "leave as is"
    data = dataclasses.replace(current, **changes)
    return _detail(services.person_update(actor=_actor(request), person=person, data=data))


@router.post("/{int:person_id}/reveal-id", response=RevealOut, summary="查看完整身份证号（留痕）")
def person_reveal_id(request: HttpRequest, person_id: int, payload: RevealIn) -> RevealOut:
    person = selectors.access_person_by_id(_actor(request), person_id)
    number = services.person_reveal_id_number(
        actor=_actor(request), person=person, purpose=payload.purpose, note=payload.reason
    )
    return RevealOut(id=person.pk, id_number=number)


@router.get("/{int:person_id}/events", response=list[CareerEventOut], summary="职业经历事件")
def career_event_list(request: HttpRequest, person_id: int) -> list[CareerEventOut]:
    return _events(selectors.access_person_by_id(_actor(request), person_id))


@router.post("/{int:person_id}/events", response={201: CareerEventOut}, summary="记录职业经历事件")
def career_event_create(
    request: HttpRequest, person_id: int, payload: CareerEventIn
) -> Status[CareerEventOut]:
    person = _writable(_actor(request), person_id)
    event = services.career_event_record(
        actor=_actor(request),
        person=person,
        kind=payload.kind,
        date=payload.date,
        leadership_level=payload.leadership_level,
        rank=payload.rank,
        unit_id=payload.unit_id,
        note=payload.note,
        category=payload.category,
        grassroots=payload.grassroots,
        basic_post=payload.basic_post,
        law_enforcement=payload.law_enforcement,
        from_unit_id=payload.from_unit_id,
    )
    return Status(201, _event_out(event))
