"""Public types of training classes: status machine, exam forms, the class as others see it."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class ClassStatus(StrEnum):
    PLANNED = "planned"
    OPEN = "open"  # open for nomination
    RUNNING = "running"
    RESULTS_FINAL = "results_final"
    ARCHIVED = "archived"


CLASS_STATUS_LABELS = {
    ClassStatus.PLANNED: "计划中",
    ClassStatus.OPEN: "报名中",
    ClassStatus.RUNNING: "进行中",
    ClassStatus.RESULTS_FINAL: "成绩已确认",
    ClassStatus.ARCHIVED: "已归档",
}

# The only moves the services allow; results_final is reached through the results service,
# which also feeds results back to units and writes the ledger (ZZ-M2).
TRANSITIONS: dict[ClassStatus, tuple[ClassStatus, ...]] = {
    ClassStatus.PLANNED: (ClassStatus.OPEN,),
    ClassStatus.OPEN: (ClassStatus.RUNNING, ClassStatus.PLANNED),
    ClassStatus.RUNNING: (ClassStatus.RESULTS_FINAL,),
    ClassStatus.RESULTS_FINAL: (ClassStatus.ARCHIVED,),
    ClassStatus.ARCHIVED: (),
}


class ExamForm(StrEnum):
    """ZZ-M1: every class ends with an exam or an assessment."""

    OPEN_BOOK = "open_book"  # 开卷
    CLOSED_BOOK = "closed_book"  # 闭卷
    ASSESSMENT = "assessment"  # 考核


EXAM_FORM_LABELS = {
    ExamForm.OPEN_BOOK: "开卷",
    ExamForm.CLOSED_BOOK: "闭卷",
    ExamForm.ASSESSMENT: "考核",
}


@dataclass(frozen=True)
class SessionData:
    id: int
    class_id: int
    date: dt.date
    start_time: dt.time
    end_time: dt.time
    place: str
    topic: str
    subject: str
    teacher_id: int | None
    hours: Decimal


@dataclass(frozen=True)
class ClassData:
    id: int
    code: str
    title: str
    training_type: str
    mode: str
    status: ClassStatus
    organiser_id: int
    organiser_path: str
    institution_id: int
    start_date: dt.date
    end_date: dt.date
    days: Decimal
    total_hours: Decimal
    subject_hours: dict[str, Decimal]
    capacity: int
    pass_mark: Decimal
    exam_form: ExamForm
    self_registration: bool
    external: bool
    weight_exam: Decimal
    weight_conduct: Decimal
    weight_peer: Decimal


@dataclass(frozen=True)
class ClassInput:
    """What an organiser or institution fills in for a class (CQ-T4a: hours per subject)."""

    code: str
    title: str
    training_type: str
    mode: str
    organiser_id: int
    institution_id: int
    start_date: dt.date
    end_date: dt.date
    days: Decimal
    total_hours: Decimal
    capacity: int
    subject_hours: dict[str, Decimal]
    pass_mark: Decimal = Decimal(60)
    exam_form: ExamForm = ExamForm.CLOSED_BOOK
    weight_exam: Decimal = Decimal("0.60")
    weight_conduct: Decimal = Decimal("0.20")
    weight_peer: Decimal = Decimal("0.20")
    audience: str = ""
    external: bool = False
    self_registration: bool = False


@dataclass(frozen=True)
class SessionInput:
    date: dt.date
    start_time: dt.time
    end_time: dt.time
    topic: str
    hours: Decimal
    place: str = ""
    subject: str = ""
    teacher_id: int | None = None
