"""Writes to the registry: people, career events, the audited reveal of an ID number (with
its reason), the retention of people who left."""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from civtrain.accounts.api import (
    PERSONNEL_ROLES,
    Role,
    actor_scope,
    learner_accounts_create,
    user_passwords_issue,
)
from civtrain.core import crypto
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record, audit_record_many
from civtrain.core.bulk import copy_in_background, insert_rows, reserve_ids
from civtrain.core.errors import (
    ApplicationError,
    CoreErrorCode,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from civtrain.core.text import (
    CONTROL_REASON,
    FORMULA_NAME_REASON,
    FORMULA_PREFIXES,
    has_control_characters,
)
from civtrain.organisations.api import (
    OrgKind,
    OrgNodeData,
    org_data,
    org_data_many,
    org_in_scope,
    subtree_q,
)
from civtrain.people.data import (
    FLAGS,
    TRACKED,
    UNIT,
    CareerEventInput,
    EventKind,
    LeadershipLevel,
    PasswordSlip,
    PersonInput,
    ReleaseReason,
    Status,
    birth_date_of,
    event_changes,
    mask_birth_date,
    mask_id_number,
    mask_phone,
    parse_id_number,
    parse_release_reason,
    replaced,
)
from civtrain.people.models import ID_CONTEXT, PHONE_CONTEXT, CareerEvent, Person
from civtrain.people.selectors import person_unit_paths_by_hash

# Fields whose before/after values are personal data and are audited as such.
AUDITED_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "phone_masked",
    "unit_id",
    "category",
    "rank",
    "leadership_level",
    "grassroots",
    "basic_post",
    "law_enforcement",
    "reporting_date",
    "status",
)


def _snapshot(person: Person) -> dict[str, Any]:
    return _audited({f: getattr(person, f) for f in AUDITED_FIELDS})


def _audited(values: Mapping[str, Any]) -> dict[str, Any]:
    """The audited fields of a person's values, dates as ISO text (what audit rows keep)."""
    out = {}
    for f in AUDITED_FIELDS:
        v = values[f]
        out[f] = v.isoformat() if isinstance(v, dt.date) else v
    return out


def _masked(changes: dict[str, Any]) -> dict[str, Any]:
    """Audit changes as written: beside the person's masked number the birth date is the
    year only (issue 8 item 3)."""
    if "birth_date" in changes:
        changes = {**changes, "birth_date": [mask_birth_date(v) for v in changes["birth_date"]]}
    return changes


NOT_IN_SCOPE = "单位不存在或不在您的管辖范围内"
RECLASSIFIED_EMPTY = "类别调整事件必须注明人员类别或至少一项标识（基层、机关基础岗位、行政执法）"
EVENT_ROW_FIELDS = (
    "kind",
    "date",
    "leadership_level",
    "rank",
    "category",
    *FLAGS,
    "unit_id",
    "from_unit_id",
    "before",
)
# Registering or moving a person: the unit is unknown or not the actor's, or the ID number
# belongs to someone registered outside the actor's scope. One answer for all three, so no
# write tells whether an ID number is registered elsewhere (issue 8 items 1–2).
PERSON_NOT_IN_SCOPE = (
    "单位编码不存在或不在您的管辖范围内，或此人已在您管辖范围以外的单位登记"
    "（调动须由调出单位或共同上级办理）"
)


def _audit_items(
    person: Person, changes: dict[str, Any], *, old_path: str, new_path: str
) -> list[tuple[int, str, str, dict[str, Any]]]:
    """Audit items of one person's change: a move between units is filed under the old and
    the new unit's path, so both sides' bureaus see it (issue 8 item 1)."""
    changes = _masked(changes)
    items = [(person.pk, str(person), new_path, changes)]
    if old_path != new_path:
        items.append((person.pk, str(person), old_path, changes))
    return items


