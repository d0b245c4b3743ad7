"""Reads of enrolment, scoped by the actor: the institution sees its classes' trainees, a
unit its own people, a learner themself."""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from civtrain.accounts.api import PERSONNEL_ROLES, actor_scope
from civtrain.classes.api import ClassData, class_ids_q, class_run_q, sessions_of
from civtrain.core.errors import NotFound
from civtrain.enrolment.data import AttendanceStatus, EnrolmentStatus, LeaveStatus
from civtrain.enrolment.hours import CreditedHours, credited_hours
from civtrain.enrolment.models import Attendance, Enrolment, LeaveRequest, UnitNotice
from civtrain.organisations.api import subtree_q


def enrolment_scope_q(actor: Any) -> Q:
    scope = actor_scope(actor)
    q = Q(training_class__in=class_ids_q(class_run_q(actor)))
    q |= subtree_q(scope.paths_for(*PERSONNEL_ROLES), "unit__path")
    if scope.user_id is not None:
        q |= Q(person__user_id=scope.user_id)
    return q


def enrolment_list(
    *, actor: Any, class_id: int | None = None, statuses: tuple[str, ...] = ()
) -> QuerySet[Enrolment]:
    qs = (
        Enrolment.objects.filter(enrolment_scope_q(actor))
        .select_related("person", "unit", "training_class")
        .annotate(
            absences=Count("attendance", filter=Q(attendance__status=AttendanceStatus.ABSENT))
        )
    )
    if class_id is not None:
        qs = qs.filter(training_class_id=class_id)
    if statuses:
        qs = qs.filter(status__in=statuses)
    return qs.order_by("status", "created_at", "id")


def my_enrolments(*, actor: Any) -> QuerySet[Enrolment]:
    """The learner's own classes (我的培训班)."""
    user_id = getattr(actor, "pk", None)
    if user_id is None:
        return Enrolment.objects.none()
    return (
        Enrolment.objects.filter(person__user_id=user_id)
        .select_related("training_class", "training_class__institution")
        .order_by("-training_class__start_date")
    )


def attendance_map(*, class_id: int) -> dict[tuple[int, int], str]:
    """(enrolment id, session id) → status, for the register sheet."""
    return {
        (e, s): st
        for e, s, st in Attendance.objects.filter(
            enrolment__training_class_id=class_id
        ).values_list("enrolment_id", "session_id", "status")
    }


def leave_list(
    *, actor: Any, class_id: int | None = None, pending_only: bool = False
) -> QuerySet[LeaveRequest]:
    qs = LeaveRequest.objects.filter(
        enrolment__in=Enrolment.objects.filter(enrolment_scope_q(actor))
    ).select_related("enrolment__person", "enrolment__training_class", "session")
    if class_id is not None:
        qs = qs.filter(enrolment__training_class_id=class_id)
    if pending_only:
        qs = qs.filter(status=LeaveStatus.PENDING)
    return qs


def notice_list(*, actor: Any, unacknowledged: bool = False) -> QuerySet[UnitNotice]:
    scope = actor_scope(actor)
    qs = UnitNotice.objects.filter(subtree_q(scope.paths_for(*PERSONNEL_ROLES), "unit__path"))
    if unacknowledged:
        qs = qs.filter(acknowledged_at__isnull=True)
    return qs.select_related("unit", "enrolment__person", "enrolment__training_class")


def access_notice_by_id(actor: Any, notice_id: int) -> UnitNotice:
    found = notice_list(actor=actor).filter(pk=notice_id).first()
    if found is None:
        raise NotFound("通知不存在或无权访问")
    return found


def class_counts(class_id: int) -> dict[str, int]:
    rows = (
        Enrolment.objects.filter(training_class_id=class_id)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    counts = {s.value: 0 for s in EnrolmentStatus}
    counts.update(dict(rows))
    return counts


def credited_hours_by_enrolment(
    *, tc: ClassData, enrolment_ids: Iterable[int]
) -> dict[int, CreditedHours]:
    """What each trainee's ledger entry credits: the hours they attended (NAT-6, CQ-M3;
    see enrolment/hours.py). Two queries for the whole class."""
    ids = list(enrolment_ids)
    sessions = sessions_of(tc.id)
    # Filtered by class, not by a list of ids: a class may have thousands of trainees.
    marks: dict[int, dict[int, str]] = defaultdict(dict)
    for e_id, s_id, status in Attendance.objects.filter(
        enrolment__training_class_id=tc.id
    ).values_list("enrolment_id", "session_id", "status"):
        marks[e_id][s_id] = status
    leave: dict[int, list[tuple[int | None, Decimal]]] = defaultdict(list)
    for e_id, s_id, hours in LeaveRequest.objects.filter(
        enrolment__training_class_id=tc.id, status=LeaveStatus.APPROVED
    ).values_list("enrolment_id", "session_id", "hours"):
        leave[e_id].append((s_id, hours))
    return {i: credited_hours(tc, sessions, marks[i], leave[i]) for i in ids}
