"""Error codes of the compliance app."""

from enum import StrEnum
from typing import Any

from civtrain.core.errors import ApplicationError


class ComplianceErrorCode(StrEnum):
    RULESET_INVALID = "ruleset_invalid"
    RULESET_UNKNOWN = "ruleset_unknown"
    RULESET_VERSION_EXISTS = "ruleset_version_exists"
    ORG_UNKNOWN = "org_unknown"
    BINDING_INVALID = "binding_invalid"


class RuleSetInvalid(ApplicationError):
    status = 422

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(ComplianceErrorCode.RULESET_INVALID, message, extra)
