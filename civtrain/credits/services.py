"""Writes to the credit ledger: entries, bulk entries, reversals, checkpoints, claims.

The ledger is append-only (CQ-M3): a correction is a reversal entry plus a new entry. Every
entry extends its person's hash chain under a lock on the person's chain-head row, so two
writers for the same person queue instead of forking the chain.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction

from civtrain.accounts.api import PERSONNEL_ROLES, actor_scope, is_system
from civtrain.catalogue.api import subject_names
from civtrain.catalogue.data import DeliveryMode, TrainingType
from civtrain.core import clock
from civtrain.core.audit import audit_record, audit_record_under
from civtrain.core.errors import ApplicationError, NotFound, PermissionDenied
from civtrain.credits import chain, hooks, integrity, ledger, outbox
from civtrain.credits.data import (
    BulkItemResult,
    BulkResult,
    ClaimInput,
    ClaimStatus,
    EntryData,
    EntryInput,
    ItemStatus,
    Result,
    SourceType,
)
from civtrain.credits.errors import CreditsErrorCode
from civtrain.credits.models import (
    ExternalClaim,
    LedgerChainHead,
    LedgerEntry,
    LedgerSubjectHours,
)
from civtrain.organisations.api import subtree_q
from civtrain.people import api as people_api

CENT = Decimal("0.01")
MAX_HOURS = Decimal("99999.99")
MAX_DAYS = Decimal("9999.99")
BATCH = 5000  # entries per transaction in bulk writes (bench/ledger.py: 2,000 → 5,000 gave ~+20 %)
COPY_THRESHOLD = 50  # below this, plain INSERTs beat COPY's set-up on PostgreSQL
_TYPES = frozenset(t.value for t in TrainingType)
_MODES = frozenset(m.value for m in DeliveryMode)
_RESULTS = frozenset(r.value for r in Result)
_SOURCES = frozenset(s.value for s in SourceType) - {SourceType.REVERSAL.value}


class EntryRejected(ApplicationError):
    status = 422


def default_hours_per_day() -> Decimal:
    """学时 per day until the compliance app can name the rule set governing a person (PR-2)."""
    return Decimal(str(getattr(settings, "CIVTRAIN_DEFAULT_HOURS_PER_DAY", "7.5")))


def subject_codes() -> dict[str, str]:
    """Subject code → name: the catalogue's taxonomy, including what the city bureau added
    and deactivated subjects (old records name them) (issue 10 item 10)."""
    return subject_names(include_inactive=True)


def _amount(value: Any, label: str) -> Decimal:
    try:
        number = value if type(value) is Decimal else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise EntryRejected(CreditsErrorCode.INVALID_ENTRY, f"{label}“{value}”不是数字") from None
    if not number.is_finite():
        raise EntryRejected(CreditsErrorCode.INVALID_ENTRY, f"{label}“{value}”不是数字")
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class _Prepared:
    """A validated entry, amounts converted, ready to be chained."""

    person_id: int
    title: str
    start_date: dt.date | None
    date: dt.date
    hours: Decimal
    days: Decimal
    training_type: str
    mode: str
    result: str
    score: Decimal | None
    source_type: str
    source_ref: str
    reason: str
    evidence: str
    subjects: list[tuple[str, Decimal]] = field(default_factory=list)
    reverses_id: int | None = None
    # Set when the entry is chained (_chain_entry): the rest of what its schema hashes.
    seq: int = 0
    recorded_by_id: int | None = None
    recorded_at: dt.datetime | None = None

    @property
    def year(self) -> int:
        return self.date.year  # implements REQUIREMENTS §8: the year of the end date


def _prepare(
    inp: EntryInput, hours_per_day: Decimal | None, taxonomy: Mapping[str, str] | None = None
) -> _Prepared:
    """Validate one input and fill in hours or days (REQUIREMENTS §8); raises EntryRejected.

    Without an explicit hours_per_day, a conversion uses the governing rule set's (PR-2,
    through hooks.register_hours_per_day), else the configured default. `taxonomy` is
    subject_codes(), read once by callers that prepare many entries."""

    def reject(message: str, code: str = CreditsErrorCode.INVALID_ENTRY) -> EntryRejected:
        return EntryRejected(code, message)

    title = (inp.title or "").strip()
    if not title or len(title) > 200:
        raise reject("培训名称不能为空，且不超过200个字")
    if not isinstance(inp.date, dt.date) or isinstance(inp.date, dt.datetime):
        raise reject("结束日期不是有效日期")
    if inp.start_date is not None and inp.start_date > inp.date:
        raise reject("开始日期晚于结束日期")
    if inp.training_type not in _TYPES:
        raise reject(f"培训类型“{inp.training_type}”无法识别")
    if inp.mode not in _MODES:
        raise reject(f"培训形式“{inp.mode}”无法识别")
    if inp.source_type not in _SOURCES:
        raise reject(f"来源类型“{inp.source_type}”无法识别")
    source_ref = (inp.source_ref or "").strip()
    if not source_ref or len(source_ref) > 100:
        raise reject("来源编号不能为空，且不超过100个字符")
    if inp.result not in _RESULTS:
        raise reject(f"考核结果“{inp.result}”无法识别")
    if inp.hours is None and inp.days is None:
        raise reject("学时和天数至少填写一项")
    hours = _amount(inp.hours, "学时") if inp.hours is not None else None
    days = _amount(inp.days, "天数") if inp.days is not None else None
    # implements REQUIREMENTS §8 "Hours and days": the missing one is converted.
    if hours_per_day is None and (hours is None or days is None):
        hours_per_day = hooks.resolved_hours_per_day(int(inp.person_id), inp.date)
    if hours is None or days is None:
        hours_per_day = hours_per_day or default_hours_per_day()
        if hours is None and days is not None:
            hours = (days * hours_per_day).quantize(CENT, rounding=ROUND_HALF_UP)
        if days is None and hours is not None:
            days = (hours / hours_per_day).quantize(CENT, rounding=ROUND_HALF_UP)
    assert hours is not None and days is not None  # noqa: S101 - both filled above
    # A failed or withdrawn trainee who attended nothing still has a result to record
    # (REQUIREMENTS §8 "Failed training", ZZ-M4, CQ-M3): 0 hours only with result failed.
    least = Decimal(0) if inp.result == Result.FAILED else CENT
    if hours < least or days < 0 or hours > MAX_HOURS or days > MAX_DAYS:
        raise reject("学时必须大于0（不超过99999.99），天数不能为负数")
    score = _amount(inp.score, "成绩") if inp.score is not None else None
    if score is not None and not Decimal(0) <= score <= Decimal(1000):
        raise reject("成绩应在0到1000之间")
    subjects: list[tuple[str, Decimal]] = []
    known = (subject_codes() if taxonomy is None else taxonomy) if inp.subject_hours else {}
    for code, value in (inp.subject_hours or {}).items():
        if code not in known:
            raise reject(f"科目“{code}”不在科目目录中", CreditsErrorCode.UNKNOWN_SUBJECT)
        amount = _amount(value, f"科目“{known[code]}”学时")
        if amount <= 0:
            raise reject(f"科目“{known[code]}”学时必须大于0")
        subjects.append((code, amount))
    subject_total = sum((h for _, h in subjects), Decimal(0))
    if subject_total > hours:
        raise reject(
            f"科目学时合计 {subject_total} 超过了总学时 {hours}",
            CreditsErrorCode.SUBJECT_HOURS_EXCEED,
        )
    return _Prepared(
        person_id=int(inp.person_id),
        title=title,
        start_date=inp.start_date,
        date=inp.date,
        hours=hours,
        days=days,
        training_type=inp.training_type,
        mode=inp.mode,
        result=inp.result,
        score=score,
        source_type=inp.source_type,
        source_ref=source_ref,
        reason=(inp.reason or "").strip()[:300],
        evidence=(inp.evidence or "").strip()[:300],
        subjects=sorted(subjects),
    )


def _persons_allowed(
    actor: Any, person_ids: Iterable[int], *, scope_checked: bool = False
) -> set[int]:
    """Which persons the actor may credit: the system (CLI without --actor, tasks) anyone;
    personnel staff the people of their subtrees; every other user no one (#8 item 12: a
    teacher named with --actor wrote anyone's ledger). `scope_checked` is for app services
    that established the actor's right over these people themselves (enrolment: the passing
    trainees of a class the actor runs); the API, pages and commands never set it."""
    ids = sorted(set(person_ids))
    if scope_checked or is_system(actor):
        return people_api.person_ids_existing(ids)
    paths = actor_scope(actor).paths_for(*PERSONNEL_ROLES)
    if not paths:
        return set()
    in_scope = people_api.person_rows().filter(subtree_q(paths, "unit__path"), pk__in=ids)
    return set(in_scope.values_list("pk", flat=True))


@dataclass
class _Head:
    person_id: int
    seq: int
    hash: str


def _lock_heads(person_ids: Sequence[int]) -> dict[int, _Head]:
    """Create missing chain heads and lock all of them, in person order (no deadlocks).

    On SQLite the IMMEDIATE transaction already holds the database's write lock."""
    ids = sorted(set(person_ids))
    table = LedgerChainHead._meta.db_table
    heads: dict[int, _Head] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (person_id, seq, hash) "
                "SELECT unnest(%s::bigint[]), 0, %s ON CONFLICT DO NOTHING",
                [ids, chain.GENESIS],
            )
            cursor.execute(
                f"SELECT person_id, seq, hash FROM {table} "  # noqa: S608
                "WHERE person_id = ANY(%s) ORDER BY person_id FOR UPDATE",
                [ids],
            )
            rows = cursor.fetchall()
        else:
            cursor.executemany(
                f"INSERT OR IGNORE INTO {table} (person_id, seq, hash) VALUES (%s, 0, %s)",  # noqa: S608
                [(p, chain.GENESIS) for p in ids],
            )
            rows = []
            for start in range(0, len(ids), 900):
                part = ids[start : start + 900]
                cursor.execute(
                    f"SELECT person_id, seq, hash FROM {table} "  # noqa: S608
                    f"WHERE person_id IN ({', '.join(['%s'] * len(part))})",
                    part,
                )
                rows += cursor.fetchall()
    for pid, seq, digest in rows:
        heads[pid] = _Head(pid, seq, digest)
    return heads


