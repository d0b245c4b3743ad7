"""Error codes of annual plans."""

from enum import StrEnum

from civtrain.core.errors import ApplicationError


class PlansErrorCode(StrEnum):
    BAD_TRANSITION = "plan_bad_transition"
    EMPTY = "plan_empty"
    NOT_EDITABLE = "plan_not_editable"
    REASON_REQUIRED = "plan_return_reason_required"
    INVALID = "plan_invalid"


class PlanError(ApplicationError):
    status = 422
