"""Eight processes writing for the same people at once lose nothing and fork no chain."""

import datetime as dt
import multiprocessing
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Max

from civtrain import testing
from civtrain.credits.api import (
    EntryInput,
    ItemStatus,
    credit_entries_bulk_record,
    ledger_changes_waiting,
)
from civtrain.credits.integrity import ledger_verify
from civtrain.credits.models import LedgerEntry
from civtrain.credits.services import _writer_processes
from civtrain.credits.tests.concurrency_worker import write

WORKERS = 8
PER_WORKER = 40


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises all writers (IMMEDIATE transactions); row locks need PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_eight_processes_lose_nothing_and_break_no_chain(tree: Any) -> None:
    people = [testing.make_person(tree["U1"], f"并发{i}") for i in range(3)]
    ids = [p.id for p in people]
    db_name = connection.settings_dict["NAME"]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(WORKERS) as pool:
        created = pool.map(write, [(db_name, n, ids, PER_WORKER) for n in range(WORKERS)])
    shared_sources = len(range(0, PER_WORKER, 10))
    expected = WORKERS * PER_WORKER + shared_sources + WORKERS * len(ids)
    assert sum(created) == expected
    assert LedgerEntry.objects.count() == expected
    per_person = LedgerEntry.objects.values("person_id").annotate(n=Count("id"), top=Max("seq"))
    assert all(row["n"] == row["top"] for row in per_person)  # seq 1..n, no gaps, no forks
    report = ledger_verify()
    assert (report.ok, report.entries, report.chains) == (True, expected, 3), report.problems


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the bulk writer forks worker processes on PostgreSQL only (SQLite has one writer)",
)
@pytest.mark.django_db(transaction=True)
def test_a_bulk_write_split_over_processes_keeps_every_chain(
    tree: Any, actors: dict[str, Any], settings: Any
) -> None:
    settings.CIVTRAIN_LEDGER_PARALLEL_MIN = 10  # take the multi-process path with few rows
    people = [testing.make_person(tree["U1"], f"分批{i}") for i in range(5)]
    outsider = testing.make_person(tree["U2"], "外单位")

    entries = [
        EntryInput(
            person_id=people[i % 5].id,
            title=f"分批培训{i}",
            date=dt.date(2026, 3, 1 + i % 20),
            hours=Decimal(2),
            subject_hours={"law": Decimal(1)} if i % 3 == 0 else {},
            training_type="in_service",
            mode="online",
            source_type="online_course",
            source_ref=f"split:{i % 35}",  # inputs 35–39 repeat 0–4: same person, same source
        )
        for i in range(40)
    ]
    entries.append(replace(entries[0], person_id=outsider.id, source_ref="split:out"))
    entries.append(replace(entries[1], hours=None, source_ref="split:bad"))
    assert _writer_processes(len(entries)) == 2  # this machine and CI have 2 cores
    result = credit_entries_bulk_record(actor=actors["unit_hr"], entries=entries)
    by_status = Counter(item.status for item in result.items)
    assert (result.created, result.existing, result.failed) == (35, 5, 2)
    assert by_status == {ItemStatus.CREATED: 35, ItemStatus.EXISTING: 5, ItemStatus.ERROR: 2}
    assert [item.index for item in result.items] == list(range(42))
    assert [result.items[i].entry_id for i in range(35, 40)] == [
        result.items[i].entry_id for i in range(5)
    ]
    assert result.items[40].error_code == "not_found"
    assert result.items[41].status == ItemStatus.ERROR
    # Both processes recorded their people's changes in the outbox (ADR 0013), once each.
    assert ledger_changes_waiting() == sorted((p.id, 2026) for p in people)
    report = ledger_verify()
    assert (report.ok, report.entries, report.chains) == (True, 35, 5), report.problems
    ids = [item.entry_id for item in result.items[:40]]
    assert LedgerEntry.objects.filter(pk__in=ids).count() == 35
    again = credit_entries_bulk_record(actor=actors["unit_hr"], entries=entries[:40])
    assert (again.created, again.existing) == (0, 40)
    assert [item.entry_id for item in again.items] == ids
