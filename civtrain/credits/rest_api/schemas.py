"""Request and response shapes of the ledger API."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from civtrain.core.fields import Numeric6_2, Numeric7_2, Numeric8_2


class EntryIn(Schema):
    """One record. Identify the person by `person_id` or `id_number` (身份证号)."""

    person_id: int | None = None
    id_number: str | None = Field(None, max_length=18)
    title: str = Field(..., max_length=200)
    date: dt.date = Field(..., description="end (completion) date; decides the year")
    start_date: dt.date | None = None
    hours: Numeric8_2 | None = None
    days: Numeric7_2 | None = None
    training_type: str = Field(..., max_length=16, description="initial/appointment/…")
    mode: str = Field(..., max_length=16, description="off_the_job/online/…")
    subject_hours: dict[str, Numeric8_2] = Field(default_factory=dict)
    source_type: str = Field("integration", max_length=24)
    source_ref: str = Field(..., max_length=100, description="your record id: makes retries safe")
    result: str = Field("", max_length=8)
    score: Numeric6_2 | None = None
    evidence: str = Field("", max_length=300)
    reason: str = Field("", max_length=300)


class EntryOut(Schema):
    id: int
    person_id: int
    seq: int
    title: str
    start_date: dt.date | None
    date: dt.date
    year: int
    hours: Decimal | None = Field(..., description="学时 as recorded; null: only days were")
    days: Decimal | None = Field(..., description="days as recorded; null: only 学时 were")
    # REQUIREMENTS §8 (issue #10 item 6): the rule set evaluating an entry converts what it
    # did not record; the entries list shows what that is under the set governing its date.
    hours_per_day: Decimal | None = Field(
        default=None, description="学时 a day of the set governing the entry's date, if it converts"
    )
    converted_hours: Decimal | None = Field(default=None, description="days × hours_per_day")
    converted_days: Decimal | None = Field(default=None, description="hours ÷ hours_per_day")
    training_type: str
    mode: str
    subject_hours: dict[str, Decimal]
    result: str
    score: Decimal | None
    source_type: str
    source_ref: str
    reverses_id: int | None
    reversed_by_id: int | None = None
    reason: str
    evidence: str
    recorded_at: dt.datetime
    hash: str
    created: bool = True


class BulkIn(Schema):
    entries: list[EntryIn] = Field(..., max_length=10000)


class ItemError(Schema):
    code: str
    message: str


class BulkItemOut(Schema):
    index: int
    status: str  # created / existing / error
    entry_id: int | None = None
    error: ItemError | None = None


class BulkOut(Schema):
    created: int
    existing: int
    failed: int
    items: list[BulkItemOut]


class ReverseIn(Schema):
    reason: str = Field(..., max_length=300)
    replacement: EntryIn | None = Field(
        None,
        description="the corrected entry: hours and/or days as sent (the other converted); "
        "a field not sent keeps the original's; source_type defaults to manual",
    )


class ReverseOut(Schema):
    reversal: EntryOut
    replacement: EntryOut | None = None


class ClaimOut(Schema):
    id: int
    person_id: int
    title: str
    training_type: str
    mode: str
    start_date: dt.date | None
    date: dt.date
    hours: Decimal | None
    days: Decimal | None
    subject_hours: dict[str, Decimal]
    degree_study: bool
    description: str
    evidence_url: str | None
    status: str
    comment: str
    entry_id: int | None
    submitted_at: dt.datetime
    decided_at: dt.datetime | None


class DecisionIn(Schema):
    comment: str = Field("", max_length=300)
