"""Public interface of exams for other apps (the site shell's pages, beat tasks, demo data).

Plain re-exports of the services other apps call; frozen data classes travel in `data.py`.
A row-to-dataclass builder is added when another app reads one — none does today."""

from civtrain.exams import selectors, services
from civtrain.exams.data import (
    QUESTION_KIND_LABELS,
    AttemptStatus,
    BlueprintRow,
    PaperKind,
    QuestionInput,
    QuestionKind,
)
from civtrain.exams.formats import parse_file
from civtrain.exams.models import Attempt, Question
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
    "candidate_person_ids",
    "candidates_add",
    "candidates_add_under",
    "paper_create",
    "paper_release_results",
    "parse_file",
    "questions_import",
    "questions_of_attempt",
    "questions_of_bank",
    "reminders_send_due",
]

bank_create = services.bank_create
questions_import = services.questions_import
paper_create = services.paper_create
campaign_create = services.campaign_create
candidates_add = services.candidates_add
candidates_add_under = services.candidates_add_under
attempt_start = services.attempt_start
answer_save = services.answer_save
attempt_submit = services.attempt_submit
answer_grade = services.answer_grade
paper_release_results = services.paper_release_results
attempts_submit_overdue = services.attempts_submit_overdue
reminders_send_due = services.reminders_send_due


def questions_of_bank(bank_id: int) -> list[Question]:
    """The bank's questions, oldest first (demo data picks a paper's questions from them)."""
    return list(selectors.Question.objects.filter(bank_id=bank_id).order_by("id"))


def questions_of_attempt(attempt: Attempt) -> list[Question]:
    return list(selectors.questions_by_id([e["q"] for e in attempt.layout]).values())


def candidate_person_ids(paper_id: int) -> list[int]:
    return selectors.candidate_person_ids(paper_id)
