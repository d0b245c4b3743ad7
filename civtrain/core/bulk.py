"""Plain bulk inserts for the hot import paths: COPY on PostgreSQL, executemany on SQLite.

Django's bulk_create prepares every value of every row through the field machinery and,
for 10⁵ rows, spends most of an import there. These helpers take model instances whose
values are already final, reserve primary keys up front (so related rows can point at
them without a second UPDATE pass) and insert with one COPY or executemany per table.
No save(), no signals: callers are services that audit what they write.

`copy_in_background()` overlaps the database with Python: it yields a writer, and each
insert_rows call that is handed that writer runs its COPY on the writer's thread (same
connection, same transaction) while the caller builds the next batch. Only the inserts given
the writer go there (#9 item 7): nothing switches another caller's inserts over unseen.
"""

import json
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models, transaction

from civtrain.core import clock


class CopyWriter:
    """Runs queued COPY statements one after another on a thread, on the caller's psycopg
    connection. psycopg holds the connection's lock for a whole COPY, so a statement the
    caller runs meanwhile simply waits for the COPY in progress; waiting on the server
    releases the GIL, so the caller's Python work goes on while PostgreSQL inserts."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.jobs: queue.Queue[tuple[str, list[Sequence[Any]]] | None] = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.cancelled = False
        self.thread = threading.Thread(target=self._run, name="civtrain-copy", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            if self.error is not None or self.cancelled:
                continue  # keep draining so submit() never blocks forever
            sql, rows = job
            try:
                with self.raw.cursor() as cursor, cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            except BaseException as exc:  # handed to the caller in close()
                self.error = exc

    def submit(self, sql: str, rows: list[Sequence[Any]]) -> None:
        if self.error is not None:
            _reraise(self.error)
        self.jobs.put((sql, rows))

    def close(self, *, cancel: bool) -> BaseException | None:
        """Wait until every queued COPY ran (or, with cancel, was dropped)."""
        self.cancelled = cancel
        self.jobs.put(None)
        self.thread.join()
        return self.error


@contextmanager
def copy_in_background() -> Iterator[CopyWriter | None]:
    """On PostgreSQL, inside a transaction: a writer for the block. insert_rows(…,
    writer=it) queues its COPY for the writer's thread and returns at once; the block ends
    when every COPY is done, and re-raises the first one that failed. On a 2-core machine the
    server inserts batch k while Python encrypts and builds batch k + 1 (bench/roster.py).
    Elsewhere it yields None (insert_rows then writes at once). One per transaction; do not
    roll back to a savepoint taken inside the block: queued rows would not follow it."""
    if connection.vendor != "postgresql":
        yield None
        return
    if not connection.in_atomic_block:
        raise RuntimeError("copy_in_background needs a transaction")
    connection.ensure_connection()
    writer = CopyWriter(connection.connection)
    try:
        yield writer
    except BaseException as exc:
        # Stop before the caller's transaction rolls back: no COPY may run after it.
        error = writer.close(cancel=True)
        if error is not None and error is not exc:
            _reraise(error)  # the cause: the caller's error is what the aborted COPY led to
        raise
    error = writer.close(cancel=False)
    if error is not None:
        _reraise(error)


def _reraise(error: BaseException) -> None:
    """Raise the writer thread's error as Django's cursor would have (IntegrityError …)."""
    with connection.wrap_database_errors:
        raise error


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys for `model`, to be used in an insert in this transaction."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_ids needs a transaction (the write lock) on SQLite")
        # SQLite has one writer and Django opens transactions IMMEDIATE: inside this
        # transaction nobody else can take ids, so MAX(id) + 1 … is ours.
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # nosec B608  # noqa: S608 — a table name
        start = cursor.fetchone()[0] + 1
        if connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            seq = cursor.fetchone()
            if seq is not None and seq[0] >= start:
                start = seq[0] + 1  # AUTOINCREMENT never reuses the ids of deleted rows
    return list(range(start, start + count))


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    ops = connection.ops
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda v: None if v is None else json.dumps(v, cls=encoder)
    if connection.vendor == "postgresql":
        return None  # psycopg adapts dates, bytes and booleans itself
    if isinstance(field, models.DateTimeField):
        # Rows of one insert mostly share one timestamp (auto_now, the audit time).
        last: list[Any] = [object(), None]

        def adapt_datetime(v: Any) -> Any:
            if v is not last[0]:
                last[0], last[1] = v, ops.adapt_datetimefield_value(v)
            return last[1]

        return adapt_datetime
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.BinaryField):
        return lambda v: None if v is None else bytes(v)
    return None


def insert_objects(objs: Sequence[models.Model], *, chunk: int = 5000) -> int:
    """INSERT `objs` (one model, primary keys already set) as they are; auto_now(_add)
    fields get the current time. Returns the number of rows."""
    if not objs:
        return 0
    model = type(objs[0])
    fields = list(model._meta.concrete_fields)
    if objs[0].pk is None:  # ids left to the database (rows nobody points at, e.g. audit)
        fields = [f for f in fields if f is not model._meta.pk]
    now = clock.now()
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                setattr(obj, f.attname, now)
    attnames = [f.attname for f in fields]
    adapters = [(i, a) for i, a in enumerate(_adapter(f) for f in fields) if a is not None]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column or f.attname) for f in fields)

    def rows() -> Any:
        for obj in objs:
            row = [getattr(obj, a) for a in attnames]
            for i, adapt in adapters:
                row[i] = adapt(row[i])
            yield row

    # wrap_database_errors: a raw COPY raises what Django's cursor would (IntegrityError …).
    with transaction.atomic(), connection.wrap_database_errors, connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 — names only
            batch: list[list[Any]] = []
            for row in rows():
                batch.append(row)
                if len(batch) >= chunk:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return len(objs)


def insert_rows(
    model: type[models.Model],
    attnames: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    chunk: int = 5000,
    writer: CopyWriter | None = None,
) -> int:
    """INSERT plain value rows (in `attnames` order) into `model`'s table, no instances built.

    Other concrete fields get their default (a callable default is called per row) and
    auto_now(_add) fields the current time; the primary key is left to the database unless
    listed. Values must be final, as for insert_objects. Returns the number of rows.
    With a `writer` (copy_in_background) the COPY is queued on its thread; without one the
    rows are written before this returns.
    """
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    # The given columns first, in the caller's order, then the filled-in ones: each row is
    # the caller's row plus a constant tail (and per-row defaults), no per-cell loop.
    given = set(attnames)
    now = clock.now()
    fixed_fields: list[models.Field] = []
    fixed: list[Any] = []
    called_fields: list[models.Field] = []
    called: list[Callable[[], Any]] = []
    for f in meta.concrete_fields:
        if f.attname in given or f is meta.pk:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            fixed_fields.append(f)
            fixed.append(now)
        elif f.has_default() and callable(f.default):
            called_fields.append(f)
            called.append(f.get_default)
        else:
            fixed_fields.append(f)
            fixed.append(f.get_default())
    fields = [by_attname[name] for name in attnames] + fixed_fields + called_fields
    adapters = [(i, a) for i, a in enumerate(_adapter(f) for f in fields) if a is not None]
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column or f.attname) for f in fields)
    tail = tuple(fixed)

    def full_rows() -> Iterator[Sequence[Any]]:
        if not called and not adapters:
            for given_row in rows:
                yield (*given_row, *tail) if tail else given_row
            return
        for given_row in rows:
            row = [*given_row, *tail, *(make() for make in called)]
            for i, adapt in adapters:
                row[i] = adapt(row[i])
            yield row

    if writer is not None:
        # Built here, in the caller's thread (the caller may reuse what `rows` reads from).
        built = list(full_rows())
        if not built:
            return 0
        writer.submit(f"COPY {table} ({columns}) FROM STDIN", built)
        return len(built)
    count = 0
    with transaction.atomic(), connection.wrap_database_errors, connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in full_rows():
                    copy.write_row(row)
                    count += 1
        else:
            marks = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 — names only
            batch: list[Sequence[Any]] = []
            for row in full_rows():
                batch.append(row)
                if len(batch) >= chunk:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
    return count
