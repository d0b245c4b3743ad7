"""Public interface of exams for other apps (the site shell's pages, demo data)."""

from civtrain.exams import selectors, services
from civtrain.exams.data import (
    QUESTION_KIND_LABELS,
    AttemptData,
    AttemptStatus,
    BankData,
    BlueprintRow,
    PaperData,
    PaperKind,
    QuestionInput,
    QuestionKind,
)
from civtrain.exams.formats import parse_file
from civtrain.exams.models import Attempt, Paper, QuestionBank
from civtrain.exams.services.settle import campaign_source_ref

__all__ = [
    "QUESTION_KIND_LABELS",
    "AttemptData",
    "AttemptStatus",
    "BankData",
    "BlueprintRow",
    "PaperData",
    "PaperKind",
    "QuestionInput",
    "QuestionKind",
    "attempts_submit_overdue",
    "bank_create",
    "campaign_create",
    "campaign_source_ref",
    "candidates_add",
    "paper_create",
    "parse_file",
    "questions_import",
    "reminders_send_due",
]

bank_create = services.bank_create
paper_create = services.paper_create
campaign_create = services.campaign_create
questions_import = services.questions_import
candidates_add = services.candidates_add
attempts_submit_overdue = services.attempts_submit_overdue
reminders_send_due = services.reminders_send_due


def bank_data(bank: QuestionBank, question_count: int = 0) -> BankData:
    return BankData(
        id=bank.pk,
        name=bank.name,
        subject=bank.subject,
        org_id=bank.org_id,
        org_path=bank.org.path,
        question_count=question_count,
    )


def paper_data(paper: Paper) -> PaperData:
    return PaperData(
        id=paper.pk,
        title=paper.title,
        org_id=paper.org_id,
        org_path=paper.org.path,
        kind=PaperKind(paper.kind),
        time_limit_minutes=paper.time_limit_minutes,
        pass_mark=paper.pass_mark,
        max_points=services.papers.max_points(paper),
        open_book=paper.open_book,
        max_attempts=paper.max_attempts,
        opens_at=paper.opens_at,
        closes_at=paper.closes_at,
        results_released=paper.results_released,
        class_id=paper.training_class_id,
        campaign_id=paper.campaign_id,
    )


def attempt_data(a: Attempt) -> AttemptData:
    return AttemptData(
        id=a.pk,
        paper_id=a.paper_id,
        person_id=a.person_id,
        number=a.number,
        status=AttemptStatus(a.status),
        started_at=a.started_at,
        deadline=a.deadline,
        submitted_at=a.submitted_at,
        submitted_by=a.submitted_by,
        score=a.score,
        max_points=a.max_points,
        passed=a.passed,
    )


def open_papers_count(person_id: int) -> int:
    """Papers the person is a candidate for (the learner's home page)."""
    return selectors.papers_for_person(person_id).count()
