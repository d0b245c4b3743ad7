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
class ImportProblem:
    row: int
    message: str
