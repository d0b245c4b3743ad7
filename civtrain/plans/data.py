"""Public types of annual training plans (ZZ-O1)."""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from civtrain.surveys.data import SubjectDemand, SurveyFindings


class PlanStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # 已报送, waiting for the bureau
    RETURNED = "returned"  # 退回修改, with the bureau's reasons
    FILED = "filed"  # 已备案


PLAN_STATUS_LABELS = {
    PlanStatus.DRAFT: "草稿",
    PlanStatus.SUBMITTED: "已报送",
    PlanStatus.RETURNED: "已退回",
    PlanStatus.FILED: "已备案",
}
NO_PLAN = "none"  # a unit with no plan at all for the year
NO_PLAN_LABEL = "未编制"

# ZZ-O1: units file their annual plan with the city bureau by 27 June, unless the city sets
# another date for the year.
DEFAULT_DEADLINE = (6, 27)


def default_deadline(year: int) -> dt.date:
    return dt.date(year, *DEFAULT_DEADLINE)


class ReviewAction(StrEnum):
    SUBMIT = "submit"
    RETURN = "return"
    FILE = "file"


@dataclass(frozen=True)
class OverdueUnit:
    """A unit that has not filed its plan for the year by the deadline."""

    org_id: int
    code: str
    name: str
    status: str  # a PlanStatus value, or NO_PLAN
    deadline: dt.date


@dataclass(frozen=True)
class TargetCheck:
    """A ZZ-T2 target against the classes a plan holds for it."""

    clause: str
    title: str
    subject: str
    required: int
    planned: int

    @property
    def met(self) -> bool:
        return self.planned >= self.required


@dataclass(frozen=True)
class PlanFindings:
    """The needs survey a plan answers (CQ-M1), from the plan's own subtree: each subject
    asked for with the number of planned classes that answer it."""

    survey: SurveyFindings
    rows: tuple[tuple[SubjectDemand, int], ...]


class SelfCheckKind(StrEnum):
    """ZZ-O2, CQ-O1: a unit's yearly self-check; a programme period's mid-term check and
    final evaluation (per unit, district and city)."""

    ANNUAL = "annual"
    MIDTERM = "midterm"
    FINAL = "final"


SELF_CHECK_KIND_LABELS = {
    SelfCheckKind.ANNUAL: "年度自查",
    SelfCheckKind.MIDTERM: "中期检查",
    SelfCheckKind.FINAL: "终期评估",
}


class SelfCheckStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"  # 已审核
    RETURNED = "returned"


SELF_CHECK_STATUS_LABELS = {
    SelfCheckStatus.DRAFT: "草稿",
    SelfCheckStatus.SUBMITTED: "已报送",
    SelfCheckStatus.ACCEPTED: "已审核",
    SelfCheckStatus.RETURNED: "已退回",
}

# A unit's self-check of a year is due by 31 January of the next year.
SELF_CHECK_DUE = (1, 31)


def self_check_due(year: int) -> dt.date:
    return dt.date(year + 1, *SELF_CHECK_DUE)


@dataclass(frozen=True)
class YearFigures:
    """A node's figures of one year, from the platform (pre-filled in a self-check)."""

    year: int
    plan_status: str  # a PlanStatus value, or NO_PLAN
    planned_classes: int
    delivered_classes: int  # planned classes linked to the real class that delivers them
    people_trained: int  # people with credit hours recorded in the year
    hours: float  # credit hours recorded in the year
