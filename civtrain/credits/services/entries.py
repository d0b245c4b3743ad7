"""Entry preparation: one input validated and its amounts rounded, ready to be chained by the
writer (services/writer.py). Raises EntryRejected naming the field. Hours and days are kept
as given — nothing is converted when an entry is written (REQUIREMENTS §8 "Hours and days are
converted when a rule is evaluated", PR-2, issue #10 item 6)."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from civtrain.catalogue.api import subject_names
from civtrain.catalogue.data import DeliveryMode, TrainingType
from civtrain.core.errors import ApplicationError
from civtrain.credits.data import EntryInput, Result, SourceType
from civtrain.credits.errors import CreditsErrorCode

CENT = Decimal("0.01")
MAX_HOURS = Decimal("99999.99")
MAX_DAYS = Decimal("9999.99")
MAX_HOURS_PER_DAY = Decimal(12)  # the most a rule set may declare (PR-2, ruleset.schema.json)
_TYPES = frozenset(t.value for t in TrainingType)
_MODES = frozenset(m.value for m in DeliveryMode)
_RESULTS = frozenset(r.value for r in Result)
_SOURCES = frozenset(s.value for s in SourceType) - {SourceType.REVERSAL.value}


class EntryRejected(ApplicationError):
    status = 422


def subject_codes() -> dict[str, str]:
    """Subject code → name: the catalogue's taxonomy, including what the city bureau added
    and deactivated subjects (old records name them) (issue 10 item 10)."""
    return subject_names(include_inactive=True)


def _amount(value: Any, label: str) -> Decimal:
    try:
        number = value if type(value) is Decimal else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise EntryRejected(CreditsErrorCode.INVALID_ENTRY, f"{label}“{value}”不是数字") from None
    if not number.is_finite():
        raise EntryRejected(CreditsErrorCode.INVALID_ENTRY, f"{label}“{value}”不是数字")
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Prepared:
    """A validated entry, ready to be chained."""

    person_id: int
    title: str
    start_date: dt.date | None
    date: dt.date
    hours: Decimal | None  # as recorded (REQUIREMENTS §8): the rule set converts the other
    days: Decimal | None
    training_type: str
    mode: str
    result: str
    score: Decimal | None
    source_type: str
    source_ref: str
    reason: str
    evidence: str
    subjects: list[tuple[str, Decimal]] = field(default_factory=list)
    reverses_id: int | None = None
    derived: str = ""  # hashed from version 2 on: nothing is converted when written
    # Set when the entry is chained (writer._chain_entry): the rest of what its schema hashes.
    seq: int = 0
    recorded_by_id: int | None = None
    recorded_at: dt.datetime | None = None

    @property
    def year(self) -> int:
        return self.date.year  # implements REQUIREMENTS §8: the year of the end date


def prepare(inp: EntryInput, taxonomy: Mapping[str, str] | None = None) -> Prepared:
    """Validate one input; raises EntryRejected. The entry keeps the hours and days it was
    given (REQUIREMENTS §8, issue #10 item 6). `taxonomy` is subject_codes(), read once by
    callers that prepare many entries."""

    def reject(message: str, code: str = CreditsErrorCode.INVALID_ENTRY) -> EntryRejected:
        return EntryRejected(code, message)

    title = (inp.title or "").strip()
    if not title or len(title) > 200:
        raise reject("培训名称不能为空，且不超过200个字")
    if not isinstance(inp.date, dt.date) or isinstance(inp.date, dt.datetime):
        raise reject("结束日期不是有效日期")
    if inp.start_date is not None and inp.start_date > inp.date:
        raise reject("开始日期晚于结束日期")
    if inp.training_type not in _TYPES:
        raise reject(f"培训类型“{inp.training_type}”无法识别")
    if inp.mode not in _MODES:
        raise reject(f"培训形式“{inp.mode}”无法识别")
    if inp.source_type not in _SOURCES:
        raise reject(f"来源类型“{inp.source_type}”无法识别")
    source_ref = (inp.source_ref or "").strip()
    if not source_ref or len(source_ref) > 100:
        raise reject("来源编号不能为空，且不超过100个字符")
    if inp.result not in _RESULTS:
        raise reject(f"考核结果“{inp.result}”无法识别")
    if inp.hours is None and inp.days is None:
        raise reject("学时和天数至少填写一项")
    hours = _amount(inp.hours, "学时") if inp.hours is not None else None
    days = _amount(inp.days, "天数") if inp.days is not None else None
    # A failed or withdrawn trainee who attended nothing still has a result to record
    # (REQUIREMENTS §8 "Failed training", ZZ-M4, CQ-M3): 0 only with result failed.
    least = Decimal(0) if inp.result == Result.FAILED else CENT
    if hours is not None and not least <= hours <= MAX_HOURS:
        raise reject("学时必须大于0（不超过99999.99）")
    if days is not None and not Decimal(0) <= days <= MAX_DAYS:
        raise reject("天数不能为负数（不超过9999.99）")
    if hours is None and days is not None and days < least:
        raise reject("只填写天数时，天数必须大于0")
    score = _amount(inp.score, "成绩") if inp.score is not None else None
    if score is not None and not Decimal(0) <= score <= Decimal(1000):
        raise reject("成绩应在0到1000之间")
    subjects: list[tuple[str, Decimal]] = []
    known = (subject_codes() if taxonomy is None else taxonomy) if inp.subject_hours else {}
    for code, value in (inp.subject_hours or {}).items():
        if code not in known:
            raise reject(f"科目“{code}”不在科目目录中", CreditsErrorCode.UNKNOWN_SUBJECT)
        amount = _amount(value, f"科目“{known[code]}”学时")
        if amount <= 0:
            raise reject(f"科目“{known[code]}”学时必须大于0")
        subjects.append((code, amount))
    subject_total = sum((h for _, h in subjects), Decimal(0))
    # Without recorded hours, the most any set's days can hold (ruleset.schema.json: ≤ 12
    # 学时 a day) bounds the subject hours.
    bound = hours if hours is not None else (days or Decimal(0)) * MAX_HOURS_PER_DAY
    if subject_total > bound:
        total = f"总学时 {hours}" if hours is not None else f"{days} 天最多可折合的 {bound} 学时"
        raise reject(
            f"科目学时合计 {subject_total} 超过了{total}", CreditsErrorCode.SUBJECT_HOURS_EXCEED
        )
    return Prepared(
        person_id=int(inp.person_id),
        title=title,
        start_date=inp.start_date,
        date=inp.date,
        hours=hours,
        days=days,
        training_type=inp.training_type,
        mode=inp.mode,
        result=inp.result,
        score=score,
        source_type=inp.source_type,
        source_ref=source_ref,
        reason=(inp.reason or "").strip()[:300],
        evidence=(inp.evidence or "").strip()[:300],
        subjects=sorted(subjects),
    )
