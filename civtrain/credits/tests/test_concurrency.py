"""Eight processes writing for the same people at once lose nothing and fork no chain."""

import multiprocessing
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Max

from civtrain import testing
from civtrain.credits.integrity import ledger_verify
from civtrain.credits.models import LedgerEntry
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