class _Row:
    """A new entry: its field values in its schema's column order, and its chain link;
    lighter than a model instance for bulk writes. Fields read as attributes (entry.title)."""

    __slots__ = ("hash", "pk", "prev_hash", "schema", "values")

    def __init__(self, schema: ledger.Schema, values: tuple, prev_hash: str, digest: str) -> None:
        self.schema, self.values, self.prev_hash, self.hash = schema, values, prev_hash, digest
        self.pk = 0  # set by _insert

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[self.schema.index[name]]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def id(self) -> int:
        return self.pk

    def row(self) -> list[Any]:
        """The row in _entry_columns(schema) order."""
        return [self.pk, self.schema.version, *self.values, self.prev_hash, self.hash]


def _entry_columns(schema: ledger.Schema) -> tuple[str, ...]:
    """The columns a writer inserts for an entry of this schema version."""
    return ("id", "schema_version", *schema.columns, "prev_hash", "hash")


def _save_heads(heads: Iterable[_Head]) -> None:
    integrity.heads_update(
        [(h.person_id, h.seq, h.hash) for h in heads], seq_column="seq", hash_column="hash"
    )


def _chain_entry(
    p: _Prepared, head: _Head, *, actor_id: int | None, at: dt.datetime, schema: ledger.Schema
) -> _Row:
    """The next entry of the person's chain, hashed under the current schema version."""
    p.seq, p.recorded_by_id, p.recorded_at = head.seq + 1, actor_id, at
    values = schema.values(p)
    digest = chain.entry_hash(head.hash, schema.content(values, p.subjects))
    entry = _Row(schema, values, head.hash, digest)
    head.seq, head.hash = p.seq, digest
    return entry


