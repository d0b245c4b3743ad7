"""Public interface of enrolment for other apps (reports, certificates, evaluations)."""

from typing import Any

from django.db.models import Count

from civtrain.core.actors import Actor
from civtrain.enrolment import selectors, services
from civtrain.enrolment.data import (
    AttendanceStatus,
    EnrolmentStatus,
    NominationFilter,
    NominationOutcome,
    ResultInput,
    TraineeResult,
    WithdrawalReason,
)
from civtrain.enrolment.models import Enrolment

__all__ = [
    "AttendanceStatus",
    "EnrolmentStatus",
    "NominationFilter",
    "NominationOutcome",
    "ResultInput",
    "TraineeResult",
    "WithdrawalReason",
    "attendance_record",
    "class_capacity_set",
    "class_counts",
    "class_ids_enrolled",
    "enrolled_person_ids",
    "enrolment_withdraw",
    "leave_request_create",
    "nominations_create",
    "results_finalise",
    "results_record",
]

nominations_create = services.nominations_create
results_finalise = services.results_finalise
# A class's completion exam (exams, ZZ-M1) records its score as each trainee's exam score.
results_record = services.results_record
# Demo data runs classes through every state (civtrain.demo.class_states).
attendance_record = services.attendance_record
enrolment_withdraw = services.enrolment_withdraw
class_counts = selectors.class_counts
# The organiser's change of places admits from the waitlist (#11 item 4).
class_capacity_set = services.class_capacity_set
leave_request_create = services.leave_request_create
# A class's trainees' results with attendance counts (documents: completion forms, #15).
trainee_results = selectors.trainee_results


def notices_unacknowledged_count(*, actor: Actor) -> int:
    """Training-result notices to the actor's units not yet acknowledged (the HR home page)."""
    return selectors.notice_list(actor=actor, unacknowledged=True).count()


def messages_unacknowledged_count(*, actor: Actor) -> int:
    """Training notices (调训通知) and waitlist admissions to the actor's units not yet
    acknowledged (the HR home page, #11 item 4)."""
    return selectors.message_list(actor=actor, unacknowledged=True).count()


def leave_pending_by_class(*, actor: Actor) -> list[tuple[int, str, int]]:
    """(class id, class title, pending requests) for the leave the actor can see waiting for
    a decision, oldest class first (the home pages' tasks, issue #11 item 7)."""
    rows = (
        selectors.leave_list(actor=actor, pending_only=True)
        .values("enrolment__training_class_id", "enrolment__training_class__title")
        .annotate(n=Count("id"))
        .order_by("enrolment__training_class_id")
    )
    return [
        (r["enrolment__training_class_id"], r["enrolment__training_class__title"], r["n"])
        for r in rows
    ]


def enrolled_person_ids(class_id: int) -> dict[int, int]:
    """{person id: enrolment id} of the class's enrolled trainees (the completion exam's
    candidates, exams app)."""
    return dict(
        Enrolment.objects.filter(
            training_class_id=class_id, status=EnrolmentStatus.ENROLLED
        ).values_list("person_id", "pk")
    )


def class_ids_enrolled(user_id: int) -> Any:
    """A subquery of the classes in which the user's person is an enrolled trainee (their
    teaching materials, materials app, issue #16 item 2)."""
    return Enrolment.objects.filter(
        person__user_id=user_id, status=EnrolmentStatus.ENROLLED
    ).values("training_class_id")
