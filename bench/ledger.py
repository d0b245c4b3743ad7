"""Credit-ledger throughput (issue 3 "must show"): writes single and bulk, the records import
command, verification.

Each run makes a bench city with one unit and size/20 people (20 entries each, every other
entry with 法治 hours), and removes all it made afterwards with plain SQL (ledger rows are
append-only inside the app; the bench cleans up its own). Baselines, measured in the same
run on the same rows: plain `LedgerEntry.objects.create` with the hashes already computed
(single), one plain `bulk_create` of the entries and their subject rows (bulk, and the
records import), and a plain streaming SELECT of the same entry and subject rows
(verification).
"""

import datetime as dt
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction

from bench import Measurement, benchmark, timer
from bench.roster import _server_cpu, _server_pid
from civtrain.accounts.api import SYSTEM
from civtrain.catalogue.data import DEFAULT_SUBJECTS, TRAINING_TYPE_LABELS, TrainingType
from civtrain.core import crypto, tabular
from civtrain.core.audit_chain import audit_purge_declare
from civtrain.core.models import AuditEvent
from civtrain.core.tabular import write_table
from civtrain.credits import imports, integrity, ledger, services
from civtrain.credits.api import EntryInput, credit_entries_bulk_record, credit_entry_record
from civtrain.credits.imports import RECORD_HEADERS
from civtrain.credits.integrity import ledger_verify
from civtrain.credits.models import (
    LedgerChainHead,
    LedgerCheckpoint,
    LedgerCheckpointHead,
    LedgerEntry,
    LedgerSubjectHours,
)
from civtrain.organisations.api import OrgKind, org_by_codes, org_create
from civtrain.people.data import id_check_digit, mask_id_number
from civtrain.people.models import ID_CONTEXT, Person

PREFIX = "BENCH-L"
REGION = "990102"  # no real region: bench people never collide with real ID numbers
PER_PERSON = 20
LEDGER_MODELS = (LedgerEntry, LedgerSubjectHours, LedgerChainHead)  # cleared by _clear_ledger


def _progress(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _id_number(i: int) -> str:
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=i % 14000)
    first17 = f"{REGION}{birth:%Y%m%d}{i // 14000:03d}"
    return first17 + id_check_digit(first17)


def _people(unit_id: int, n: int) -> list[int]:
    rows = []
    for i in range(n):
        id_number = _id_number(i)
        rows.append(
            Person(
                name=f"账本{i}",
                id_number_enc=crypto.encrypt(id_number, context=ID_CONTEXT),
                id_number_hash=crypto.lookup_hash(id_number, context=ID_CONTEXT),
                id_number_masked=mask_id_number(id_number),
                gender="M",
                unit_id=unit_id,
            )
        )
    with transaction.atomic():
        created = Person.objects.bulk_create(rows, batch_size=2000)
    return [p.pk for p in created]


def _inputs(person_ids: list[int], size: int, tag: str) -> list[EntryInput]:
    out = []
    for i in range(size):
        pid = person_ids[i % len(person_ids)]
        out.append(
            EntryInput(
                person_id=pid,
                title=f"基准培训{i}",
                date=dt.date(2026, 1 + i % 12, 1 + i % 28),
                hours=Decimal(1 + i % 8),
                subject_hours={"law": Decimal(1)} if i % 2 else {},
                training_type="in_service",
                mode="online",
                source_type="online_course",
                source_ref=f"{tag}:{i}",
            )
        )
    return out


def _clear_ledger(person_ids: list[int]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(person_ids), 900):
            part = person_ids[start : start + 900]
            marks = ",".join(["%s"] * len(part))
            for table in (
                "credits_ledgersubjecthours",
                "credits_ledgerentry",
                "credits_ledgerchainhead",
            ):
                cursor.execute(f"DELETE FROM {table} WHERE person_id IN ({marks})", part)


def _tables_referencing_people() -> list[tuple[str, str]]:
    """(table, column) of every foreign key to Person outside the ledger tables."""
    return [
        (model._meta.db_table, f.column or f.attname)
        for model in apps.get_models()
        if model not in LEDGER_MODELS
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model is Person
    ]