def _write(prepared: Sequence[_Prepared], *, actor: Any) -> list[tuple[_Row | None, int | None]]:
    """Chain and insert a batch inside the caller's transaction.

    Returns per item (new entry, None) or (None, id of the entry already written for the
    same source)."""
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    at = clock.now()
    schema = ledger.current()
    heads = _lock_heads([p.person_id for p in prepared])
    # Looked up after the lock, so a racing writer of the same source is seen here.
    existing = _existing_sources([p for p in prepared if heads[p.person_id].seq > 0])
    out: list[tuple[_Row | None, int | None]] = []
    new: list[tuple[_Row, _Prepared]] = []
    pending: dict[tuple[int, str, str], _Row] = {}
    changed: dict[int, _Head] = {}
    for p in prepared:
        key = (p.person_id, p.source_type, p.source_ref)
        if key in existing:
            out.append((None, existing[key]))
            continue
        if key in pending:  # the same source twice in one batch: the first one counts
            out.append((pending[key], None))
            continue
        head = heads[p.person_id]
        entry = _chain_entry(p, head, actor_id=actor_id, at=at, schema=schema)
        changed[p.person_id] = head
        pending[key] = entry
        new.append((entry, p))
        out.append((entry, None))
    if new:
        _insert(new)
        _save_heads(changed.values())
        outbox.changes_record((e.person_id, e.year) for e, _ in new)
        integrity.checkpoint_after_write()  # issue 8 item 15 (embedded default)
    return out


