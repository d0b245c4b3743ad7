"""Public types of the compliance engine: outcomes, consequences, unit summaries."""

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple


class OutcomeStatus(StrEnum):
    MET = "met"
    NOT_YET = "not_yet"
    MISSED = "missed"
    NOT_APPLICABLE = "not_applicable"


STATUS_LABELS = {
    OutcomeStatus.MET: "已完成",
    OutcomeStatus.NOT_YET: "未完成（未到期）",
    OutcomeStatus.MISSED: "未完成（已逾期）",
    OutcomeStatus.NOT_APPLICABLE: "不适用",
}

HOURS = "学时"
DAYS = "天"
TIMES = "次"
CREDITS = "学分"  # ZZ-M1 学分制: a set's study credits, not the ledger's 学时


class Consequence(StrEnum):
    """What a missed rule entails (ZZ-M4, CQ-M3, NAT-1)."""

    NO_EXCELLENT = "no_excellent"  # 年度考核不得评为优秀
    GRADE_DEFERRED = "grade_deferred"  # 年度考核暂缓定等，待完成培训后确定
    NO_APPOINTMENT_GRADING = "no_appointment_grading"  # 不能任职定级 (NAT-1)


CONSEQUENCE_LABELS = {
    Consequence.NO_EXCELLENT: "年度考核不得评为优秀",
    Consequence.GRADE_DEFERRED: "年度考核暂缓定等，完成培训后再确定",
    Consequence.NO_APPOINTMENT_GRADING: "不能任职定级",
}


def fmt_number(value: float) -> str:
    """62.5 → "62.5", 90.0 → "90", 3.3333 → "3.33"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class ComplianceOutcome(NamedTuple):
    """One rule's result for one person (or unit) and year.

    A NamedTuple rather than a frozen dataclass: the engine makes millions of these in a full
    evaluation and tuple construction is several times cheaper; it is just as immutable.
    """

    rule: str
    clause: str
    title: str
    required: float
    achieved: float
    unit: str  # 学时 / 天 / 次
    status: str  # OutcomeStatus value
    deadline: dt.date | None
    year: int
    what: str = ""  # what the gap is made of, e.g. "法治培训"; or why not applicable
    alternative: str = ""  # the either-or bound, e.g. "或 12 天"
    consequences: tuple[str, ...] = ()

    @property
    def gap(self) -> float:
        return max(0.0, round(self.required - self.achieved, 2))

    @property
    def explanation(self) -> str:
        deadline = self.deadline.isoformat() if self.deadline else ""
        got = f"{fmt_number(self.achieved)} / {fmt_number(self.required)} {self.unit}"
        alt = f"（{self.alternative}）" if self.alternative else ""
        if self.status == OutcomeStatus.MET:
            return f"已完成{self.title}：{got}"
        if self.status == OutcomeStatus.NOT_APPLICABLE:
            return self.what or "不适用"
        gap = f"{fmt_number(self.gap)} {self.unit}{self.what}{alt}"
        if self.status == OutcomeStatus.NOT_YET:
            return f"还差 {gap}，截止 {deadline}"
        return f"未按期完成{self.title}：截至 {deadline} 为 {got}，差 {gap}"

    def as_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "clause": self.clause,
            "title": self.title,
            "required": self.required,
            "achieved": round(self.achieved, 2),
            "unit": self.unit,
            "status": self.status,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "explanation": self.explanation,
            "year": self.year,
            "consequences": list(self.consequences),
        }


class AssessmentLinkage(NamedTuple):
    """Per person per year consequences of the outcomes (ZZ-M4, CQ-M3, NAT-1, NAT-8).

    NamedTuples here and below for the same reason as ComplianceOutcome: 10⁶ per run.
    """

    eligible_excellent: bool
    grade_deferred: bool
    appointment_blocked: bool
    complete: bool  # every requirement due this year met (or not due yet)
    missed: tuple[ComplianceOutcome, ...] = ()
    # Reasons that are not a rule's outcome, e.g. "脱产培训考核不合格：<title>" (CQ-M3):
    # the governing set's assessment.failed_training.reason.
    other_reasons: tuple[str, ...] = ()

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the consequences, in sentences (computed on demand: most callers never read
        them): the missed outcomes that entail one, then the failed training (§8)."""
        return tuple(o.explanation for o in self.missed if o.consequences) + self.other_reasons

    def as_json(self) -> dict[str, object]:
        return {
            "eligible_excellent": self.eligible_excellent,
            "grade_deferred": self.grade_deferred,
            "appointment_blocked": self.appointment_blocked,
            "complete": self.complete,
            "reasons": list(self.reasons),
        }


class CreditSummary(NamedTuple):
    """The study credits (学分) a person earned in the year under the governing set's credit
    system (ZZ-M1), shown beside the hours; credit minimums are outcomes of their own."""

    clause: str
    year: int
    earned: float

    def as_json(self) -> dict[str, object]:
        return {"clause": self.clause, "year": self.year, "earned": self.earned, "unit": CREDITS}


class PersonResult(NamedTuple):
    person_id: int
    name: str
    id_number_masked: str
    unit_id: int
    unit_code: str
    unit_path: str
    year: int
    as_of: dt.date
    ruleset: str  # "name@version", "" when no set is bound
    outcomes: tuple[ComplianceOutcome, ...]
    linkage: AssessmentLinkage
    credits: CreditSummary | None = None  # None: the governing set has no credit system

    @property
    def in_headcount(self) -> bool:
        """Part of the unit's headcount: someone every rule has stopped applying to (retired,
        left) is not, so the compliance pages count the unit's 在职 people as the people list
        and the org tree do (issue #11 item 8: one headcount per unit on every page)."""
        return not self.outcomes or any(
            o.status != OutcomeStatus.NOT_APPLICABLE for o in self.outcomes
        )

    @property
    def risk(self) -> int:
        """Sort key for HR pages: missed weighs most, then open gaps."""
        return sum(
            100 if o.status == OutcomeStatus.MISSED else 10
            for o in self.outcomes
            if o.status in (OutcomeStatus.MISSED, OutcomeStatus.NOT_YET)
        )

    def as_json(self) -> dict[str, object]:
        """The CLI/API shape: name, id_number_masked, unit_code, outcomes (issue 4 §6), and
        the consequences for the annual assessment (issue #10 item 13), and the year's study
        credits (学分, ZZ-M1; null where the governing set has no credit system; item 12)."""
        return {
            "name": self.name,
            "id_number_masked": self.id_number_masked,
            "unit_code": self.unit_code,
            "outcomes": [o.as_json() for o in self.outcomes],
            "linkage": self.linkage.as_json(),
            "credits": self.credits.as_json() if self.credits else None,
        }


@dataclass(frozen=True)
class UnitTarget:
    """A unit-level count the governing rule set asks of a node (ZZ-T2): at least
    `min_count` classes with hours in `subject` a year — what an annual plan is checked
    against while it is drafted (ZZ-O1)."""

    clause: str
    title: str
    subject: str
    min_count: int


@dataclass(frozen=True)
class UnitSummary:
    """Per unit and year: completion, unit rules and the 优秀 quota (NAT-8, ZZ-M4, CQ-M3)."""

    unit_id: int
    unit_code: str
    unit_name: str
    year: int
    headcount: int
    complete: int
    completion_rate: float
    unit_outcomes: tuple[ComplianceOutcome, ...]
    task_missed: bool
    quota_pct: float
    quota_max_pct: float
    quota_cut_pct: float
    excellent_quota: int
    reasons: tuple[str, ...] = field(default=())
