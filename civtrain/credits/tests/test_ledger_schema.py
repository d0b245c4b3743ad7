"""A hashed field added in a new schema version (issue #9 item 3, ADR 0007): the chains
written under version 2 still verify, new entries are written and verified under version 3
(declared in tests/schema_v2.py), and tampering is found under both. (Version 1 → 2 is the
real transition of issue #10 item 6: test_recorded_migration.)"""

import datetime as dt
from decimal import Decimal
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.db import connection

from civtrain.credits import api as credits
from civtrain.credits import ledger
from civtrain.credits.data import EntryInput, ProblemKind
from civtrain.credits.integrity import ledger_verify
from civtrain.credits.models import LedgerEntry
from civtrain.credits.services.writer import COPY_THRESHOLD
from civtrain.credits.tests import schema_v2


def write(hr: Any, person_id: int, ref: str) -> credits.EntryData:
    return credits.credit_entry_record(
        actor=hr,
        person_id=person_id,
        title=f"培训{ref}",
        date=dt.date(2026, 4, 1),
        hours=Decimal(6),
        subject_hours={"law": Decimal(2)},
        training_type="in_service",
        mode="off_the_job",
        source_type="manual",
        source_ref=ref,
    )


def versions() -> dict[int, int]:
    return dict(LedgerEntry.objects.values_list("id", "schema_version"))


def notes() -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, note FROM credits_ledgerentry")
        return dict(cursor.fetchall())


def sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_old_chains_still_verify_and_new_entries_use_the_new_version(
    hr: Any, people: dict, monkeypatch: Any
) -> None:
    zhang, li = people["zhang"].id, people["li"].id
    old = [write(hr, zhang, "v1:a"), write(hr, zhang, "v1:b"), write(hr, li, "v1:c")]
    assert ledger.current() is ledger.V2

    schema_v2.install(monkeypatch)
    new = write(hr, zhang, "v2:a")
    # Enough entries for the COPY path on PostgreSQL (plain INSERTs below it).
    bulk = credits.credit_entries_bulk_record(
        actor=hr,
        entries=[
            EntryInput(
                person_id=li,
                title=f"批量{i}",
                date=dt.date(2026, 5, 1),
                hours=Decimal(1),
                training_type="in_service",
                mode="online",
                source_type="online_course",
                source_ref=f"v2:bulk:{i}",
            )
            for i in range(COPY_THRESHOLD + 10)
        ],
    )
    assert bulk.created == COPY_THRESHOLD + 10

    stored = versions()
    assert {stored[e.id] for e in old} == {2}
    assert {stored[e.id] for e in [new]} | {stored[i.entry_id] for i in bulk.items} == {3}
    # Zhang's chain runs on from its version-2 entries into version 3.
    assert (new.seq, LedgerEntry.objects.get(pk=new.id).prev_hash) == (3, old[1].hash)
    # The new field is stored for version 3 only; the rows before keep the column's default.
    assert {notes()[e.id] for e in old} == {""}
    assert notes()[new.id] == "注" + schema_v2.AWKWARD

    report = ledger_verify()
    assert (report.ok, report.entries, report.chains) == (True, 4 + COPY_THRESHOLD + 10, 2)
    out = StringIO()
    call_command("verify_ledger", stdout=out)  # raises CommandError on any problem
    assert "4" in out.getvalue()


def test_tampering_is_found_under_both_versions(hr: Any, people: dict, monkeypatch: Any) -> None:
    zhang, li = people["zhang"].id, people["li"].id
    old = [write(hr, zhang, f"v1:{i}") for i in range(3)] + [write(hr, li, "v1:li")]
    schema_v2.install(monkeypatch)
    new = [write(hr, zhang, f"v2:{i}") for i in range(3)] + [write(hr, li, "v2:li")]
    assert ledger_verify().ok

    sql("UPDATE credits_ledgerentry SET title = %s WHERE id = %s", ["改", old[0].id])
    sql("UPDATE credits_ledgerentry SET note = %s WHERE id = %s", ["改", new[0].id])
    # Claiming another version changes the bytes the hash is checked against.
    sql("UPDATE credits_ledgerentry SET schema_version = 1 WHERE id = %s", [new[1].id])
    sql("UPDATE credits_ledgerentry SET schema_version = 3 WHERE id = %s", [old[1].id])
    sql("UPDATE credits_ledgerentry SET schema_version = 9 WHERE id = %s", [new[3].id])
    sql("UPDATE credits_ledgersubjecthours SET hours = 5 WHERE entry_id = %s", [new[2].id])
    # From version 2 on the mark of a converted value is hashed (issue #10 item 6): marking
    # recorded hours as converted, so that the engine would ignore them, is an edit.
    sql("UPDATE credits_ledgerentry SET derived = 'hours' WHERE id = %s", [old[2].id])

    report = ledger_verify()
    tampered = [old[0], new[0], new[1], old[1], new[3], new[2], old[2]]
    assert sorted((p.kind, p.entry_id) for p in report.problems) == sorted(
        (ProblemKind.EDITED, e.id) for e in tampered
    )
    untouched = {old[3].id}
    assert not untouched & {p.entry_id for p in report.problems}