def _check_event_unit(actor: Actor, kind: EventKind, unit: OrgNodeData | None) -> None:
    """The unit an event moves a person into. A transfer is the releasing side's act (or a
    common ancestor's): its target may lie outside the actor's scope but must be an active
    unit. Any other event's unit must be one the actor administers (issue 8 item 1)."""
    if unit is None or not unit.active:
        raise NotFound(NOT_IN_SCOPE)
    if kind != EventKind.TRANSFER and not actor_scope(actor).covers(unit.path, *PERSONNEL_ROLES):
        raise NotFound(NOT_IN_SCOPE)


def check_unit_write(actor: Actor, unit_id: int) -> str:
    """The unit's path, if the actor administers it; otherwise NotFound (same as missing)."""
    return org_in_scope(actor, unit_id, PERSONNEL_ROLES, message=NOT_IN_SCOPE).path


def apply_input(
    person: Person, data: PersonInput, *, id_number: str = "", id_hash: str = ""
) -> None:
    """Copy `data` onto `person`, encrypting the personal fields. Bulk callers that parsed
    and hashed the ID number already pass both on (`id_number`, `id_hash`)."""
    if not id_number:
        id_number = parse_id_number(data.id_number)
        id_hash = ""
    person.name = data.name.strip()
    if not person.name:
        raise ValidationFailed("姓名不能为空")
    if person.name.startswith(FORMULA_PREFIXES):  # issue 8 item 5
        raise ValidationFailed(FORMULA_NAME_REASON, {"fields": {"name": [FORMULA_NAME_REASON]}})
    if has_control_characters(person.name):  # issue 8 item 6
        raise ValidationFailed(f"姓名{CONTROL_REASON}", {"fields": {"name": [CONTROL_REASON]}})
    person.id_number_hash = id_hash or crypto.lookup_hash(id_number, context=ID_CONTEXT)
    if person._state.adding or person.id_number_masked != mask_id_number(id_number):
        person.id_number_enc = crypto.encrypt(id_number, context=ID_CONTEXT)
        person.id_number_masked = mask_id_number(id_number)
    if data.phone:
        person.phone_enc = crypto.encrypt(data.phone, context=PHONE_CONTEXT)
        person.phone_masked = mask_phone(data.phone)
    person.gender = data.gender
    # Pages show the birth year only (issue 8 item 3), so forms send none: the ID number's.
    person.birth_date = data.birth_date or birth_date_of(id_number)
    person.unit_id = data.unit_id
    person.category = data.category
    person.rank = data.rank
    person.leadership_level = data.leadership_level or ""
    person.grassroots = data.grassroots
    person.basic_post = data.basic_post
    person.law_enforcement = data.law_enforcement
    person.reporting_date = data.reporting_date


def _check_id_number_free(actor: Actor, id_hash: str, *, exclude_pk: int | None = None) -> None:
    """Refuse an ID number registered already: "已登记" when the holder is the actor's to
    see, otherwise the answer an unwritable unit gets (issue 8 item 2)."""
    holder = person_unit_paths_by_hash([id_hash], exclude_pk=exclude_pk).get(id_hash)
    if holder is None:
        return
    if actor_scope(actor).covers(holder, *PERSONNEL_ROLES):
        raise ValidationFailed("该身份证号已登记", {"field": "id_number"})
    raise NotFound(PERSON_NOT_IN_SCOPE)


def _check_person_unit(actor: Actor, unit_id: int) -> str:
    """check_unit_write with the answer of PERSON_NOT_IN_SCOPE."""
    try:
        return check_unit_write(actor, unit_id)
    except NotFound:
        raise NotFound(PERSON_NOT_IN_SCOPE) from None


@transaction.atomic
def person_create(*, actor: Actor, data: PersonInput) -> Person:
    unit_path = _check_person_unit(actor, data.unit_id)
    person = Person()
    try:
        apply_input(person, data)  # every check of the input before the registry is asked
    except ValueError as exc:
        raise ValidationFailed(str(exc), {"field": "id_number"}) from None
    _check_id_number_free(actor, person.id_number_hash)
    person.save()
    _attach_learner_accounts([person], actor=actor)
    audit_record(
        actor=actor,
        action="person.create",
        object_type="person",
        object_id=person.pk,
        object_label=str(person),
        org_path=unit_path,
        changes=_masked({k: [None, v] for k, v in _snapshot(person).items()}),
    )
    return person


