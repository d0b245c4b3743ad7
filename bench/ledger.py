"""Credit-ledger throughput (issue 3 "must show"): writes single and bulk, verification.

Each run makes a bench city with one unit and size/20 people (20 entries each, every other
entry with 法治 hours), and removes all it made afterwards with plain SQL (ledger rows are
append-only inside the app; the bench cleans up its own). Baselines, measured in the same
run on the same rows: plain `LedgerEntry.objects.create` with the hashes already computed
(single), one plain `bulk_create` of the entries and their subject rows (bulk), and a plain
streaming SELECT of the same entry and subject rows (verification).
"""

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.apps import apps
from django.db import connection, transaction

from bench import Measurement, benchmark, timer
from civtrain.accounts.api import SYSTEM
from civtrain.core import crypto
from civtrain.core.models import AuditEvent
from civtrain.credits import chain
from civtrain.credits.api import EntryInput, credit_entries_bulk_record, credit_entry_record
from civtrain.credits.integrity import ledger_verify
from civtrain.credits.models import LedgerChainHead, LedgerEntry, LedgerSubjectHours
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


def _people(unit_id: int, n: int) -> list[int]:
    rows = []
    for i in range(n):
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=i % 14000)
        first17 = f"{REGION}{birth:%Y%m%d}{i // 14000:03d}"
        id_number = first17 + id_check_digit(first17)
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
    person_ids = _people(nodes[f"{PREFIX}-U"], max(10, size // PER_PERSON))
    try:
        yield person_ids
    finally:
        _clear_ledger(person_ids)
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
        entries, subjects = _snapshot(person_ids)
        _clear_ledger(person_ids)
        detached = _detach(entries)
        _progress(f"service {seconds:.1f} s; baseline bulk_create …")
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
        base = elapsed()
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
                .values_list("id", *chain.CANONICAL_FIELDS, "prev_hash", "hash")
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
