"""Public interface of exams for other apps (the site shell's pages, beat tasks, demo data).

Plain re-exports of the services other apps call; frozen data classes travel in `data.py`.
A row-to-dataclass builder is added when another app reads one — none does today."""

from civtrain.exams import services
from civtrain.exams.data import (
    QUESTION_KIND_LABELS,
    AttemptStatus,
    BlueprintRow,
    PaperKind,
    QuestionInput,
    QuestionKind,
)
from civtrain.exams.formats import parse_file
from civtrain.exams.services.settle import campaign_source_ref

__all__ = [
    "QUESTION_KIND_LABELS",
    "AttemptStatus",
    "BlueprintRow",
    "PaperKind",
    "QuestionInput",
    "QuestionKind",
    "answer_grade",
    "answer_save",
    "attempt_start",
    "attempt_submit",
    "attempts_submit_overdue",
    "bank_create",
    "campaign_create",
    "campaign_source_ref",
    "candidates_add",
    "paper_create",
    "paper_release_results",
    "parse_file",
    "questions_import",
    "reminders_send_due",
]

bank_create = services.bank_create
questions_import = services.questions_import
paper_create = services.paper_create
campaign_create = services.campaign_create
candidates_add = services.candidates_add
attempt_start = services.attempt_start
answer_save = services.answer_save
attempt_submit = services.attempt_submit
answer_grade = services.answer_grade
paper_release_results = services.paper_release_results
attempts_submit_overdue = services.attempts_submit_overdue
reminders_send_due = services.reminders_send_due
