"""Public types of enrolment: statuses, attendance marks, results as other apps read them."""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class EnrolmentStatus(StrEnum):
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    WITHDRAWN = "withdrawn"  # 退出: withdrawn before the class runs (or from its waitlist)
    DROPPED = "dropped"  # 退学: leave above 1/7 of the hours (NAT-6), or by the institution


ENROLMENT_STATUS_LABELS = {
    EnrolmentStatus.ENROLLED: "已录取",
    EnrolmentStatus.WAITLISTED: "候补",
    EnrolmentStatus.WITHDRAWN: "已退出",
    EnrolmentStatus.DROPPED: "退学",
}


class WithdrawalReason(StrEnum):
    """Who took a trainee off a class and why (#11 item 4): the trainee's own withdrawal is
    not the unit's, and neither is the institution's."""

    SELF = "self"  # the trainee asked (themself, or through their unit)
    UNIT = "unit"  # the unit recalled its nomination
    LEAVE_OVER_LIMIT = "leave_over_limit"  # NAT-6: leave above 1/7 of the class's hours
    ABSENCE = "absence"  # the institution: absence without leave (CQ-M3)
    DISCIPLINE = "discipline"  # the institution: a breach of the class's rules
    INSTITUTION = "institution"  # the institution, for a reason it states in the note


WITHDRAWAL_REASON_LABELS = {
    WithdrawalReason.SELF: "本人申请退出",
    WithdrawalReason.UNIT: "所在单位撤回推荐",
    WithdrawalReason.LEAVE_OVER_LIMIT: "请假超过总学时七分之一",
    WithdrawalReason.ABSENCE: "无故缺勤",
    WithdrawalReason.DISCIPLINE: "违反培训纪律",
    WithdrawalReason.INSTITUTION: "施教机构作退学处理",
}
# The reasons the institution gives when it takes a trainee off a running class (退学);
# LEAVE_OVER_LIMIT is recorded only by the NAT-6 check, never picked by hand.
INSTITUTION_REASONS = (
    WithdrawalReason.INSTITUTION,  # the default: a reason of its own, stated in the note
    WithdrawalReason.ABSENCE,
    WithdrawalReason.DISCIPLINE,
)
# What a trainee's unit (or the trainee) may give before the class runs.
UNIT_REASONS = (WithdrawalReason.SELF, WithdrawalReason.UNIT)


class MessageKind(StrEnum):
    ADMITTED = "admitted"  # admitted from the waitlist
    TRAINING_NOTICE = "training_notice"  # 调训通知


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    LEAVE = "leave"  # approved leave
    ABSENT = "absent"  # absence without leave (CQ-M3)


ATTENDANCE_LABELS = {
    AttendanceStatus.PRESENT: "出勤",
    AttendanceStatus.LEAVE: "请假",
    AttendanceStatus.ABSENT: "缺勤",
}


class AttendanceMethod(StrEnum):
    QR = "qr"
    REGISTER = "register"
    IMPORT = "import"
    LEAVE = "leave"  # written by an approved leave request
    AUTO = "auto"  # no mark at finalisation: recorded as absent


class LeaveStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


LEAVE_STATUS_LABELS = {
    LeaveStatus.PENDING: "待审批",
    LeaveStatus.APPROVED: "已批准",
    LeaveStatus.REJECTED: "未批准",
}


@dataclass(frozen=True)
class ResultInput:
    """One trainee's scores (0–100 each); None leaves a score as it is (CQ-O4)."""

    enrolment_id: int
    exam_score: Decimal | None = None
    conduct_attitude: Decimal | None = None
    conduct_participation: Decimal | None = None
    conduct_interaction: Decimal | None = None
    conduct_discipline: Decimal | None = None
    peer_score: Decimal | None = None


@dataclass(frozen=True)
class NominationOutcome:
    person_id: int
    enrolment_id: int
    status: EnrolmentStatus
    created: bool


@dataclass(frozen=True)
class NominationFilter:
    """Whom a batch nomination takes (#11 item 4): the active people of a unit's subtree
    that match every filter given (e.g. all law-enforcement staff of a unit)."""

    unit_id: int | None = None
    category: str = ""
    rank: str = ""
    leadership_level: str = ""
    grassroots: bool | None = None
    basic_post: bool | None = None
    law_enforcement: bool | None = None


@dataclass(frozen=True)
class ImportProblem:
    row: int
    message: str


@dataclass(frozen=True)
class TraineeResult:
    """One trainee's result in a class as the completion form (结业考试考核情况登记表) and the
    class certificate show it (ZZ-M3, issue #15)."""

    enrolment_id: int
    class_id: int
    person_id: int
    status: EnrolmentStatus
    status_reason: str
    sessions: int  # sessions of the class
    present: int  # sessions attended
    leave: int  # sessions on approved leave
    absent: int
    exam_score: Decimal | None
    conduct_attitude: Decimal | None
    conduct_participation: Decimal | None
    conduct_interaction: Decimal | None
    conduct_discipline: Decimal | None
    peer_score: Decimal | None
    total_score: Decimal | None
    passed: bool | None