def _existing_sources(prepared: Sequence[_Prepared]) -> dict[tuple[int, str, str], int]:
    """(person, source type, source ref) → id of the entry already written for it."""
    if not prepared:
        return {}
    if connection.vendor == "postgresql":
        table = LedgerEntry._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT e.person_id, e.source_type, e.source_ref, e.id FROM {table} e "  # noqa: S608
                "JOIN unnest(%s::bigint[], %s::text[], %s::text[]) AS k(pid, stype, sref) "
                "ON e.person_id = k.pid AND e.source_type = k.stype AND e.source_ref = k.sref",
                [
                    [p.person_id for p in prepared],
                    [p.source_type for p in prepared],
                    [p.source_ref for p in prepared],
                ],
            )
            rows = cursor.fetchall()
    else:
        rows = list(
            LedgerEntry.objects.filter(
                person_id__in={p.person_id for p in prepared},
                source_ref__in={p.source_ref for p in prepared},
            ).values_list("person_id", "source_type", "source_ref", "id")
        )
    return {(pid, stype, sref): eid for pid, stype, sref, eid in rows}


_SUBJECT_COLUMNS = ("entry_id", "person_id", "year", "subject", "hours")


def _allocate_ids(cursor: Any, n: int) -> list[int]:
    """Ids for n new entries, so subject rows can point at them without a round trip each."""
    table = LedgerEntry._meta.db_table
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, n],
        )
        return [row[0] for row in cursor.fetchall()]
    # SQLite: the IMMEDIATE transaction holds the database's write lock, so nobody else
    # can take these ids; sqlite_sequence keeps AUTOINCREMENT ids above any ever used.
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - fixed name
    top = cursor.fetchone()[0]
    cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = %s", [table])
    top = max(top, cursor.fetchone()[0])
    return list(range(top + 1, top + 1 + n))


def _insert(new: Sequence[tuple[_Row, _Prepared]]) -> None:
    """Insert chained entries (all of one schema version) and their subject rows: COPY on
    PostgreSQL for batches, executemany otherwise. The ORM's bulk_create spent most of a
    bulk write compiling SQL (bench/ledger.py)."""
    schema = new[0][0].schema
    columns = ", ".join(_entry_columns(schema))
    with connection.cursor() as cursor:
        ids = _allocate_ids(cursor, len(new))
        for (entry, _), pk in zip(new, ids, strict=True):
            entry.pk = pk
        entries: list[list[Any]] = [e.row() for e, _ in new]
        subjects: list[list[Any]] = [
            [e.pk, e.person_id, e.year, code, hours] for e, p in new for code, hours in p.subjects
        ]
        e_table, s_table = LedgerEntry._meta.db_table, LedgerSubjectHours._meta.db_table
        postgres = connection.vendor == "postgresql"
        if postgres and len(entries) >= COPY_THRESHOLD:
            raw = cursor.cursor
            with raw.copy(f"COPY {e_table} ({columns}) FROM STDIN") as copy:
                for row in entries:
                    copy.write_row(row)
            if subjects:
                with raw.copy(f"COPY {s_table} ({', '.join(_SUBJECT_COLUMNS)}) FROM STDIN") as copy:
                    for row in subjects:
                        copy.write_row(row)
            return
        if not postgres:  # SQLite's driver needs Django's adapted values
            _adapt_for_sqlite(schema, entries, subjects)
        marks = ", ".join(["%s"] * len(entries[0]))
        cursor.executemany(
            f"INSERT INTO {e_table} ({columns}) VALUES ({marks})",  # noqa: S608
            entries,
        )
        if subjects:
            cursor.executemany(
                f"INSERT INTO {s_table} ({', '.join(_SUBJECT_COLUMNS)}) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s)",
                subjects,
            )


def _adapt_for_sqlite(
    schema: ledger.Schema, entries: list[list[Any]], subjects: list[list[Any]]
) -> None:
    adapters = schema.sqlite_adapters(offset=2)  # after id and schema_version
    for row in entries:
        for position, adapt in adapters:
            if row[position] is not None:
                row[position] = adapt(row[position])
    for row in subjects:
        row[4] = str(row[4])


