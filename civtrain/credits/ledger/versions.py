"""The versions of the ledger entry's field schema: the one declaration of what a hash covers.

To add a hashed field: add the column to LedgerEntry (a migration; nullable or with a default,
since old rows keep their version), declare a new Schema with the next version number here
and register it in VERSIONS. Writers then write the highest version; every entry keeps the
version it was written under (LedgerEntry.schema_version) and is verified under it, so the
chains written before still verify (ADR 0007, issue #9 item 3; test_ledger_schema shows it).
"""

from civtrain.credits.ledger.schema import DATE, INT, MOMENT, MONEY, TEXT, Field, Schema

V1 = Schema(
    1,
    (
        Field("person_id", INT),
        Field("seq", INT),
        Field("title", TEXT),
        Field("start_date", DATE, null=True),
        Field("date", DATE),  # end (completion) date
        Field("year", INT),
        Field("hours", MONEY),
        Field("days", MONEY),
        Field("training_type", TEXT),
        Field("mode", TEXT),
        Field("result", TEXT),
        Field("score", MONEY, null=True),
        Field("source_type", TEXT),
        Field("source_ref", TEXT),
        Field("reverses_id", INT, null=True),
        Field("reason", TEXT),
        Field("evidence", TEXT),
        Field("recorded_by_id", INT, null=True),
        Field("recorded_at", MOMENT),
    ),
)

# Every version an entry may have been written under; writers use the highest.
VERSIONS: dict[int, Schema] = {1: V1}


def current() -> Schema:
    """The version new entries are written under."""
    return VERSIONS[max(VERSIONS)]


def stored_columns() -> tuple[str, ...]:
    """Every column some version hashes, in first-declared order (verification on SQLite
    reads them all and picks each entry's own)."""
    seen: dict[str, None] = {}
    for version in sorted(VERSIONS):
        seen.update(dict.fromkeys(VERSIONS[version].columns))
    return tuple(seen)
