"""Public types of the credit ledger: the single source of truth for hours (ARCHITECTURE §2)."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any


class SourceType(StrEnum):
    CLASS = "class"  # a training class's final result
    ONLINE_COURSE = "online_course"
    EXAM = "exam"
    EXTERNAL_CLAIM = "external_claim"  # approved external or degree study (ZZ-T2(3))
    HISTORICAL_IMPORT = "historical_import"
    MANUAL = "manual"
    INTEGRATION = "integration"  # posted by another system through the bulk endpoint
    REVERSAL = "reversal"  # cancels one earlier entry (CQ-M3: corrections are new entries)


SOURCE_LABELS = {
    SourceType.CLASS: "培训班",
    SourceType.ONLINE_COURSE: "网络课程",
    SourceType.EXAM: "考试",
    SourceType.EXTERNAL_CLAIM: "外部学习申报",
    SourceType.HISTORICAL_IMPORT: "历史记录导入",
    SourceType.MANUAL: "手工登记",
    SourceType.INTEGRATION: "外部系统推送",
    SourceType.REVERSAL: "冲正",
}


class Result(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NONE = ""  # no assessment recorded


RESULT_LABELS = {Result.PASSED: "合格", Result.FAILED: "不合格", Result.NONE: ""}


def recorded(hours: Any, days: Any, derived: str) -> tuple[Any, Any]:
    """(hours, days) an entry recorded, None for what it did not (REQUIREMENTS §8, issue #10
    item 6): a version-1 entry stores both, one of them marked as converted when written."""
    return (None if derived == "hours" else hours, None if derived == "days" else days)


def converted(
    hours: Decimal | None, days: Decimal | None, hours_per_day: Decimal | float | None
) -> tuple[Decimal | None, Decimal | None]:
    """What an entry did not record, converted with a set's 学时-per-day (PR-2) for display;
    None where it was recorded or no per-day figure is known. Engines convert sums, not this."""
    if hours_per_day is None:
        return None, None
    per_day, cent = Decimal(str(hours_per_day)), Decimal("0.01")
    return (
        (days * per_day).quantize(cent, ROUND_HALF_UP) if hours is None and days else None,
        (hours / per_day).quantize(cent, ROUND_HALF_UP) if days is None and hours else None,
    )


@dataclass(frozen=True)
class EntryInput:
    """One entry to write: hours, days or both, as recorded. The ledger keeps what it was
    given; the rule set evaluating the entry converts the other (REQUIREMENTS §8, PR-2).

    (person_id, source_type, source_ref) identifies the source record: writing it twice
    returns the first entry and writes nothing.
    """

    person_id: int
    title: str
    date: dt.date  # end (completion) date; its year is the year the entry counts in
    training_type: str  # catalogue.data.TrainingType
    mode: str  # catalogue.data.DeliveryMode
    source_type: str  # SourceType
    source_ref: str
    hours: Decimal | None = None
    days: Decimal | None = None
    subject_hours: Mapping[str, Decimal] = field(default_factory=dict)  # subject code → hours
    result: str = ""  # Result
    score: Decimal | None = None
    start_date: dt.date | None = None
    evidence: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Correction:
    """What a correction changes (CQ-M3: the corrected entry is a new entry written with the
    reversal of the original). The amounts are the correction's own: give hours, days or both,
    and the missing one is converted, never copied from the original. Every other field left
    None keeps the original's; the source defaults to (manual, "correction:<original id>")
    and the reason to the reversal's. `person_id`, when given, must be the original's."""

    hours: Decimal | None = None
    days: Decimal | None = None
    person_id: int | None = None
    title: str | None = None
    date: dt.date | None = None
    start_date: dt.date | None = None
    training_type: str | None = None
    mode: str | None = None
    subject_hours: Mapping[str, Decimal] | None = None
    result: str | None = None
    score: Decimal | None = None
    source_type: str | None = None
    source_ref: str | None = None
    evidence: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class EntryData:
    id: int
    person_id: int
    seq: int
    title: str
    start_date: dt.date | None
    date: dt.date
    year: int
    hours: Decimal | None  # as recorded; None: not recorded (the rule set converts days)
    days: Decimal | None
    training_type: str
    mode: str
    subject_hours: Mapping[str, Decimal]
    result: str
    score: Decimal | None
    source_type: str
    source_ref: str
    reverses_id: int | None
    reason: str
    evidence: str
    recorded_by_id: int | None
    recorded_at: dt.datetime
    hash: str
    created: bool = True  # False when the source had been written before (idempotent call)


class ItemStatus(StrEnum):
    CREATED = "created"
    EXISTING = "existing"  # the same source was written before: nothing written
    ERROR = "error"


@dataclass(frozen=True)
class BulkItemResult:
    index: int  # position in the submitted sequence, from 0
    status: ItemStatus
    entry_id: int | None = None
    error_code: str = ""
    error_message: str = ""


@dataclass(frozen=True)
class BulkResult:
    created: int
    existing: int
    failed: int
    items: tuple[BulkItemResult, ...]

    @property
    def errors(self) -> tuple[BulkItemResult, ...]:
        return tuple(i for i in self.items if i.status == ItemStatus.ERROR)


class ProblemKind(StrEnum):
    EDITED = "edited"  # contents no longer match the entry's hash
    DELETED = "deleted"  # a gap in seq, a broken link, or fewer entries than the checkpoint
    INSERTED = "inserted"  # an entry that does not belong in the chain
    CHECKPOINT = "checkpoint"  # the checkpoint itself is forged or damaged


PROBLEM_LABELS = {
    ProblemKind.EDITED: "记录被篡改",
    ProblemKind.DELETED: "记录被删除",
    ProblemKind.INSERTED: "记录被插入",
    ProblemKind.CHECKPOINT: "检查点异常",
}


@dataclass(frozen=True)
class LedgerProblem:
    kind: ProblemKind
    message: str  # a sentence naming the person and the entry
    person_id: int | None = None
    person_label: str = ""  # name and masked ID number
    entry_id: int | None = None
    seq: int | None = None
    entry_date: dt.date | None = None
    entry_title: str = ""


@dataclass(frozen=True)
class VerificationReport:
    entries: int
    chains: int
    checkpoint_id: int | None
    checkpoint_valid: bool | None  # None when no checkpoint exists yet
    problems: tuple[LedgerProblem, ...]
    seconds: float
    # The window no signature covers yet (issue 8 item 15): when the latest checkpoint was
    # signed, and how many of the verified entries were written after it.
    checkpoint_at: dt.datetime | None = None
    uncovered: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


class ClaimStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


CLAIM_STATUS_LABELS = {
    ClaimStatus.PENDING: "待审核",
    ClaimStatus.APPROVED: "已批准",
    ClaimStatus.REJECTED: "已驳回",
}


@dataclass(frozen=True)
class ClaimInput:
    """An external study claim (ZZ-T2(3)): outside training or degree study, with evidence."""

    person_id: int
    title: str
    training_type: str
    mode: str
    date: dt.date
    start_date: dt.date | None = None
    hours: Decimal | None = None
    days: Decimal | None = None
    subject_hours: Mapping[str, Decimal] = field(default_factory=dict)
    degree_study: bool = False
    description: str = ""
