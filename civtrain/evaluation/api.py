"""Public interface of class evaluation for other apps (faculty and institution pages through
the site shell, the plans app, demo data)."""

from civtrain.evaluation import reports, selectors, services
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
    "evaluation_items",
    "evaluation_open",
    "evaluations_open_due",
    "evaluator_assign",
    "institution_rating_history",
    "institution_years",
    "report_draft",
    "report_save",
    "teacher_rating_history",
    "teacher_sessions",
]

# A teacher's sessions in evaluated classes with their ratings (CQ-B2, the teacher's page).
teacher_sessions = selectors.teacher_sessions
# An institution's classes, trainees and score year by year (CQ-B1, the institution's page).
institution_years = selectors.institution_years

evaluation_answer = services.evaluation_answer
evaluations_open_due = services.evaluations_open_due
# The writes the demo data goes through (#16: the loop shown on `make run`).
evaluation_open = services.evaluation_open
evaluator_assign = services.evaluator_assign
report_save = services.report_save


def evaluation_items(evaluation_id: int) -> list[tuple[int, str, int | None]]:
    """A form's questions in order: (item id, dimension, teacher id of a teacher question)."""
    return [(i.pk, i.dimension, i.teacher_id) for i in selectors.form_items(evaluation_id)]


def report_draft(evaluation_id: int) -> str:
    """The evaluator's report template with the form's figures filled in (CQ-M4)."""
    evaluation = selectors.ClassEvaluation.objects.select_related(
        "training_class", "institution"
    ).get(pk=evaluation_id)
    return reports.draft(evaluation, selectors.class_figures(evaluation))


def teacher_rating_history(teacher_id: int) -> list[RatingPoint]:
    """The teacher's rating (out of 100) year by year, from the anonymous answers about
    their sessions (CQ-B2: the pool rated by results)."""
    return selectors.history(selectors.teacher_answers(teacher_id))


def institution_rating_history(institution_id: int) -> list[RatingPoint]:
    """The institution's evaluation score year by year (CQ-B1)."""
    return selectors.history(selectors.institution_answers(institution_id))
