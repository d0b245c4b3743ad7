"""Public types of class evaluation (CQ-M4): dimensions, scales and the figures other apps read."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Dimension(StrEnum):
    """What a class evaluation asks about (CQ-M4: plan, content, teachers, management)."""

    PLAN = "plan"  # 培训方案
    CONTENT = "content"  # 培训内容
    TEACHER = "teacher"  # 授课教师: one question per session and its teacher
    ORGANISATION = "organisation"  # 组织管理
    LOGISTICS = "logistics"  # 后勤保障
    OVERALL = "overall"  # 总体评价


DIMENSION_LABELS = {
    Dimension.PLAN: "培训方案",
    Dimension.CONTENT: "培训内容",
    Dimension.TEACHER: "授课教师",
    Dimension.ORGANISATION: "组织管理",
    Dimension.LOGISTICS: "后勤保障",
    Dimension.OVERALL: "总体评价",
}

SCALES = (5, 10)
DEFAULT_TEMPLATE_NAME = "培训班评估表（标准）"
# Figures of a form are shown, and its answers counted in any score, only once this many
# trainees have answered: fewer would let a reader guess one person's marks (ADR 0021).
MIN_RESPONSES = 3
# Days a form stays open after the class's last day (reminders run while it is open).
ANSWER_DAYS = 14


def percent(score: Decimal | float | None, scale: int) -> Decimal | None:
    """A mean on a 1–`scale` scale as a figure out of 100 (4 of 5 → 80): 5- and 10-point
    forms compare on one axis."""
    if score is None:
        return None
    return (Decimal(str(score)) * 100 / scale).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class ScoreRow:
    """A mean (0–100) over `answers` answers from `forms` class evaluations."""

    key: int | str
    label: str
    mean: Decimal | None
    answers: int
    forms: int


@dataclass(frozen=True)
class RatingPoint:
    """One year of a teacher's or an institution's rating history."""

    year: int
    mean: Decimal | None
    answers: int


@dataclass(frozen=True)
class TaughtSession:
    """A session a teacher taught in a class that was evaluated, with its rating (CQ-B2)."""

    date: dt.date
    class_id: int
    class_title: str
    label: str
    subject: str
    mean: Decimal | None  # out of 100; None until the form has MIN_RESPONSES answers
    answers: int


@dataclass(frozen=True)
class InstitutionYear:
    """An institution's year (CQ-B1): classes held and evaluated, trainees, and its score."""

    year: int
    classes: int
    trainees: int
    mean: Decimal | None
    answers: int
