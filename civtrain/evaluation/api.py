"""Public interface of class evaluation for other apps (faculty and institution pages through
the site shell, the plans app, demo data)."""

from civtrain.evaluation import selectors, services
from civtrain.evaluation.data import (
    DIMENSION_LABELS,
    MIN_RESPONSES,
    Dimension,
    RatingPoint,
    ScoreRow,
)

__all__ = [
    "DIMENSION_LABELS",
    "MIN_RESPONSES",
    "Dimension",
    "RatingPoint",
    "ScoreRow",
    "evaluation_answer",
    "evaluations_open_due",
    "institution_rating_history",
    "teacher_rating_history",
]

evaluation_answer = services.evaluation_answer
evaluations_open_due = services.evaluations_open_due


def teacher_rating_history(teacher_id: int) -> list[RatingPoint]:
    """The teacher's rating (out of 100) year by year, from the anonymous answers about
    their sessions (CQ-B2: the pool rated by results)."""
    return selectors.history(selectors.teacher_answers(teacher_id))


def institution_rating_history(institution_id: int) -> list[RatingPoint]:
    """The institution's evaluation score year by year (CQ-B1)."""
    return selectors.history(selectors.institution_answers(institution_id))
