"""Error codes of the classes app."""

from enum import StrEnum

from civtrain.core.errors import ApplicationError


class ClassesErrorCode(StrEnum):
    INSTITUTION_NOT_RECOGNISED = "institution_not_recognised"
    SUBJECT_HOURS_EXCEED_TOTAL = "subject_hours_exceed_total"
    SESSION_HOURS_EXCEED_TOTAL = "session_hours_exceed_total"
    BAD_TRANSITION = "bad_status_transition"
    NOT_EDITABLE = "class_not_editable"
    INVALID = "invalid_class"
    CAPACITY_ON_ROSTER = "capacity_on_roster"


class ClassError(ApplicationError):
    status = 422
