"""Error codes of the enrolment app."""

from enum import StrEnum

from civtrain.core.errors import ApplicationError


class EnrolmentErrorCode(StrEnum):
    CLASS_NOT_OPEN = "class_not_open"
    CLASS_NOT_RUNNING = "class_not_running"
    SELF_REGISTRATION_CLOSED = "self_registration_closed"
    NOT_ENROLLED = "not_enrolled"
    QR_TOKEN_EXPIRED = "qr_token_expired"  # noqa: S105 (an error code, not a secret)
    LEAVE_DECIDED = "leave_already_decided"
    RESULTS_INCOMPLETE = "results_incomplete"
    BAD_SCORE = "bad_score"
    BAD_STATUS = "bad_enrolment_status"
    IMPORT_ERRORS = "import_errors"
    LEDGER_REFUSED = "ledger_refused"
    DROP_BY_INSTITUTION = "drop_by_institution"  # 退学 from a running class: institution only


class EnrolmentError(ApplicationError):
    status = 422
