"""Public interface of enrolment for other apps (reports, certificates, evaluations)."""

from civtrain.enrolment import selectors, services
from civtrain.enrolment.data import (
    AttendanceStatus,
    EnrolmentStatus,
    NominationFilter,
    NominationOutcome,
    ResultInput,
    WithdrawalReason,
)

__all__ = [
    "AttendanceStatus",
    "EnrolmentStatus",
    "NominationFilter",
    "NominationOutcome",
    "ResultInput",
    "WithdrawalReason",
    "class_capacity_set",
    "class_counts",
    "leave_request_create",
    "nominations_create",
    "results_finalise",
]

nominations_create = services.nominations_create
results_finalise = services.results_finalise
class_counts = selectors.class_counts
# The organiser's change of places admits from the waitlist (#11 item 4).
class_capacity_set = services.class_capacity_set
leave_request_create = services.leave_request_create
