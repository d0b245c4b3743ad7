"""The chain writer: chain a batch of prepared entries onto their people's hash chains and
insert them, inside the caller's transaction.

Every entry extends its person's chain under a lock on the person's chain-head row, so two
writers for the same person queue instead of forking the chain (CQ-M3, ADR 0007). The same
transaction records the outbox rows (ADR 0013) and, in the embedded default, a checkpoint.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.credits import chain, integrity, ledger, outbox
from civtrain.credits.models import LedgerChainHead, LedgerEntry, LedgerSubjectHours
from civtrain.credits.services.entries import Prepared

COPY_THRESHOLD = 50  # below this, plain INSERTs beat COPY's set-up on PostgreSQL


@dataclass
class Head:
    person_id: int
    seq: int
    hash: str


def lock_heads(person_ids: Sequence[int]) -> dict[int, Head]:
    """Create missing chain heads and lock all of them, in person order (no deadlocks).

    On SQLite the IMMEDIATE transaction already holds the database's write lock."""
    ids = sorted(set(person_ids))
    table = LedgerChainHead._meta.db_table
    heads: dict[int, Head] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (person_id, seq, hash) "
                "SELECT unnest(%s::bigint[]), 0, %s ON CONFLICT DO NOTHING",
                [ids, chain.GENESIS],
            )
            cursor.execute(
                f"SELECT person_id, seq, hash FROM {table} "  # nosec B608  # noqa: S608
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
                    f"SELECT person_id, seq, hash FROM {table} "  # nosec B608  # noqa: S608
                    f"WHERE person_id IN ({', '.join(['%s'] * len(part))})",
                    part,
                )
                rows += cursor.fetchall()
    for pid, seq, digest in rows:
        heads[pid] = Head(pid, seq, digest)
    return heads


class Row:
    """A new entry: its field values in its schema's column order, and its chain link;
    lighter than a model instance for bulk writes. Fields read as attributes (entry.title)."""

    __slots__ = ("algorithm", "hash", "pk", "prev_hash", "schema", "values")

    def __init__(
        self,
        schema: ledger.Schema,
        values: tuple,
        prev_hash: str,
        digest: str,
        algorithm: str = chain.SHA256,
    ) -> None:
        self.schema, self.values, self.prev_hash, self.hash = schema, values, prev_hash, digest
        self.algorithm = algorithm
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
        return [
            self.pk,
            self.schema.version,
            self.algorithm,
            *self.values,
            self.prev_hash,
            self.hash,
        ]


def _entry_columns(schema: ledger.Schema) -> tuple[str, ...]:
    """The columns a writer inserts for an entry of this schema version."""
    return ("id", "schema_version", "chain_algorithm", *schema.columns, "prev_hash", "hash")


def _save_heads(heads: Iterable[Head]) -> None:
    integrity.heads_update(
        [(h.person_id, h.seq, h.hash) for h in heads], seq_column="seq", hash_column="hash"
    )


def _chain_entry(
    p: Prepared,
    head: Head,
    *,
    actor_id: int | None,
    at: dt.datetime,
    schema: ledger.Schema,
    algorithm: str = chain.SHA256,
) -> Row:
    """The next entry of the person's chain, hashed under the current schema version with
    the suite's chain algorithm (SHA-256, or SM3 under gm: #17 item 5)."""
    p.seq, p.recorded_by_id, p.recorded_at = head.seq + 1, actor_id, at
    values = schema.values(p)
    digest = chain.entry_hash(head.hash, schema.content(values, p.subjects), algorithm)
    entry = Row(schema, values, head.hash, digest, algorithm)
    head.seq, head.hash = p.seq, digest
    return entry


def write(
    prepared: Sequence[Prepared], *, actor: Actor, sign_after_commit: bool = True
) -> list[tuple[Row | None, int | None]]:
    """Chain and insert a batch inside the caller's transaction.

    Returns per item (new entry, None) or (None, id of the entry already written for the
    same source). `sign_after_commit=False`: the caller (a bulk write) asks for the
    checkpoint itself, once, at its end (issue 8 item 15)."""
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    at = clock.now()
    schema = ledger.current()
    algorithm = chain.algorithm()
    heads = lock_heads([p.person_id for p in prepared])
    # Looked up after the lock, so a racing writer of the same source is seen here.
    existing = _existing_sources([p for p in prepared if heads[p.person_id].seq > 0])
    out: list[tuple[Row | None, int | None]] = []
    new: list[tuple[Row, Prepared]] = []
    pending: dict[tuple[int, str, str], Row] = {}
    changed: dict[int, Head] = {}
    for p in prepared:
        key = (p.person_id, p.source_type, p.source_ref)
        if key in existing:
            out.append((None, existing[key]))
            continue
        if key in pending:  # the same source twice in one batch: the first one counts
            out.append((pending[key], None))
            continue
        head = heads[p.person_id]
        entry = _chain_entry(p, head, actor_id=actor_id, at=at, schema=schema, algorithm=algorithm)
        changed[p.person_id] = head
        pending[key] = entry
        new.append((entry, p))
        out.append((entry, None))
    if new:
        _insert(new)
        _save_heads(changed.values())
        outbox.changes_record((e.person_id, e.year) for e, _ in new)
        if sign_after_commit:
            integrity.checkpoint_after_write()  # issue 8 item 15 (embedded default)
    return out


def _existing_sources(prepared: Sequence[Prepared]) -> dict[tuple[int, str, str], int]:
    """(person, source type, source ref) → id of the entry already written for it."""
    if not prepared:
        return {}
    if connection.vendor == "postgresql":
        table = LedgerEntry._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT e.person_id, e.source_type, e.source_ref, e.id FROM {table} e "  # nosec B608  # noqa: S608
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
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # nosec B608  # noqa: S608 - fixed name
    top = cursor.fetchone()[0]
    cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = %s", [table])
    top = max(top, cursor.fetchone()[0])
    return list(range(top + 1, top + 1 + n))


def _insert(new: Sequence[tuple[Row, Prepared]]) -> None:
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
            f"INSERT INTO {e_table} ({columns}) VALUES ({marks})",  # nosec B608  # noqa: S608
            entries,
        )
        if subjects:
            cursor.executemany(
                f"INSERT INTO {s_table} ({', '.join(_SUBJECT_COLUMNS)}) "  # nosec B608  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s)",
                subjects,
            )


def _adapt_for_sqlite(
    schema: ledger.Schema, entries: list[list[Any]], subjects: list[list[Any]]
) -> None:
    adapters = schema.sqlite_adapters(offset=3)  # after id, schema_version, chain_algorithm
    for row in entries:
        for position, adapt in adapters:
            if row[position] is not None:
                row[position] = adapt(row[position])
    for row in subjects:
        row[4] = str(row[4])
