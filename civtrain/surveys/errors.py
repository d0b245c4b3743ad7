"""Error codes of needs surveys."""

from enum import StrEnum

from civtrain.core.errors import ApplicationError


class SurveysErrorCode(StrEnum):
    INVALID = "survey_invalid"
    NOT_EDITABLE = "survey_not_editable"
    BAD_TRANSITION = "survey_bad_transition"
    CLOSED = "survey_closed"
    ALREADY_ANSWERED = "survey_already_answered"
    INCOMPLETE = "survey_incomplete"
    NOBODY = "survey_nobody_to_ask"


class SurveyError(ApplicationError):
    status = 422
