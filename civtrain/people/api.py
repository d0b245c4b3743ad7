"""Public interface of the registry for other apps."""

from collections.abc import Iterable
from typing import Any

from civtrain.core.actors import Actor
from civtrain.people import selectors, services
from civtrain.people.data import (
    CareerEventData,
    Category,
    EventKind,
    LeadershipLevel,
    PersonData,
    Status,
)
from civtrain.people.models import CareerEvent, Person

__all__ = [
    "PersonData",
    "access_person",
    "career_events_of",
    "person_data",
    "person_ids_in_scope",
    "person_scope_q",
]

person_scope_q = selectors.person_scope_q


def to_data(p: Person) -> PersonData:
    return PersonData(
        id=p.pk,
        name=p.name,
        id_number_masked=p.id_number_masked,
        gender=p.gender,  # type: ignore[arg-type]
        birth_date=p.birth_date,
        unit_id=p.unit_id,
        unit_path=p.unit.path,
        category=Category(p.category),
        rank=p.rank,  # type: ignore[arg-type]
        leadership_level=LeadershipLevel(p.leadership_level) if p.leadership_level else None,
        grassroots=p.grassroots,
        basic_post=p.basic_post,
        law_enforcement=p.law_enforcement,
        reporting_date=p.reporting_date,
        status=Status(p.status),
        user_id=p.user_id,  # type: ignore[arg-type]
    )


def access_person(actor: Actor, person_id: int) -> PersonData:
    """The person if the actor may see them; NotFound otherwise."""
    return to_data(selectors.access_person_by_id(actor, person_id))


def person_data(person_id: int) -> PersonData:
    return to_data(Person.objects.select_related("unit").get(pk=person_id))


def person_for_user(user_id: int) -> PersonData | None:
    p = Person.objects.select_related("unit").filter(user_id=user_id).first()
    return to_data(p) if p else None


def person_ids_in_scope(actor: Actor) -> Any:
    """A subquery of the ids of people the actor may see (for filtering other tables)."""
    return Person.objects.filter(selectors.person_scope_q(actor)).values("pk")


def person_id_by_id_number(id_number: str) -> int | None:
    p = selectors.person_get_by_id_number(id_number)
    return p.pk if p else None


def career_events_of(
    person_ids: list[int] | None = None, kinds: tuple[EventKind, ...] = ()
) -> list[CareerEventData]:
    qs = CareerEvent.objects.all()
    if person_ids is not None:
        qs = qs.filter(person_id__in=person_ids)
    if kinds:
        qs = qs.filter(kind__in=[k.value for k in kinds])
    return [
        CareerEventData(
            id=e.pk,
            person_id=e.person_id,
            kind=EventKind(e.kind),
            date=e.date,
            leadership_level=LeadershipLevel(e.leadership_level) if e.leadership_level else None,
            rank=e.rank,
            unit_id=e.unit_id,
            category=Category(e.category) if e.category else None,
            grassroots=e.grassroots,
            basic_post=e.basic_post,
            law_enforcement=e.law_enforcement,
            from_unit_id=e.from_unit_id,
        )
        for e in qs.order_by("person_id", "date", "id")
    ]


person_create = services.person_create
person_update = services.person_update
career_event_record = services.career_event_record
person_bulk_upsert = services.person_bulk_upsert
person_crypto_migrate = services.person_crypto_migrate  # #17 item 5, `civtrain crypto-migrate`
person_reveal_id_number = services.person_reveal_id_number


# --- pages (web, organisations) ---------------------------------------------------------


def person_counts(actor: Actor, under_paths: list[str] | None = None) -> dict[str, int]:
    """Active people the actor may see (optionally inside `under_paths`), in one query:
    the total, per category and per flag (CQ-T7, CQ-T4b)."""
    from django.db.models import Count, Q

    from civtrain.organisations.api import subtree_q

    qs = Person.objects.filter(selectors.person_scope_q(actor), status=Status.ACTIVE)
    if under_paths is not None:
        qs = qs.filter(subtree_q(under_paths, "unit__path"))
    counts: dict[str, Any] = {"total": Count("id")}
    counts.update({c.value: Count("id", filter=Q(category=c.value)) for c in Category})
    for flag in ("grassroots", "basic_post", "law_enforcement"):
        counts[flag] = Count("id", filter=Q(**{flag: True}))
    return qs.aggregate(**counts)


