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

# Version 2 (issue #10 item 6, REQUIREMENTS §8 "Hours and days are converted when a rule is
# evaluated"): an entry keeps what was recorded — hours, days or both — so either may be null,
# and `derived` (always "" in version 2: nothing is derived at write time) is hashed too, so
# that marking a version-2 value as derived is found like any other edit. Version 1 entries
# carry both values, one of them possibly converted when written; the data migration marks
# which in their (unhashed) `derived` column (ADR 0007, credits migration 0009).
V2 = Schema(
    2,
    (
        *(
            Field(f.name, f.kind, null=True) if f.name in ("hours", "days") else f
            for f in V1.fields
        ),
        Field("derived", TEXT),
    ),
)

# Every version an entry may have been written under; writers use the highest.
VERSIONS: dict[int, Schema] = {1: V1, 2: V2}


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