@transaction.atomic
def person_update(*, actor: Actor, person: Person, data: PersonInput) -> Person:
    old_path = check_unit_write(actor, person.unit_id)
    check_not_anonymised(person)
    unit_path = _check_person_unit(actor, data.unit_id)
    before = _snapshot(person)
    old_hash = person.id_number_hash
    try:
        apply_input(person, data)
    except ValueError as exc:
        raise ValidationFailed(str(exc), {"field": "id_number"}) from None
    if person.id_number_hash != old_hash:
        _check_id_number_free(actor, person.id_number_hash, exclude_pk=person.pk)
    person.save()
    changes = {k: [before[k], v] for k, v in _snapshot(person).items() if before[k] != v}
    if person.id_number_hash != old_hash:
        changes["id_number"] = ["(已加密)", "(已变更)"]
    if changes:
        audit_record_many(
            actor=actor,
            action="person.update",
            object_type="person",
            items=_audit_items(person, changes, old_path=old_path, new_path=unit_path),
        )
    return person


ANONYMISED = "该人员已超过保留期限并已匿名化，其个人信息已删除，不能再修改或查看"


class PersonAnonymised(ApplicationError):
    status = 409

    def __init__(self) -> None:
        super().__init__(CoreErrorCode.CONFLICT, ANONYMISED, {"reason": "anonymised"})


def check_not_anonymised(person: Person) -> None:
    """Nothing of an anonymised person (#17 item 4, people.retention) is changed or revealed."""
    if person.anonymised_at is not None:
        raise PersonAnonymised


def release_reason(purpose: object, note: object) -> ReleaseReason:
    """The reason given for releasing clear ID or phone numbers (#17 item 4: a purpose from
    the list and a note), or ValidationFailed naming the missing field: every path that
    releases them (the reveal, the roster export with clear numbers, `civtrain
    export-roster`) refuses without one and writes it into its audit row."""
    try:
        return parse_release_reason(purpose, note)
    except ValueError as exc:
        field = "purpose" if "用途，" in str(exc) else "reason"
        raise ValidationFailed(str(exc), {"field": field}) from None


def person_reveal_id_number(*, actor: Actor, person: Person, purpose: object, note: object) -> str:
    """Decrypt the ID number for an entitled actor, leaving an audit trail with the reason
    (a purpose from the list and a note), which pages and the API alike must give (#8 item
    13, #17 item 4). The role is checked first: a learner is refused, whatever the reason."""
    scope = actor_scope(actor)
    if not scope.covers(person.unit.path, Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.UNIT_HR):
        raise PermissionDenied("您无权查看完整身份证号")
    check_not_anonymised(person)
    reason = release_reason(purpose, note)
    audit_record(
        actor=actor,
        action="person.reveal_id",
        object_type="person",
        object_id=person.pk,
        object_label=str(person),
        org_path=person.unit.path,
        changes=reason.as_audit(),
    )
    return person.id_number


def person_read_record(*, actor: Actor, person: Person, channel: str) -> None:
    """Audit a read of a person's record (#17 item 3: reads of personal data are audited,
    GB/T 22239-2019 8.1.4.3): the page or API detail, filed under the person's unit."""
    audit_record(
        actor=actor,
        action="person.read",
        object_type="person",
        object_id=person.pk,
        object_label=str(person),
        org_path=person.unit.path,
        changes={"channel": channel},
    )


# How each kind of event moves a person's current state.
def _apply_event(person: Person, event: CareerEvent) -> None:
    kind = EventKind(event.kind)
    if kind == EventKind.HIRED:
        person.status = Status.ACTIVE
        person.reporting_date = person.reporting_date or event.date
    if kind == EventKind.RETIREMENT:
        person.status = Status.RETIRED
    for key, value in event_changes(_event_row(event)).items():
        setattr(person, key, value)


def _event_row(e: CareerEvent) -> dict[str, Any]:
    """An event as the rows people.data reads."""
    return {f: getattr(e, f) for f in EVENT_ROW_FIELDS}


