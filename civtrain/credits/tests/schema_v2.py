"""The next version of the ledger's field schema, declared for the tests only (issue #9 item
3): the current version and one more hashed field, `note`, whose value (the default a writer
stores while its input does not carry the field) holds every character the canonical form
must escape exactly as Python's json encoder does. (Version 2, issue #10 item 6, is real:
hours and days as recorded; this one is version 3.)"""

from typing import Any

from django.db import connection

from civtrain.credits import ledger

AWKWARD = 'q"b\\s\t\r\x08\x0c\x01\x1f\x7f\u2028 ✓ 𠀀'
NEXT = ledger.Schema(
    ledger.V2.version + 1,
    (*ledger.V2.fields, ledger.Field("note", ledger.TEXT, default="注" + AWKWARD)),
)


def install(monkeypatch: Any) -> ledger.Schema:
    """What a release adding `note` does: the column (existing rows get '' — they keep
    their version, which does not hash it), then NEXT registered as the current one.
    Both are undone with the test (its transaction, monkeypatch)."""
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:  # no ALTER TABLE while the test's deferred foreign-key checks are pending
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "ALTER TABLE credits_ledgerentry ADD COLUMN note varchar(100) NOT NULL DEFAULT ''"
        )
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    monkeypatch.setitem(ledger.VERSIONS, NEXT.version, NEXT)
    assert ledger.current() is NEXT
    return NEXT


def only_v1(monkeypatch: Any) -> None:
    """The writer as it was before version 2: entries written under version 1 (both hours
    and days required), undone with the test."""
    for version in [v for v in ledger.VERSIONS if v > 1]:
        monkeypatch.delitem(ledger.VERSIONS, version)
    assert ledger.current() is ledger.V1


def stored_entries() -> list[tuple[int, int, str, str, tuple, list[tuple[str, Any]]]]:
    """(id, version, prev_hash, hash, values under its version, subject pairs) of every
    entry, read with raw SQL as the database holds them (the ORM does not know `note`)."""
    columns = ledger.stored_columns()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, schema_version, prev_hash, hash, {', '.join(columns)} "
            "FROM credits_ledgerentry ORDER BY id"
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT entry_id, subject, hours FROM credits_ledgersubjecthours")
        subjects: dict[int, list[tuple[str, Any]]] = {}
        for entry_id, code, hours in cursor.fetchall():
            subjects.setdefault(entry_id, []).append((code, hours))
    out = []
    for row in rows:
        by_name = dict(zip(columns, row[4:], strict=True))
        schema = ledger.VERSIONS[row[1]]
        values = tuple(by_name[c] for c in schema.columns)
        out.append((row[0], row[1], row[2], row[3], values, subjects.get(row[0], [])))
    return out
