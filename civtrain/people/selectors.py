"""Reads of the registry, always scoped to the actor (ARCHITECTURE §7)."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet

from civtrain.accounts.api import PERSONNEL_ROLES, Role, actor_scope
from civtrain.core import crypto
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_events_of
from civtrain.core.errors import NotFound
from civtrain.core.models import AuditEvent
from civtrain.organisations.api import subtree_q
from civtrain.people.models import ID_CONTEXT, CareerEvent, Person

# Pages and endpoints name the rows these selectors return as selectors.Person and
# selectors.CareerEvent: they never import the models (pyproject.toml, #9 item 5).


def person_scope_q(actor: Actor) -> Q:
    """People the actor may see: their subtrees as personnel staff, and themselves."""
    scope = actor_scope(actor)
    q = subtree_q(scope.paths_for(*PERSONNEL_ROLES), "unit__path")
    if scope.has(Role.LEARNER) and scope.user_id is not None:
        q |= Q(user_id=scope.user_id)
    return q


@dataclass(frozen=True)
class PersonFilters:
    search: str = ""  # a name, or an ID number (all 18 characters)
    name: str = ""  # names containing this, beside `search`
    unit_id: int | None = None  # the unit's whole subtree
    rank: str = ""
    category: str = ""
    leadership_level: str = ""
    status: str = ""
    grassroots: bool | None = None
    basic_post: bool | None = None
    law_enforcement: bool | None = None


def person_list(
    *, actor: Actor, filters: PersonFilters | None = None, order: tuple[str, ...] = ()
) -> QuerySet[Person]:
    f = filters or PersonFilters()
    qs = Person.objects.filter(person_scope_q(actor)).select_related("unit", "user")
    if f.unit_id is not None:
        unit_path = (
            Person.unit.field.related_model.objects.filter(pk=f.unit_id)  # type: ignore[attr-defined]
            .values_list("path", flat=True)
            .first()
        )
        qs = qs.filter(unit__path__startswith=unit_path) if unit_path else qs.none()
    if f.search:
        term = f.search.strip()
        digits = term.upper().replace(" ", "")
        if len(digits) == 18:
            qs = qs.filter(id_number_hash=crypto.lookup_hash(digits, context=ID_CONTEXT))
        else:
            qs = qs.filter(name__contains=term)
    if f.name.strip():
        qs = qs.filter(name__contains=f.name.strip())
    for field in ("rank", "category", "leadership_level", "status"):
        value = getattr(f, field)
        if value:
            qs = qs.filter(**{field: value})
    for flag in ("grassroots", "basic_post", "law_enforcement"):
        value = getattr(f, flag)
        if value is not None:
            qs = qs.filter(**{flag: value})
    return qs.order_by(*order) if order else qs


def person_ids(*, actor: Actor, filters: PersonFilters, limit: int) -> list[int]:
    """The ids of the first `limit` people person_list selects."""
    return list(person_list(actor=actor, filters=filters).values_list("pk", flat=True)[:limit])


def person_page(
    *, actor: Actor, filters: PersonFilters, offset: int, limit: int
) -> tuple[int, list[Person]]:
    """One page of the people the actor may see, by unit then name, and how many there are."""
    qs = person_list(actor=actor, filters=filters, order=("unit__path", "name", "id"))
    return qs.count(), list(qs[offset : offset + limit])


def access_person_by_id(actor: Actor, person_id: int) -> Person:
    """The person, if the actor may see them; otherwise NotFound, as if missing."""
    person = (
        Person.objects.filter(person_scope_q(actor), pk=person_id)
        .select_related("unit", "user")
        .first()
    )
    if person is None:
        raise NotFound("人员不存在或不在您的管辖范围内")
    return person


def person_fresh(person: Person) -> Person:
    """The person as stored now, with their unit: for answering after a write that the
    caller was allowed to make (unscoped, as the write was checked)."""
    return Person.objects.select_related("unit").get(pk=person.pk)


def career_event_list(*, person: Person, newest_first: bool = False) -> list[CareerEvent]:
    """The career events of a person the caller already holds (e.g. from
    access_person_by_id), with the unit each moved to."""
    order = ("-date", "-id") if newest_first else ("date", "id")
    return list(person.career_events.select_related("unit").order_by(*order))


def person_audit_trail(*, actor: Actor, person: Person, limit: int = 50) -> list[AuditEvent] | None:
    """The person's audit trail for personnel staff whose subtree holds them; None for others
    (a learner sees their own record but not who looked at it)."""
    if not actor_scope(actor).covers(person.unit.path, *PERSONNEL_ROLES):
        return None
    return audit_events_of(object_type="person", object_id=person.pk, limit=limit)


def person_get_by_id_number(id_number: str) -> Person | None:
    """Unscoped lookup for imports that already checked the actor's rights on the unit."""
    return Person.objects.filter(
        id_number_hash=crypto.lookup_hash(id_number, context=ID_CONTEXT)
    ).first()


def person_unit_paths_by_hash(
    hashes: list[str], *, batch_size: int = 2000, exclude_pk: int | None = None
) -> dict[str, str]:
    """Unscoped: the unit path of each registered ID-number hash (writers check the actor's
    scope on it, issue 8 items 1–2). One array parameter per query on PostgreSQL instead of
    thousands of IN placeholders."""
    found: dict[str, str] = {}
    if exclude_pk is not None or len(hashes) < 100:
        qs = Person.objects.filter(id_number_hash__in=hashes)
        if exclude_pk is not None:
            qs = qs.exclude(pk=exclude_pk)
        return dict(qs.values_list("id_number_hash", "unit__path"))
    if connection.vendor != "postgresql":
        for start in range(0, len(hashes), batch_size):
            found.update(
                Person.objects.filter(id_number_hash__in=hashes[start : start + batch_size])
                .values_list("id_number_hash", "unit__path")
                .iterator()
            )
        return found
    org_table = Person._meta.get_field("unit").related_model._meta.db_table  # type: ignore[union-attr]
    sql = (
        f"SELECT p.id_number_hash, o.path FROM {Person._meta.db_table} p "  # noqa: S608
        f"JOIN {org_table} o ON o.id = p.unit_id WHERE p.id_number_hash = ANY(%s)"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(hashes), 50_000):
            cursor.execute(sql, [hashes[start : start + 50_000]])
            found.update(cursor.fetchall())
    return found