def _replay(person: Person, events: Sequence[CareerEvent], new: Sequence[CareerEvent]) -> None:
    """Apply a person's whole history (`events`, date order) to their registry values, and
    write into each event of `new` what it replaced (people.data; issue #10 items 4–5):
    a transfer's origin unit unless the event names one, the other attributes it sets as
    they were. The walk starts from what the earliest recorded events replaced, else the
    registry's values: the roster describes the person before the events recorded after
    it."""
    state: dict[str, Any] = {k: getattr(person, k) for k in (*TRACKED, UNIT)}
    rows = [_event_row(e) for e in events]
    is_new = {id(e) for e in new}
    earliest: dict[str, dict[str, Any]] = {}
    for e, row in zip(events, rows, strict=True):
        if id(e) not in is_new:
            for key in event_changes(row):
                earliest.setdefault(key, row)
    for key, row in earliest.items():
        old = replaced(row, key)
        if old is not None:
            state[key] = old
    for e, row in zip(events, rows, strict=True):
        changes = event_changes(row)
        if id(e) in is_new:
            e.before = {k: state[k] for k in changes if k != UNIT}
            if e.kind == EventKind.TRANSFER and e.from_unit_id is None:
                # without 原单位编码: the unit the person was in before (unknown when the
                # registry already shows the destination)
                origin = state[UNIT]
                e.from_unit_id = origin if origin != e.unit_id else None
        state.update(changes)
        _apply_event(person, e)


def person_derive_current(person: Person) -> None:
    """Recompute level, rank, category, flags, unit and status from the event history."""
    _replay(person, list(person.career_events.order_by("date", "id")), ())


def event_problems(e: CareerEventInput) -> list[tuple[str, str]]:
    """(field, reason) for each rule of every career event that `e` breaks, before its
    units are looked up (the import reports them per column)."""
    out = []
    if e.kind == EventKind.PROMOTED and e.leadership_level is None:
        out.append(("leadership_level", "晋升事件必须注明职务层次"))
    if e.kind == EventKind.TRANSFER and e.unit_id is None:
        out.append(("unit_id", "调动事件必须注明调入单位"))
    if e.kind == EventKind.RECLASSIFIED and not (
        e.category or any(getattr(e, f) is not None for f in FLAGS)
    ):
        out.append(("category", RECLASSIFIED_EMPTY))
    if e.from_unit_id is not None and e.kind != EventKind.TRANSFER:
        out.append(("from_unit_id", "只有调动事件可以注明原单位"))
    elif e.from_unit_id is not None and e.from_unit_id == e.unit_id:
        out.append(("from_unit_id", "原单位与调入单位相同"))
    return out


def _check_event(e: CareerEventInput) -> None:
    problems = event_problems(e)
    if problems:
        raise ValidationFailed(problems[0][1])


def _new_event(e: CareerEventInput) -> CareerEvent:
    return CareerEvent(
        person_id=e.person_id,
        kind=e.kind,
        date=e.date,
        leadership_level=e.leadership_level or "",
        rank=e.rank,
        unit_id=e.unit_id,
        category=e.category or "",
        grassroots=e.grassroots,
        basic_post=e.basic_post,
        law_enforcement=e.law_enforcement,
        from_unit_id=e.from_unit_id,
        note=e.note,
    )


@transaction.atomic
def career_event_record(
    *,
    actor: Actor,
    person: Person,
    kind: EventKind,
    date: dt.date,
    leadership_level: LeadershipLevel | None = None,
    rank: str = "",
    unit_id: int | None = None,
    note: str = "",
    **attributes: Any,
) -> CareerEvent:
    """Record one career event (CQ-T6); `attributes` are CareerEventInput's category,
    flags and from_unit_id (issue #10 items 4–5). An event of the same kind on the same day
    is the one already recorded."""
    data = CareerEventInput(
        person.pk, kind, date, leadership_level, rank, unit_id, note, **attributes
    )
    old_path = check_unit_write(actor, person.unit_id)
    check_not_anonymised(person)
    if unit_id is not None:
        _check_event_unit(actor, kind, org_data_many([unit_id]).get(unit_id))
    _check_event(data)
    if data.from_unit_id is not None and not org_data_many([data.from_unit_id]):
        raise NotFound(NOT_IN_SCOPE)
    existing = CareerEvent.objects.filter(person=person, kind=kind, date=date).first()
    if existing is not None:
        return existing
    event = _new_event(data)
    before = _snapshot(person)
    history = [*person.career_events.order_by("date", "id"), event]
    _replay(person, sorted(history, key=lambda e: e.date), [event])
    event.save()
    person.save()
    changes = {k: [before[k], v] for k, v in _snapshot(person).items() if before[k] != v}
    new_path = org_data(person.unit_id).path
    audit_record_many(
        actor=actor,
        action="career_event.record",
        object_type="person",
        items=_audit_items(
            person,
            {"event": [None, f"{kind.value} {date}"], **changes},
            old_path=old_path,
            new_path=new_path,
        ),
    )
    return event


