"""Application errors: a code, a message a person understands, and details."""

from enum import StrEnum
from typing import Any


class CoreErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    VALIDATION = "validation_error"
    CONFLICT = "conflict"
    AUTHENTICATION = "authentication_required"


class ApplicationError(Exception):
    """Raised by services and selectors; rendered by the API and the pages alike."""

    status = 400

    def __init__(self, code: str, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = str(code)
        self.message = str(message)
        self.extra = extra or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.extra}


class NotFound(ApplicationError):
    """Missing, or outside the actor's scope: the two must look the same."""

    status = 404

    def __init__(self, message: str = "对象不存在或无权访问") -> None:
        super().__init__(CoreErrorCode.NOT_FOUND, message)


class PermissionDenied(ApplicationError):
    status = 403

    def __init__(self, message: str = "没有执行此操作的权限") -> None:
        super().__init__(CoreErrorCode.PERMISSION_DENIED, message)


class ValidationFailed(ApplicationError):
    status = 422

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(CoreErrorCode.VALIDATION, message, extra)


class SignInEnded(ApplicationError):
    """The sign-in behind a capability ended (ADR 0029): idle too long, or past its absolute
    lifetime. The same code and words as the session's own end (accounts.middleware)."""

    status = 401
    IDLE = "长时间未操作，已自动退出，请重新登录"
    EXPIRED = "登录已超过最长有效时间，请重新登录"
    ENDED = "登录已结束，请重新登录后继续"

    def __init__(self, message: str) -> None:
        super().__init__("not_authenticated", message)
