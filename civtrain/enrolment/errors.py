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
    BAD_REASON = "bad_withdrawal_reason"
    CLASS_FULL = "class_full"
    PREVIEW_STALE = "nomination_preview_stale"
    # NAT-6: the leave would take the trainee above 1/7; send again with confirm_drop.
    LEAVE_OVER_LIMIT = "leave_over_limit"
    SESSION_NOT_HELD = "session_not_held"  # attendance for a session that has not begun
    FINALISE_EARLY = "finalise_before_last_session"


class EnrolmentError(ApplicationError):
    status = 422
