"""The ledger entry's field schema, declared once and versioned (issue #9 item 3, ADR 0007):
the canonical form an entry's hash covers, its SQL twin, the write columns and the columns
verification reads are all generated from `versions.VERSIONS`."""

from civtrain.credits.ledger.schema import (
    DATE,
    INT,
    MOMENT,
    MONEY,
    SQL_SUBJECT_PAIRS,
    TEXT,
    Field,
    Kind,
    Schema,
    iso_date,
    iso_moment,
    money,
)
from civtrain.credits.ledger.versions import V1, V2, VERSIONS, current, stored_columns

__all__ = [
    "DATE",
    "INT",
    "MOMENT",
    "MONEY",
    "SQL_SUBJECT_PAIRS",
    "TEXT",
    "V1",
    "V2",
    "VERSIONS",
    "Field",
    "Kind",
    "Schema",
    "current",
    "iso_date",
    "iso_moment",
    "money",
    "stored_columns",
]
