"""Public interface of class evaluation for other apps (faculty and institution pages through
the site shell, the plans app, demo data)."""

from civtrain.evaluation import selectors, services
from civtrain.evaluation.data import (
    DIMENSION_LABELS,
    MIN_RESPONSES,
    Dimension,
    InstitutionYear,
    RatingPoint,
    ScoreRow,
    TaughtSession,
)

__all__ = [
    "DIMENSION_LABELS",
    "MIN_RESPONSES",
    "Dimension",
    "InstitutionYear",
    "RatingPoint",
    "ScoreRow",
    "TaughtSession",
    "evaluation_answer",
    "evaluations_open_due",
    "institution_rating_history",
    "institution_years",
    "teacher_rating_history",
    "teacher_sessions",
]

# A teacher's sessions in evaluated classes with their ratings (CQ-B2, the teacher's page).
teacher_sessions = selectors.teacher_sessions
# An institution's classes, trainees and score year by year (CQ-B1, the institution's page).
institution_years = selectors.institution_years

evaluation_answer = services.evaluation_answer
evaluations_open_due = services.evaluations_open_due


def teacher_rating_history(teacher_id: int) -> list[RatingPoint]:
    """The teacher's rating (out of 100) year by year, from the anonymous answers about
    their sessions (CQ-B2: the pool rated by results)."""
    return selectors.history(selectors.teacher_answers(teacher_id))


def institution_rating_history(institution_id: int) -> list[RatingPoint]:
    """The institution's evaluation score year by year (CQ-B1)."""
    return selectors.history(selectors.institution_answers(institution_id))
