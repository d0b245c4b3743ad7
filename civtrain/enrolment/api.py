"""Public interface of enrolment for other apps (reports, certificates, evaluations)."""

from civtrain.enrolment import selectors, services
from civtrain.enrolment.data import (
    AttendanceStatus,
    EnrolmentStatus,
    NominationOutcome,
    ResultInput,
)

__all__ = [
    "AttendanceStatus",
    "EnrolmentStatus",
    "NominationOutcome",
    "ResultInput",
    "class_counts",
    "nominations_create",
    "results_finalise",
]

nominations_create = services.nominations_create
results_finalise = services.results_finalise
class_counts = selectors.class_counts
