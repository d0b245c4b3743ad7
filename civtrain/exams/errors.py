"""Error codes of the exams app."""

from enum import StrEnum

from civtrain.core.errors import ApplicationError


class ExamsErrorCode(StrEnum):
    FILE_REFUSED = "question_file_refused"
    BANK_EXISTS = "bank_exists"
    NOT_ENOUGH_QUESTIONS = "not_enough_questions"
    INVALID_PAPER = "invalid_paper"
    NOT_A_CANDIDATE = "not_a_candidate"
    PAPER_CLOSED = "paper_closed"
    NO_ATTEMPTS_LEFT = "no_attempts_left"
    ATTEMPT_CLOSED = "attempt_closed"
    BAD_ANSWER = "bad_answer"
    BAD_POINTS = "bad_points"
    INVALID_CAMPAIGN = "invalid_campaign"


class ExamsError(ApplicationError):
    status = 422


class AttemptClosed(ExamsError):
    status = 409