def to_data(
    entry: LedgerEntry | _Row, subjects: Mapping[str, Decimal], created: bool = True
) -> EntryData:
    return EntryData(
        id=entry.pk,
        person_id=entry.person_id,
        seq=entry.seq,
        title=entry.title,
        start_date=entry.start_date,
        date=entry.date,
        year=entry.year,
        hours=Decimal(entry.hours),
        days=Decimal(entry.days),
        training_type=entry.training_type,
        mode=entry.mode,
        subject_hours=dict(subjects),
        result=entry.result,
        score=entry.score,
        source_type=entry.source_type,
        source_ref=entry.source_ref,
        reverses_id=entry.reverses_id,
        reason=entry.reason,
        evidence=entry.evidence,
        recorded_by_id=entry.recorded_by_id,
        recorded_at=entry.recorded_at,
        hash=entry.hash,
        created=created,
    )


def entry_data(entry_id: int, created: bool = True) -> EntryData:
    entry = LedgerEntry.objects.get(pk=entry_id)
    subjects = dict(
        LedgerSubjectHours.objects.filter(entry_id=entry_id).values_list("subject", "hours")
    )
    return to_data(entry, subjects, created)


def _audit_entry(
    actor: Any, entry: LedgerEntry | _Row, action: str, extra: Mapping[str, Any]
) -> None:
    person = people_api.person_data(entry.person_id)
    audit_record(
        actor=actor,
        action=action,
        object_type="credits.LedgerEntry",
        object_id=entry.pk,
        object_label=f"{person.name} {entry.title}",
        org_path=person.unit_path,
        changes={
            "person_id": entry.person_id,
            "seq": entry.seq,
            "hours": str(entry.hours),
            "days": str(entry.days),
            "source": f"{entry.source_type}:{entry.source_ref}",
            **extra,
        },
    )


def credit_entry_record(
    *,
    actor: Any,
    person_id: int,
    title: str,
    date: dt.date,
    hours: Decimal | None = None,
    days: Decimal | None = None,
    training_type: str,
    mode: str,
    subject_hours: Mapping[str, Decimal] | None = None,
    source_type: str,
    source_ref: str,
    result: str = "",
    score: Decimal | None = None,
    start_date: dt.date | None = None,
    evidence: str = "",
    reason: str = "",
    hours_per_day: Decimal | None = None,
) -> EntryData:
    """Write one entry; the same (person, source_type, source_ref) again returns the first
    entry (created=False) and writes nothing. hours_per_day defaults to the governing rule
    set's, else settings.CIVTRAIN_DEFAULT_HOURS_PER_DAY."""
    inp = EntryInput(
        person_id=person_id,
        title=title,
        date=date,
        hours=hours,
        days=days,
        training_type=training_type,
        mode=mode,
        subject_hours=dict(subject_hours or {}),
        source_type=source_type,
        source_ref=source_ref,
        result=result,
        score=score,
        start_date=start_date,
        evidence=evidence,
        reason=reason,
    )
    return credit_entry_record_input(actor=actor, entry=inp, hours_per_day=hours_per_day)


def credit_entry_record_input(
    *, actor: Any, entry: EntryInput, hours_per_day: Decimal | None = None
) -> EntryData:
    prepared = _prepare(entry, hours_per_day)
    if prepared.person_id not in _persons_allowed(actor, [prepared.person_id]):
        raise NotFound("人员不存在或不在您的管辖范围内")
    with transaction.atomic():
        [(new, existing_id)] = _write([prepared], actor=actor)
        if new is None:
            assert existing_id is not None  # noqa: S101
            return entry_data(existing_id, created=False)
        _audit_entry(actor, new, "credit.entry_record", {})
    return to_data(new, dict(prepared.subjects))


