"""Every write of exams (STYLE.md §2): banks and questions, papers, attempts and grading,
the year-end campaign. Submodules import each other; other modules use this package."""

from civtrain.exams.services.attempts import (
    answer_grade,
    answer_save,
    answer_save_by_token,
    attempt_event_log,
    attempt_start,
    attempt_submit,
    attempt_token_issue,
    attempt_tokens_clear,
    attempts_submit_overdue,
    grade_counts,
)
from civtrain.exams.services.banks import (
    bank_create,
    bank_export,
    question_to_input,
    questions_import,
)
from civtrain.exams.services.campaigns import (
    campaign_create,
    campaign_remind,
    reminders_send_due,
)
from civtrain.exams.services.papers import (
    candidate_grant_makeup,
    candidates_add,
    candidates_add_under,
    paper_create,
    paper_release_results,
)
from civtrain.exams.services.plain import plain_insert

__all__ = [
    "answer_grade",
    "answer_save",
    "answer_save_by_token",
    "attempt_event_log",
    "attempt_start",
    "attempt_submit",
    "attempt_token_issue",
    "attempt_tokens_clear",
    "attempts_submit_overdue",
    "bank_create",
    "bank_export",
    "campaign_create",
    "campaign_remind",
    "candidate_grant_makeup",
    "candidates_add",
    "candidates_add_under",
    "grade_counts",
    "paper_create",
    "paper_release_results",
    "plain_insert",
    "question_to_input",
    "questions_import",
    "reminders_send_due",
]