def person_count_by_subtree(actor: Actor, under: str, segment_end: int) -> dict[str, int]:
    """Active people under the org path `under`, grouped by the first `segment_end`
    characters of their unit's path — i.e. per child subtree, in one GROUP BY."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    rows = (
        Person.objects.filter(
            selectors.person_scope_q(actor),
            status=Status.ACTIVE,
            unit__path__startswith=under,
        )
        .annotate(prefix=Substr("unit__path", 1, segment_end))
        .values("prefix")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["prefix"]: row["n"] for row in rows}


# --- bulk career events (imports, demo data) ---------------------------------------------

career_event_bulk_record = services.career_event_bulk_record


def person_rows() -> Any:
    """All people as a values()-able queryset (with unit__path, unit__code), for set-wise
    evaluation (compliance); callers filter with person_scope_q and select the fields."""
    return Person.objects.all()


def career_event_rows() -> Any:
    """All career events as a values()-able queryset, for set-wise evaluation (compliance);
    select EVENT_ROW_FIELDS for attributes_on and unit_on."""
    return CareerEvent.objects.all()


# A person's attributes and unit on a date, from their events (issue #10 items 4–5):
# people.data.attributes_on and unit_on over rows of these fields.
EVENT_ROW_FIELDS = services.EVENT_ROW_FIELDS


def person_ids_existing(person_ids: list[int]) -> set[int]:
    """Which of `person_ids` name a person (unscoped: for the ledger's trusted callers)."""
    return set(Person.objects.filter(pk__in=person_ids).values_list("pk", flat=True))


def user_ids_of_people(person_ids: Iterable[int]) -> list[int]:
    """The login accounts of the people named (people without one are left out; unscoped:
    for trusted callers such as the inbox, whose senders checked scope)."""
    ids = list(set(person_ids))
    found: list[int] = []
    for start in range(0, len(ids), 1000):  # bounded IN lists on every database
        found += Person.objects.filter(
            pk__in=ids[start : start + 1000], user_id__isnull=False
        ).values_list("user_id", flat=True)
    return found


def person_ids_by_id_number(id_numbers: Iterable[str]) -> dict[str, int]:
    """Person ids keyed by clear ID number, for bulk imports; unknown numbers are left out."""
    from civtrain.core import crypto
    from civtrain.people.data import parse_id_number
    from civtrain.people.models import ID_CONTEXT

    by_hash = {crypto.lookup_hash(parse_id_number(n), context=ID_CONTEXT): n for n in id_numbers}
    keys = list(by_hash)
    found: dict[str, int] = {}
    for start in range(0, len(keys), 2000):
        rows = Person.objects.filter(id_number_hash__in=keys[start : start + 2000])
        for key, pk in rows.values_list("id_number_hash", "pk"):
            found[by_hash[key]] = pk
    return found


def person_ids_by_id_number_in_scope(actor: Actor, id_numbers: Iterable[str]) -> dict[str, int]:
    """Person ids keyed by the ID numbers given, for people the actor may see only:
    unknown, malformed and out-of-scope numbers are all left out alike (issue 8 item 2)."""
    from civtrain.core import crypto
    from civtrain.people.data import parse_id_number
    from civtrain.people.models import ID_CONTEXT

    by_hash: dict[str, list[str]] = {}
    for given in set(id_numbers):
        try:
            key = crypto.lookup_hash(parse_id_number(given), context=ID_CONTEXT)
        except ValueError:
            continue
        by_hash.setdefault(key, []).append(given)
    keys = list(by_hash)
    found: dict[str, int] = {}
    for start in range(0, len(keys), 2000):
        rows = Person.objects.filter(
            selectors.person_scope_q(actor), id_number_hash__in=keys[start : start + 2000]
        )
        for key, pk in rows.values_list("id_number_hash", "pk"):
            found.update(dict.fromkeys(by_hash[key], pk))
    return found


def person_names_and_units(person_ids: Iterable[int]) -> dict[int, tuple[str, int]]:
    """(name, unit id) of each person in one read: list pages name a page's people without
    a read per row (the claims queue, #11)."""
    rows = Person.objects.filter(pk__in=set(person_ids)).values_list("pk", "name", "unit_id")
    return {pk: (name, unit_id) for pk, name, unit_id in rows}


def person_any() -> bool:
    """Whether the registry holds anyone at all (`demo-data --if-empty`)."""
    return Person.objects.exists()


def person_list_data(
    *, actor: Actor, search: str = "", unit_id: int | None = None, limit: int = 500
) -> list[PersonData]:
    """Active people the actor may see, filtered like the roster (e.g. to pick nominees)."""
    qs = selectors.person_list(
        actor=actor,
        filters=selectors.PersonFilters(search=search, unit_id=unit_id, status=Status.ACTIVE),
    )
    return [to_data(p) for p in qs.order_by("unit__path", "name", "id")[:limit]]


def person_ids_matching(
    *,
    actor: Actor,
    unit_id: int | None = None,
    category: str = "",
    rank: str = "",
    leadership_level: str = "",
    grassroots: bool | None = None,
    basic_post: bool | None = None,
    law_enforcement: bool | None = None,
) -> list[int]:
    """Ids of the active people the actor may see in a unit's subtree who match every filter
    given (a batch nomination, e.g. all law-enforcement staff of a unit), roster order."""
    filters = selectors.PersonFilters(
        unit_id=unit_id,
        category=category,
        rank=rank,
        leadership_level=leadership_level,
        status=Status.ACTIVE,
        grassroots=grassroots,
        basic_post=basic_post,
        law_enforcement=law_enforcement,
    )
    qs = selectors.person_list(actor=actor, filters=filters)
    return list(qs.order_by("unit__path", "name", "id").values_list("pk", flat=True))
