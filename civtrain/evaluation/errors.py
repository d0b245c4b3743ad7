"""Error codes of class evaluation."""

from enum import StrEnum

from civtrain.core.errors import ApplicationError


class EvaluationErrorCode(StrEnum):
    ALREADY_ANSWERED = "evaluation_already_answered"
    CLOSED = "evaluation_closed"
    INCOMPLETE = "evaluation_incomplete"
    INVALID_TEMPLATE = "evaluation_invalid_template"
    NOT_EVALUATOR = "not_an_evaluator"


class EvaluationError(ApplicationError):
    status = 422
