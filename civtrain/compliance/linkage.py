"""What a person's outcomes mean for the annual assessment (ZZ-M4, CQ-M3, NAT-1). Pure."""

import datetime as dt
from collections.abc import Iterable

from civtrain.compliance.data import (
    AssessmentLinkage,
    ComplianceOutcome,
    Consequence,
    OutcomeStatus,
)

MISSED, NOT_YET = OutcomeStatus.MISSED.value, OutcomeStatus.NOT_YET.value
NO_EXCELLENT = Consequence.NO_EXCELLENT.value
GRADE_DEFERRED = Consequence.GRADE_DEFERRED.value
NO_APPOINTMENT = Consequence.NO_APPOINTMENT_GRADING.value


def linkage_of(outcomes: Iterable[ComplianceOutcome], year: int) -> AssessmentLinkage:
    """ZZ-M4, CQ-M3, NAT-1: what the outcomes mean for the annual assessment."""
    eligible, deferred, blocked, complete = True, False, False, True
    missed: list[ComplianceOutcome] = []
    year_end = dt.date(year, 12, 31)
    for o in outcomes:
        status = o.status
        if status == MISSED:
            complete = False
            c = o.consequences
            if NO_EXCELLENT in c:
                eligible = False
            if GRADE_DEFERRED in c:
                deferred = True
            if NO_APPOINTMENT in c:
                blocked = True
            missed.append(o)
        elif status == NOT_YET and o.deadline and o.deadline <= year_end:
            complete = False
    return AssessmentLinkage(eligible, deferred, blocked, complete, tuple(missed))