@dataclass(frozen=True)
class BulkResult:
    created: int
    updated: int
    unchanged: int


def learner_username(person_id: int) -> str:
    """Login name of a learner account: a number, never the ID number (REQUIREMENTS §7)."""
    return f"gwy{person_id:07d}"


def person_bulk_upsert(
    *,
    actor: Actor,
    rows: Sequence[PersonInput],
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> BulkResult:
    """Create or update people by ID number, in batches, with one audit row per change.

    Rows must be valid already (the importer reports bad rows before calling this), carry
    distinct ID numbers, and every unit must lie in the actor's subtrees. Runs inside the
    caller's transaction. People already registered are updated first; the new ones are
    then written as plain rows, their COPYs overlapping with building the next batch
    (core.bulk.copy_in_background).
    """
    scope = actor_scope(actor)
    units = org_data_many({r.unit_id for r in rows})
    for unit_id in {r.unit_id for r in rows}:
        if unit_id not in units or not scope.covers(units[unit_id].path, *PERSONNEL_ROLES):
            raise NotFound(PERSON_NOT_IN_SCOPE)
    # Each ID number is parsed and hashed once here and passed on (apply_input, inserts).
    numbers = [parse_id_number(r.id_number) for r in rows]
    hashes = [crypto.lookup_hash(n, context=ID_CONTEXT) for n in numbers]
    if len(set(hashes)) != len(hashes):
        raise ValidationFailed("身份证号重复：同一批数据中每人只能出现一次")
    known = person_unit_paths_by_hash(hashes, batch_size=batch_size)
    if any(not scope.covers(path, *PERSONNEL_ROLES) for path in known.values()):
        # Someone registered outside the actor's scope: never taken over by an upsert
        # (issue 8 item 1). The importer reports such rows before calling this.
        raise NotFound(PERSON_NOT_IN_SCOPE)
    old = [i for i, key in enumerate(hashes) if key in known]
    updated = unchanged = 0
    for start in range(0, len(old), batch_size):
        batch = old[start : start + batch_size]
        existing = Person.objects.in_bulk([hashes[i] for i in batch], field_name="id_number_hash")
        changed, audit_items = [], []
        for i in batch:
            person = existing[hashes[i]]
            before = _snapshot(person)
            apply_input(person, rows[i], id_number=numbers[i], id_hash=hashes[i])
            after = _snapshot(person)
            diff = {k: [before[k], v] for k, v in after.items() if before[k] != v}
            if diff:
                changed.append(person)
                audit_items += _audit_items(
                    person, diff, old_path=known[hashes[i]], new_path=units[person.unit_id].path
                )
            else:
                unchanged += 1
        if changed:
            Person.objects.bulk_update(changed, [*UPSERT_FIELDS], batch_size=batch_size)
        audit_record_many(
            actor=actor, action="person.update", object_type="person", items=audit_items
        )
        updated += len(changed)
        if progress is not None:
            progress(len(batch))
    new = [(rows[i], numbers[i], hashes[i]) for i, key in enumerate(hashes) if key not in known]
    _insert_new_people(
        new,
        actor=actor,
        paths={u: units[u].path for u in units},
        batch_size=batch_size,
        progress=progress,
    )
    return BulkResult(created=len(new), updated=updated, unchanged=unchanged)


UPSERT_FIELDS = (
    "name",
    "id_number_enc",
    "id_number_hash",
    "id_number_masked",
    "phone_enc",
    "phone_masked",
    *(f for f in AUDITED_FIELDS if f not in ("name", "phone_masked", "status")),
)


def _attach_learner_accounts(people: list[Person], *, actor: Actor) -> None:
    if not people:
        return
    user_ids = learner_accounts_create(
        actor=actor, accounts=[(learner_username(p.pk), p.name, p.unit_id) for p in people]
    )
    for person, user_id in zip(people, user_ids, strict=True):
        person.user_id = user_id
    Person.objects.bulk_update(people, ["user_id"], batch_size=2000)


_STATUS_DEFAULT = Person._meta.get_field("status").get_default()
# Columns of a new person written by _insert_new_people, in its row order.
_NEW_PERSON_COLUMNS = (
    "id",
    "user_id",
    "name",
    "id_number_enc",
    "id_number_hash",
    "id_number_masked",
    "phone_enc",
    "phone_masked",
    "gender",
    "birth_date",
    "unit_id",
    "category",
    "rank",
    "leadership_level",
    "grassroots",
    "basic_post",
    "law_enforcement",
    "reporting_date",
    "status",
)


def _insert_new_people(
    new: list[tuple[PersonInput, str, str]],
    *,
    actor: Actor,
    paths: dict[int, str],
    batch_size: int,
    progress: Callable[[int], None] | None,
) -> None:
    """New people (input, parsed ID number, its hash), their learner accounts and their
    audit rows, written as plain rows (COPY on PostgreSQL, bench/roster.py): no model
    instances. Ids are reserved first, so each person row is written once, already pointing
    at its account. The audit changes are the values apply_input and _snapshot would give."""
    if not new:
        return
    names = []
    for data, _, _ in new:
        name = data.name.strip()
        if not name:
            raise ValidationFailed("姓名不能为空")
        names.append(name)
    with transaction.atomic(), copy_in_background() as writer:
        ids = reserve_ids(Person, len(new))
        user_ids = learner_accounts_create(
            actor=actor,
            accounts=[
                (learner_username(pk), name, data.unit_id)
                for pk, name, (data, _, _) in zip(ids, names, new, strict=True)
            ],
            writer=writer,
        )
        encrypt = crypto.encrypt
        for start in range(0, len(new), batch_size):
            rows: list[tuple[Any, ...]] = []
            items: list[tuple[int, str, str, dict[str, Any]]] = []
            for pk, user_id, name, (data, number, key) in zip(
                ids[start : start + batch_size],
                user_ids[start : start + batch_size],
                names[start : start + batch_size],
                new[start : start + batch_size],
                strict=True,
            ):
                masked = mask_id_number(number)
                phone = data.phone
                rows.append(
                    (
                        pk,
                        user_id,
                        name,
                        encrypt(number, context=ID_CONTEXT),
                        key,
                        masked,
                        encrypt(phone, context=PHONE_CONTEXT) if phone else None,
                        mask_phone(phone) if phone else "",
                        data.gender,
                        data.birth_date or birth_date_of(number),
                        data.unit_id,
                        data.category,
                        data.rank,
                        data.leadership_level or "",
                        data.grassroots,
                        data.basic_post,
                        data.law_enforcement,
                        data.reporting_date,
                        _STATUS_DEFAULT,
                    )
                )
                # The create's audit changes: every audited value, as _snapshot gives it.
                created = _audited(dict(zip(_NEW_PERSON_COLUMNS, rows[-1], strict=True)))
                changes = _masked({f: [None, v] for f, v in created.items()})
                items.append((pk, f"{name}（{masked}）", paths[data.unit_id], changes))
            insert_rows(Person, _NEW_PERSON_COLUMNS, rows, writer=writer)
            audit_record_many(
                actor=actor,
                action="person.create",
                object_type="person",
                items=items,
                writer=writer,
            )
            if progress is not None:
                progress(len(rows))


def career_event_bulk_record(
    *, actor: Actor, events: Sequence[CareerEventInput], batch_size: int = 2000
) -> int:
    """Append many career events and re-derive each touched person's current state (CQ-T6).

    For imports and demo data: one bulk insert, one bulk update, one audit row per person.
    Events already recorded (same person, kind and date) are skipped. Every person's unit and
    every target unit must lie in the actor's subtrees; an origin unit (from_unit_id) must
    exist. Each new event keeps what it replaced (_replay). Runs inside the caller's
    transaction.
    """
    person_ids = sorted({e.person_id for e in events})
    people: dict[int, Person] = {}
    for start in range(0, len(person_ids), batch_size):
        people.update(Person.objects.in_bulk(person_ids[start : start + batch_size]))
    current = {p.unit_id for p in people.values()}
    origins = {e.from_unit_id for e in events if e.from_unit_id}
    units = org_data_many(current | origins | {e.unit_id for e in events if e.unit_id})
    scope = actor_scope(actor)
    if len(people) != len(person_ids) or any(
        u not in units or not scope.covers(units[u].path, *PERSONNEL_ROLES) for u in current
    ):
        raise NotFound("人员或单位不存在或不在您的管辖范围内")
    for e in events:
        if e.unit_id:
            _check_event_unit(actor, e.kind, units.get(e.unit_id))
        if e.from_unit_id and e.from_unit_id not in units:
            raise NotFound(NOT_IN_SCOPE)
        _check_event(e)
    by_person: dict[int, list[CareerEvent]] = {}
    for start in range(0, len(person_ids), batch_size):
        for ev in CareerEvent.objects.filter(
            person_id__in=person_ids[start : start + batch_size]
        ).order_by("person_id", "date", "id"):
            by_person.setdefault(ev.person_id, []).append(ev)
    existing = {(ev.person_id, ev.kind, ev.date) for evs in by_person.values() for ev in evs}
    new: dict[int, list[CareerEvent]] = {}
    for e in events:
        key = (e.person_id, e.kind.value, e.date)
        if key in existing:
            continue
        existing.add(key)
        new.setdefault(e.person_id, []).append(_new_event(e))
    # An older event replayed may leave a person in a unit none of the above named.
    replayed = {ev.unit_id for evs in by_person.values() for ev in evs if ev.unit_id}
    units.update(org_data_many(replayed - set(units)))
    changed, audit_items = [], []
    for pid in sorted(new):
        person = people[pid]
        before, old_path = _snapshot(person), units[person.unit_id].path
        history = sorted([*by_person.get(pid, ()), *new[pid]], key=lambda ev: ev.date)
        _replay(person, history, new[pid])
        diff = {k: [before[k], v] for k, v in _snapshot(person).items() if before[k] != v}
        if diff:
            changed.append(person)
        audit_items += _audit_items(
            person,
            {"events": [f"{ev.kind} {ev.date}" for ev in new[pid]], **diff},
            old_path=old_path,
            new_path=units[person.unit_id].path,
        )
    CareerEvent.objects.bulk_create(
        [ev for evs in new.values() for ev in evs], batch_size=batch_size
    )
    Person.objects.bulk_update(
        changed,
        ["status", "reporting_date", "unit_id", *TRACKED],
        batch_size=batch_size,
    )
    audit_record_many(
        actor=actor, action="career_event.record", object_type="person", items=audit_items
    )
    return sum(len(evs) for evs in new.values())


# --- passwords issued by HR (#11 item 1) ----------------------------------------------------

# Hashing is quick for issued passwords (ADR 0015: 4 ms each at load 20), so the bound is
# the slips: 300 people are 38 printed A4 sheets; a larger unit goes department by department.
PASSWORD_ISSUE_MAX = 300
OUT_OF_SCOPE = "人员不存在或不在您的管辖范围内"


def _unit_label(unit: Any) -> str:
    """A department is named with its unit (every bureau has an 办公室)."""
    parent = unit.parent
    return (
        f"{parent.name} · {unit.name}" if unit.kind == OrgKind.DEPARTMENT and parent else unit.name
    )


def person_passwords_issue(*, actor: Actor, person_ids: Sequence[int]) -> list[PasswordSlip]:
    """Issue (or reset) the login password of each person, for the HR officer or bureau whose
    subtree holds them; returns one slip per person, by unit and name.

    A person outside the actor's personnel subtrees is NotFound with the message of a missing
    one, and nothing is written (no oracle: the answer is the same whether the person exists).
    Only active people get a password. Audited per account by accounts (never the password)."""
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        raise ValidationFailed("请先选择要发放密码的人员")
    if len(ids) > PASSWORD_ISSUE_MAX:
        raise ValidationFailed(
            f"一次最多为 {PASSWORD_ISSUE_MAX} 人发放密码，请按单位或部门分批发放"
        )
    paths = actor_scope(actor).paths_for(*PERSONNEL_ROLES)
    people = list(
        Person.objects.filter(subtree_q(paths, "unit__path"), pk__in=ids)
        .select_related("unit__parent")
        .order_by("unit__path", "name", "id")
    )
    if len(people) != len(ids):
        raise NotFound(OUT_OF_SCOPE)
    inactive = [p.name for p in people if p.status != Status.ACTIVE]
    if inactive:
        raise ValidationFailed(f"只能为在职人员发放密码：{'、'.join(inactive)}")
    with transaction.atomic():
        _attach_learner_accounts([p for p in people if p.user_id is None], actor=actor)
        issued = user_passwords_issue(
            actor=actor, org_paths={p.user_id: p.unit.path for p in people if p.user_id}
        )
    by_user = {i.user_id: i for i in issued}
    return [
        PasswordSlip(
            person_id=p.pk,
            name=p.name,
            unit=_unit_label(p.unit),
            username=by_user[p.user_id].username,
            password=by_user[p.user_id].password,
        )
        for p in people
        if p.user_id is not None
    ]


def person_crypto_migrate(*, actor: Actor, batch: int = 1000) -> int:
    """Re-encrypt every ID and phone number and recompute the ID lookup hashes under the
    configured suite and the current keys (CIVTRAIN_CRYPTO_SUITE, #17 item 5; key rotation,
    ADR 0003: `civtrain crypto-migrate`); returns how many people changed. Batch by batch,
    each its own transaction, so it can be stopped and run again: rows already so are left
    alone. One audit row for the run."""
    changed, last = 0, 0
    # One UPDATE per row through executemany (a pipeline on PostgreSQL): the ORM's
    # bulk_update builds a CASE over the whole batch and spent 90 % of the run doing so.
    update = (
        f"UPDATE {Person._meta.db_table} "  # nosec B608  # noqa: S608 - the model's table
        "SET id_number_enc = %s, id_number_hash = %s, phone_enc = %s WHERE id = %s"
    )
    while True:
        with transaction.atomic():
            rows = list(
                Person.objects.filter(pk__gt=last)
                .order_by("pk")
                .select_for_update()
                .values_list("pk", "id_number_enc", "id_number_hash", "phone_enc")[:batch]
            )
            if not rows:
                break
            todo: list[tuple[Any, ...]] = []
            for pk, id_blob, id_hash, phone_blob in rows:
                if not id_blob:
                    continue  # anonymised (people.retention): nothing left to re-encrypt
                id_number, id_current = crypto.opened(id_blob, context=ID_CONTEXT)
                new_hash = crypto.lookup_hash(id_number, context=ID_CONTEXT)
                phone = crypto.opened(phone_blob, context=PHONE_CONTEXT) if phone_blob else None
                if id_current and id_hash == new_hash and (not phone or phone[1]):
                    continue
                todo.append(
                    (
                        crypto.encrypt(id_number, context=ID_CONTEXT),
                        new_hash,
                        crypto.encrypt(phone[0], context=PHONE_CONTEXT) if phone else phone_blob,
                        pk,
                    )
                )
            if todo:
                with connection.cursor() as cursor:
                    cursor.executemany(update, todo)
            changed += len(todo)
            last = rows[-1][0]
    if changed:
        audit_record(
            actor=actor,
            action="crypto.migrate",
            object_type="person",
            object_label="人员身份证号、手机号",
            changes={"suite": crypto.suite(), "data_key": crypto.data_key_id(), "rows": changed},
        )
    return changed