def credit_entries_bulk_record(
    *,
    actor: Any,
    entries: Sequence[EntryInput],
    hours_per_day: Decimal | None = None,
    batch_size: int = BATCH,
    scope_checked: bool = False,
) -> BulkResult:
    """Write many entries (class results, imports, integrations) in batches of one
    transaction each. Invalid items are reported by index and skipped; the rest are written.
    Idempotent per (person, source_type, source_ref), also within the sequence.
    `scope_checked`: see _persons_allowed (only app services that checked the people)."""
    indexed = list(enumerate(entries))
    # One checkpoint after the whole write, not one per batch (issue 8 item 15).
    with integrity.checkpoints_deferred():
        results = _record(
            indexed,
            actor=actor,
            hours_per_day=hours_per_day,
            batch_size=batch_size,
            scope_checked=scope_checked,
        )
    final = tuple(sorted(results, key=lambda item: item.index))
    created = sum(1 for i in final if i.status == ItemStatus.CREATED)
    existing = sum(1 for i in final if i.status == ItemStatus.EXISTING)
    if created:
        integrity.checkpoint_after_write()
    return BulkResult(
        created=created, existing=existing, failed=len(final) - created - existing, items=final
    )


def _record(
    indexed: Sequence[tuple[int, EntryInput]],
    *,
    actor: Any,
    hours_per_day: Decimal | None,
    batch_size: int,
    scope_checked: bool = False,
) -> list[BulkItemResult]:
    """Validate, check scope and write (input index, input) pairs; a result per pair."""
    results: list[BulkItemResult] = []
    valid: list[tuple[int, _Prepared]] = []
    taxonomy = subject_codes() if any(inp.subject_hours for _, inp in indexed) else {}
    for index, inp in indexed:
        try:
            valid.append((index, _prepare(inp, hours_per_day, taxonomy)))
        except ApplicationError as exc:
            results.append(BulkItemResult(index, ItemStatus.ERROR, None, exc.code, exc.message))
    allowed = _persons_allowed(actor, {p.person_id for _, p in valid}, scope_checked=scope_checked)
    writable = []
    for index, p in valid:
        if p.person_id in allowed:
            writable.append((index, p))
        else:
            results.append(
                BulkItemResult(
                    index, ItemStatus.ERROR, None, "not_found", "人员不存在或不在您的管辖范围内"
                )
            )
    # Person by person (a stable sort keeps each person's order): a batch then holds whole
    # chains of few people, so locking, looking up and saving chain heads is per person,
    # not per entry (bench/ledger.py: a fifth of the time when batches mixed 2,000 people).
    writable.sort(key=lambda item: item[1].person_id)
    for index, status, entry_id in _write_batches(writable, actor=actor, batch_size=batch_size):
        results.append(BulkItemResult(index, status, entry_id))
    return results


_Outcome = tuple[int, ItemStatus, int | None]  # (input index, CREATED or EXISTING, entry id)


def _write_batches(
    writable: Sequence[tuple[int, _Prepared]], *, actor: Any, batch_size: int
) -> list[_Outcome]:
    """Chain and insert in batches of one transaction each, with one audit row per batch."""
    outcomes: list[_Outcome] = []
    seen: set[int] = set()
    for start in range(0, len(writable), batch_size):
        part = writable[start : start + batch_size]
        with transaction.atomic():
            written = _write([p for _, p in part], actor=actor)
            first_id: int | None = None
            last_id: int | None = None
            batch_created = 0
            for (index, _), (new, old_id) in zip(part, written, strict=True):
                if new is not None and new.pk not in seen:
                    seen.add(new.pk)
                    outcomes.append((index, ItemStatus.CREATED, new.pk))
                    batch_created += 1
                    first_id = new.pk if first_id is None else first_id
                    last_id = new.pk
                else:
                    # Written before, or the same source earlier in this sequence.
                    entry_id = new.pk if new is not None else old_id
                    outcomes.append((index, ItemStatus.EXISTING, entry_id))
            if first_id is not None:
                # Filed where the people work, so their bureaus see it (#8 item 9).
                units = people_api.person_rows().filter(pk__in={p.person_id for _, p in part})
                audit_record_under(
                    actor=actor,
                    action="credit.entries_bulk_record",
                    object_type="credits.LedgerEntry",
                    object_id=first_id,
                    object_label=f"批量记账 {batch_created} 条",
                    org_paths=units.values_list("unit__path", flat=True).distinct(),
                    changes={"created": batch_created, "first_id": first_id, "last_id": last_id},
                )
    return outcomes