@contextmanager
def _bench_people(size: int) -> Iterator[list[int]]:
    org_create(actor=SYSTEM, code=PREFIX, name="账本基准市", kind=OrgKind.CITY)
    org_create(
        actor=SYSTEM, code=f"{PREFIX}-U", name="账本基准单位", kind=OrgKind.UNIT, parent_code=PREFIX
    )
    nodes = {c: n.id for c, n in org_by_codes([PREFIX, f"{PREFIX}-U"]).items()}
    first_audit = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    last_checkpoint = (
        LedgerCheckpoint.objects.order_by("-id").values_list("id", flat=True).first() or 0
    )
    person_ids = _people(nodes[f"{PREFIX}-U"], max(10, size // PER_PERSON))
    try:
        yield person_ids
    finally:
        _clear_ledger(person_ids)
        # The checkpoints signed during the run (after each write, ADR 0007) cover the bench
        # people's chains, which are gone now: left behind, they would make the next
        # verification report those chains missing. A bench runs on a quiet database, so
        # they cover nothing else.
        with transaction.atomic(), connection.cursor() as cursor:
            for model, column in (
                (LedgerCheckpointHead, "checkpoint_id"),
                (LedgerCheckpoint, "id"),
            ):
                table = model._meta.db_table
                cursor.execute(f"DELETE FROM {table} WHERE {column} > %s", [last_checkpoint])
        with transaction.atomic(), connection.cursor() as cursor:
            # Whatever other apps keep per person (compliance snapshots and stale marks made
            # after the writes), found through the models' foreign keys to Person.
            unit = [nodes[f"{PREFIX}-U"]]
            for table, column in _tables_referencing_people():
                cursor.execute(
                    f"DELETE FROM {table} WHERE {column} IN "
                    "(SELECT id FROM people_person WHERE unit_id = %s)",
                    unit,
                )
            cursor.execute("DELETE FROM people_person WHERE unit_id = %s", unit)
            audit_purge_declare(cursor)
            cursor.execute("DELETE FROM core_auditevent WHERE id > %s", [first_audit])
            cursor.execute(
                "DELETE FROM organisations_orgnode WHERE id = %s", [nodes[f"{PREFIX}-U"]]
            )
            cursor.execute("DELETE FROM organisations_orgnode WHERE id = %s", [nodes[PREFIX]])


def _snapshot(person_ids: list[int]) -> tuple[list[LedgerEntry], dict[int, list[tuple]]]:
    """The written rows, detached (no pk), with their subject rows keyed by old entry id."""
    entries = list(LedgerEntry.objects.filter(person_id__in=person_ids).order_by("id"))
    subjects: dict[int, list[tuple]] = {}
    for eid, pid, year, code, hours in LedgerSubjectHours.objects.filter(
        person_id__in=person_ids
    ).values_list("entry_id", "person_id", "year", "subject", "hours"):
        subjects.setdefault(eid, []).append((pid, year, code, hours))
    return entries, subjects


def _detach(entries: list[LedgerEntry]) -> list[tuple[int, LedgerEntry]]:
    out = []
    for e in entries:
        old = e.pk
        e.pk = None
        e.id = None
        e._state.adding = True
        out.append((old, e))
    return out


def _baseline_bulk_create(person_ids: list[int]) -> float:
    """Seconds to write the rows just written for these people again with one plain
    bulk_create (entries, then subject rows), in one transaction."""
    entries, subjects = _snapshot(person_ids)
    _clear_ledger(person_ids)
    detached = _detach(entries)
    with timer() as elapsed, transaction.atomic():
        LedgerEntry.objects.bulk_create([e for _, e in detached], batch_size=1000)
        LedgerSubjectHours.objects.bulk_create(
            [
                LedgerSubjectHours(entry_id=e.pk, person_id=p, year=y, subject=c, hours=h)
                for old, e in detached
                for p, y, c, h in subjects.get(old, [])
            ],
            batch_size=2000,
        )
    return elapsed()


@benchmark(
    "ledger_write_single",
    default_size=5_000,
    description="credit_entry_record one at a time (chain lock, hash, audit) entries/s",
)
def ledger_write_single(size: int) -> Measurement:
    with _bench_people(size) as person_ids:
        inputs = _inputs(person_ids, size, "single")
        _progress(f"{size} single writes …")
        with timer() as elapsed:
            for inp in inputs:
                credit_entry_record(
                    actor=SYSTEM,
                    person_id=inp.person_id,
                    title=inp.title,
                    date=inp.date,
                    hours=inp.hours,
                    subject_hours=inp.subject_hours,
                    training_type=inp.training_type,
                    mode=inp.mode,
                    source_type=inp.source_type,
                    source_ref=inp.source_ref,
                )
        seconds = elapsed()
        entries, subjects = _snapshot(person_ids)
        _clear_ledger(person_ids)
        _progress(f"service {seconds:.1f} s; baseline …")
        with timer() as elapsed:
            for old, e in _detach(entries):
                with transaction.atomic():
                    e.save()
                    for pid, year, code, hours in subjects.get(old, []):
                        LedgerSubjectHours.objects.create(
                            entry=e, person_id=pid, year=year, subject=code, hours=hours
                        )
        base = elapsed()
    return Measurement(
        value=size / seconds,
        unit="entries/s",
        baseline=size / base,
        target="(no target; single writes are interactive)",
    )


@benchmark(
    "ledger_write_bulk",
    default_size=100_000,
    description="credit_entries_bulk_record (validate, lock, hash, insert) entries/s",
)
def ledger_write_bulk(size: int) -> Measurement:
    with _bench_people(size) as person_ids:
        inputs = _inputs(person_ids, size, "bulk")
        _progress(f"bulk write of {size} …")
        with timer() as elapsed:
            result = credit_entries_bulk_record(actor=SYSTEM, entries=inputs)
        seconds = elapsed()
        assert result.created == size and result.failed == 0, result.errors[:3]
        _progress(f"service {seconds:.1f} s; baseline bulk_create …")
        base = _baseline_bulk_create(person_ids)
    return Measurement(
        value=size / seconds,
        unit="entries/s",
        baseline=size / base,
        target=">= 20000 entries/s on postgresql",
    )


@benchmark(
    "ledger_verify",
    default_size=100_000,
    description="verify-ledger: recompute every chain and the checkpoint, entries/s",
)
def ledger_verify_bench(size: int) -> Measurement:
    with _bench_people(size) as person_ids:
        _progress(f"writing {size} entries …")
        credit_entries_bulk_record(actor=SYSTEM, entries=_inputs(person_ids, size, "verify"))
        _progress("verifying …")
        report = ledger_verify()
        assert report.ok, report.problems[:3]
        entries = report.entries
        with timer() as elapsed:
            n = 0
            for _ in (
                LedgerEntry.objects.order_by("person_id", "seq")
                .values_list("id", *ledger.current().columns, "prev_hash", "hash")
                .iterator(chunk_size=10000)
            ):
                n += 1
            for _ in (
                LedgerSubjectHours.objects.order_by("person_id", "entry_id")
                .values_list("person_id", "entry_id", "subject", "hours")
                .iterator(chunk_size=10000)
            ):
                pass
        base = elapsed()
        assert n == entries
    return Measurement(
        value=entries / report.seconds,
        unit="entries/s",
        baseline=entries / base,
        target=">= 100000 entries/s on postgresql",
    )


def _record_rows(size: int, people: int) -> Iterator[list[object]]:
    """Rows of a historical-records file as an operator would send it: Chinese labels,
    hours only (days converted), 法治 hours on every other row."""
    in_service = TRAINING_TYPE_LABELS[TrainingType.IN_SERVICE]
    law = dict(DEFAULT_SUBJECTS)["law"]
    for i in range(size):
        yield [
            _id_number(i % people),
            f"基准培训{i}",
            in_service,
            "网络培训",
            None,
            dt.date(2025, 1 + i % 12, 1 + i % 28),
            None,
            1 + i % 8,
            f"{law}:1" if i % 2 else "",
            "",
            None,
        ]


@contextmanager
def _timed(module: Any, name: str, into: list[float]) -> Iterator[None]:
    """Time every call of module.name (a phase inside the command) into `into`."""
    real: Callable[..., Any] = getattr(module, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            into.append(time.perf_counter() - started)

    setattr(module, name, timed)
    try:
        yield
    finally:
        setattr(module, name, real)


# The phases of the command timed separately: module and function called through it.
_IMPORT_PHASES: dict[str, tuple[Any, str]] = {
    "read": (tabular, "read_table"),
    "validation": (imports, "validate_records"),
    "ledger write": (services, "credit_entries_bulk_record"),
    "checkpoint after commit": (integrity, "ledger_checkpoint_create"),
}


@benchmark(
    "records_import",
    default_size=100_000,
    description="civtrain import-records FILE.xlsx (read, validate, ledger write, audit) rows/s",
)
def records_import_bench(size: int) -> Measurement:
    """The bulk ledger write as production takes it (issue #9 item 4): through the command,
    one transaction for the whole file (all or nothing), so one process."""
    with _bench_people(size) as person_ids, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "records.xlsx"
        _progress(f"generating a {size}-row records file …")
        path.write_bytes(
            write_table(RECORD_HEADERS, _record_rows(size, len(person_ids)), fmt="xlsx")
        )
        _progress("civtrain import-records …")
        phases: dict[str, list[float]] = {name: [] for name in _IMPORT_PHASES}
        server = _server_pid()
        server_cpu = _server_cpu(server)
        cpu = time.process_time()
        with ExitStack() as probes:
            for name, (module, function) in _IMPORT_PHASES.items():
                probes.enter_context(_timed(module, function, phases[name]))
            with timer() as elapsed:
                call_command(
                    "import_records", str(path), stdout=io.StringIO(), stderr=io.StringIO()
                )
        seconds = elapsed()
        cpu = time.process_time() - cpu
        server_cpu = _server_cpu(server) - server_cpu
        written = LedgerEntry.objects.filter(person_id__in=person_ids).count()
        assert written == size, f"{written} of {size} rows written"
        split = ", ".join(f"{name} {sum(times):.1f} s" for name, times in phases.items())
        _progress(
            f"import: {seconds:.1f} s wall ({split}; the ledger write "
            f"{size / sum(phases['ledger write']):,.0f} entries/s), {cpu:.1f} s CPU in this "
            f"process, {server_cpu:.1f} s in the database backend, load average "
            f"{os.getloadavg()[0]:.1f}; baseline bulk_create …"
        )
        base = _baseline_bulk_create(person_ids)
        _progress(f"baseline bulk_create: {base:.1f} s")
    return Measurement(
        value=size / seconds,
        unit="rows/s",
        baseline=size / base,
        target="(the path production takes; ADR 0012)",
    )
