"""Error codes of the learning app."""

from enum import StrEnum

from civtrain.core.errors import ApplicationError


class LearningErrorCode(StrEnum):
    INVALID = "invalid_course"
    NOT_AVAILABLE = "course_not_available"
    ACTIVITY_IRI_TAKEN = "activity_iri_taken"
    BAD_HEARTBEAT = "bad_heartbeat"
    SESSION_SUPERSEDED = "session_superseded"
    BEAT_CONFLICT = "heartbeat_conflict"
    BAD_UPLOAD = "bad_upload"
    BAD_MEDIA = "bad_media"
    NOT_COMPLETE = "course_not_complete"


class LearningError(ApplicationError):
    status = 422


class SessionSuperseded(ApplicationError):
    """Another tab or device took over: this one must pause (PR-3, one course at a time)."""

    status = 409

    def __init__(self, message: str, extra: dict[str, object] | None = None) -> None:
        super().__init__(LearningErrorCode.SESSION_SUPERSEDED, message, extra)


class BeatConflict(ApplicationError):
    """Beats of one session arrived at once and this one lost twice (ADR 0029): not credited."""

    status = 409

    def __init__(self) -> None:
        super().__init__(LearningErrorCode.BEAT_CONFLICT, "同一学习会话的心跳同时到达，本次未计时")