def credit_entry_reverse(
    *,
    actor: Any,
    entry_id: int,
    reason: str,
    replacement: EntryInput | None = None,
    hours_per_day: Decimal | None = None,
) -> tuple[EntryData, EntryData | None]:
    """Cancel an entry with a reversal entry (negated amounts, same date, `reverses` set) and
    optionally write the corrected entry (CQ-M3: corrections are new entries, never edits).
    An entry can be reversed once; a reversal cannot be reversed."""
    reason = (reason or "").strip()
    if not reason:
        raise EntryRejected(CreditsErrorCode.REASON_REQUIRED, "冲正必须填写原因")
    if len(reason) > 300:
        raise EntryRejected(CreditsErrorCode.INVALID_ENTRY, "冲正原因不超过300个字")
    person_id = LedgerEntry.objects.filter(pk=entry_id).values_list("person_id", flat=True).first()
    if person_id is None or person_id not in _persons_allowed(actor, [person_id]):
        raise NotFound("培训记录不存在或不在您的管辖范围内")
    prepared_replacement = None
    if replacement is not None:
        if replacement.person_id != person_id:
            raise EntryRejected(CreditsErrorCode.INVALID_ENTRY, "更正记录必须属于同一人员")
        if not replacement.reason:
            replacement = replace(replacement, reason=reason)
        prepared_replacement = _prepare(replacement, hours_per_day)
    with transaction.atomic():
        _lock_heads([person_id])  # serialises reversals of the same person's entries
        original = LedgerEntry.objects.get(pk=entry_id)
        if original.source_type == SourceType.REVERSAL:
            raise EntryRejected(CreditsErrorCode.REVERSAL_NOT_REVERSIBLE, "冲正记录不能再被冲正")
        if LedgerEntry.objects.filter(reverses_id=entry_id).exists():
            raise EntryRejected(
                CreditsErrorCode.ENTRY_ALREADY_REVERSED, "该记录已被冲正，不能重复冲正"
            )
        subjects = list(
            LedgerSubjectHours.objects.filter(entry_id=entry_id).values_list("subject", "hours")
        )
        reversal = _Prepared(
            person_id=person_id,
            title=original.title,
            start_date=original.start_date,
            date=original.date,  # same date, so the pair cancels in the same year
            hours=-Decimal(original.hours),
            days=-Decimal(original.days),
            training_type=original.training_type,
            mode=original.mode,
            result=original.result,
            score=None,
            source_type=SourceType.REVERSAL,
            source_ref=f"reversal:{entry_id}",
            reason=reason,
            evidence="",
            subjects=sorted((code, -Decimal(h)) for code, h in subjects),
            reverses_id=entry_id,
        )
        batch = [reversal] + ([prepared_replacement] if prepared_replacement else [])
        written = _write(batch, actor=actor)
        rev_entry = written[0][0]
        assert rev_entry is not None  # noqa: S101 - the reverses check above makes it new
        _audit_entry(
            actor, rev_entry, "credit.entry_reverse", {"reverses": entry_id, "reason": reason}
        )
        new_data = None
        if prepared_replacement is not None:
            new_entry, old_id = written[1]
            if new_entry is None:
                assert old_id is not None  # noqa: S101
                new_data = entry_data(old_id, created=False)
            else:
                _audit_entry(actor, new_entry, "credit.entry_record", {"replaces": entry_id})
                new_data = to_data(new_entry, dict(prepared_replacement.subjects))
    return to_data(rev_entry, dict(reversal.subjects)), new_data


# --- external study claims (ZZ-T2(3)) ------------------------------------------------------

EVIDENCE_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".ofd")
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def require_ledger_writer(actor: Any) -> None:
    """People pages and endpoints that write or correct entries are for personnel staff."""
    if not actor_scope(actor).has(*PERSONNEL_ROLES):
        raise PermissionDenied("只有组织人事部门或公务员主管部门可以登记或冲正培训记录")


def _claim_entry_input(claim: ExternalClaim) -> EntryInput:
    kind = "学历学位教育" if claim.degree_study else "外部培训"
    return EntryInput(
        person_id=claim.person_id,
        title=claim.title,
        date=claim.date,
        start_date=claim.start_date,
        training_type=claim.training_type,
        mode=claim.mode,
        hours=claim.hours,
        days=claim.days,
        subject_hours={k: Decimal(v) for k, v in (claim.subject_hours or {}).items()},
        source_type=SourceType.EXTERNAL_CLAIM,
        source_ref=f"claim:{claim.pk}",
        evidence=(claim.evidence.name or "") if claim.evidence else "",
        reason=f"{kind}申报",
    )


