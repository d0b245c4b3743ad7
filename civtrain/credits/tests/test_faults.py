"""kill -9 during a records import (#17 "must show": faults): the ledger entries written and
chained before the kill were inside the import's transaction and are gone with it, the
chains verify, and the rerun writes every entry once (civtrain.core.tests.faults)."""

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from civtrain import testing
from civtrain.core.models import AuditEvent
from civtrain.core.tabular import write_table
from civtrain.core.tests.faults import kill_when_paused, paused_progress, run_to_the_end, start
from civtrain.credits.imports import RECORD_HEADERS
from civtrain.credits.integrity import ledger_verify
from civtrain.credits.management.commands import import_records
from civtrain.credits.models import LedgerEntry

pytestmark = pytest.mark.django_db(transaction=True)
HOOK = "civtrain.credits.tests.test_faults:import_records_paused"


def import_records_paused(path: str, pause_at: int) -> None:
    """In the worker process: `civtrain import-records FILE`, pausing once the entries are
    written and chained, before the import's transaction commits."""
    real = import_records.records_import

    def records_import(source: Any, *, progress: Any = None, **kwargs: Any) -> Any:
        return real(source, progress=paused_progress(progress, pause_at), **kwargs)

    import_records.records_import = records_import  # type: ignore[assignment]
    call_command("import_records", path, verbosity=0)


def test_kill_9_during_a_records_import_leaves_the_ledger_whole(tree: Any, tmp_path: Path) -> None:
    numbers = [testing.make_id_number(serial=300 + n) for n in range(20)]
    people = [
        testing.make_person(tree["U1"], f"记录{n}", id_number=number)
        for n, number in enumerate(numbers)
    ]
    rows = [
        [
            number,
            f"专题培训班第{k}期",
            "专门业务培训",
            "脱产",
            f"2019-{1 + k:02d}-01",
            f"2019-{1 + k:02d}-05",
            "8",
            "",
            "",
            "合格",
            "",
        ]
        for number in numbers
        for k in range(10)
    ]
    path = tmp_path / "records.xlsx"
    path.write_bytes(write_table(RECORD_HEADERS, rows, fmt="xlsx"))
    entries_before = LedgerEntry.objects.count()

    kill_when_paused(start(HOOK, str(path), 1))

    assert LedgerEntry.objects.count() == entries_before
    assert ledger_verify().ok
    assert not AuditEvent.objects.filter(action="credit.records_import").exists()

    run_to_the_end(HOOK, str(path))
    assert LedgerEntry.objects.filter(person_id__in=[p.id for p in people]).count() == len(rows)
    report = ledger_verify()
    assert report.ok, report.problems
    assert AuditEvent.objects.filter(action="credit.records_import").count() == 1