def claim_submit(
    *, actor: Any, data: ClaimInput, evidence: UploadedFile | None = None
) -> ExternalClaim:
    """A learner (for themselves) or personnel staff (for someone in scope) claims external
    training or degree study with evidence; the unit approves it later."""
    person = people_api.access_person(actor, data.person_id)  # NotFound when out of scope
    # Validate now as the entry would be, so approval cannot fail on the amounts.
    probe = EntryInput(
        person_id=person.id,
        title=data.title,
        date=data.date,
        start_date=data.start_date,
        training_type=data.training_type,
        mode=data.mode,
        hours=data.hours,
        days=data.days,
        subject_hours=data.subject_hours,
        source_type=SourceType.EXTERNAL_CLAIM,
        source_ref="claim:new",
    )
    prepared = _prepare(probe, None)
    if data.date > clock.today():
        raise EntryRejected(
            CreditsErrorCode.INVALID_ENTRY, "结束日期不能晚于今天：只能申报已完成的学习"
        )
    if evidence is not None:
        name = (evidence.name or "").lower()
        if not name.endswith(EVIDENCE_SUFFIXES):
            raise EntryRejected(
                CreditsErrorCode.EVIDENCE_INVALID,
                "证明材料应为 PDF、图片（JPG/PNG）、Word 或 OFD 文件",
            )
        if (evidence.size or 0) > EVIDENCE_MAX_BYTES:
            raise EntryRejected(CreditsErrorCode.EVIDENCE_INVALID, "证明材料不能超过 10 MB")
    with transaction.atomic():
        claim = ExternalClaim(
            person_id=person.id,
            title=prepared.title,
            training_type=prepared.training_type,
            mode=prepared.mode,
            start_date=prepared.start_date,
            date=prepared.date,
            hours=data.hours if data.hours is None else prepared.hours,
            days=data.days if data.days is None else prepared.days,
            subject_hours={code: str(h) for code, h in prepared.subjects},
            degree_study=data.degree_study,
            description=(data.description or "").strip()[:2000],
            status=ClaimStatus.PENDING,
            submitted_by_id=getattr(actor, "pk", None),
            submitted_at=clock.now(),
        )
        if evidence is not None:
            claim.evidence.save(evidence.name or "evidence", evidence, save=False)
        claim.save()
        audit_record(
            actor=actor,
            action="credit.claim_submit",
            object_type="credits.ExternalClaim",
            object_id=claim.pk,
            object_label=f"{person.name} {claim.title}",
            org_path=person.unit_path,
            changes={"hours": str(prepared.hours), "degree_study": data.degree_study},
        )
    return claim


def claim_decide(*, actor: Any, claim_id: int, approve: bool, comment: str = "") -> ExternalClaim:
    """Unit HR (or a bureau above it) approves — writing the ledger entry — or rejects."""
    require_ledger_writer(actor)
    comment = (comment or "").strip()
    if not approve and not comment:
        raise EntryRejected(CreditsErrorCode.REASON_REQUIRED, "驳回申报必须填写意见")
    with transaction.atomic():
        claim = (
            ExternalClaim.objects.select_for_update()
            .filter(pk=claim_id, person_id__in=people_api.person_ids_in_scope(actor))
            .first()
        )
        if claim is None:
            raise NotFound("申报不存在或不在您的管辖范围内")
        person = people_api.person_data(claim.person_id)
        if person.user_id is not None and person.user_id == getattr(actor, "pk", None):
            raise PermissionDenied("不能审核本人的申报")
        if claim.status != ClaimStatus.PENDING:
            raise EntryRejected(CreditsErrorCode.CLAIM_NOT_PENDING, "该申报已审核，不能重复审核")
        if approve:
            entry = credit_entry_record_input(actor=actor, entry=_claim_entry_input(claim))
            claim.entry_id = entry.id
        claim.status = ClaimStatus.APPROVED if approve else ClaimStatus.REJECTED
        claim.decided_by_id = getattr(actor, "pk", None)
        claim.decided_at = clock.now()
        claim.comment = comment[:300]
        claim.save(update_fields=["status", "decided_by_id", "decided_at", "comment", "entry"])
        audit_record(
            actor=actor,
            action="credit.claim_approve" if approve else "credit.claim_reject",
            object_type="credits.ExternalClaim",
            object_id=claim.pk,
            object_label=f"{person.name} {claim.title}",
            org_path=person.unit_path,
            changes={"status": claim.status, "comment": comment, "entry_id": claim.entry_id},
        )
    return claim
