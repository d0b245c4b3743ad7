"""Reads of enrolment, scoped by the actor: the institution sees its classes' trainees, a
unit its own people, a learner themself."""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from civtrain.accounts.api import PERSONNEL_ROLES, User, actor_scope
from civtrain.classes.api import ClassData, class_ids_q, class_run_q, sessions_of
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.enrolment.data import AttendanceStatus, EnrolmentStatus, LeaveStatus, TraineeResult
from civtrain.enrolment.hours import CreditedHours, credited_hours
from civtrain.enrolment.models import (
    Attendance,
    Enrolment,
    LeaveRequest,
    TrainingNotice,
    UnitMessage,
    UnitNotice,
)
from civtrain.organisations.api import subtree_q


def enrolment_scope_q(actor: Actor) -> Q:
    scope = actor_scope(actor)
    q = Q(training_class__in=class_ids_q(class_run_q(actor)))
    q |= subtree_q(scope.paths_for(*PERSONNEL_ROLES), "unit__path")
    if scope.user_id is not None:
        q |= Q(person__user_id=scope.user_id)
    return q


def enrolment_list(
    *, actor: Actor, class_id: int | None = None, statuses: tuple[str, ...] = ()
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


def my_enrolments(*, actor: Actor) -> QuerySet[Enrolment]:
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
    *, actor: Actor, class_id: int | None = None, pending_only: bool = False
) -> QuerySet[LeaveRequest]:
    qs = LeaveRequest.objects.filter(
        enrolment__in=Enrolment.objects.filter(enrolment_scope_q(actor))
    ).select_related("enrolment__person", "enrolment__training_class", "session")
    if class_id is not None:
        qs = qs.filter(enrolment__training_class_id=class_id)
    if pending_only:
        qs = qs.filter(status=LeaveStatus.PENDING)
    return qs


def notice_list(*, actor: Actor, unacknowledged: bool = False) -> QuerySet[UnitNotice]:
    scope = actor_scope(actor)
    qs = UnitNotice.objects.filter(subtree_q(scope.paths_for(*PERSONNEL_ROLES), "unit__path"))
    if unacknowledged:
        qs = qs.filter(acknowledged_at__isnull=True)
    return qs.select_related("unit", "enrolment__person", "enrolment__training_class")


def access_notice_by_id(actor: Actor, notice_id: int) -> UnitNotice:
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


def enrolment_get(*, actor: Actor, enrolment_id: int) -> Enrolment:
    """One enrolment the actor may see (scoped as enrolment_list)."""
    found = (
        Enrolment.objects.filter(enrolment_scope_q(actor), pk=enrolment_id)
        .select_related("person", "unit", "training_class")
        .first()
    )
    if found is None:
        raise NotFound("报名记录不存在或无权访问")
    return found


def message_list(*, actor: Actor, unacknowledged: bool = False) -> QuerySet[UnitMessage]:
    """The unit's messages: admissions from the waitlist and training notices (#11 item 4)."""
    scope = actor_scope(actor)
    qs = UnitMessage.objects.filter(subtree_q(scope.paths_for(*PERSONNEL_ROLES), "unit__path"))
    if unacknowledged:
        qs = qs.filter(acknowledged_at__isnull=True)
    return qs.select_related("unit", "training_class", "notice").defer("notice__file_data")


def access_message_by_id(actor: Actor, message_id: int) -> UnitMessage:
    found = message_list(actor=actor).filter(pk=message_id).first()
    if found is None:
        raise NotFound("通知不存在或无权访问")
    return found


def training_notices_of(*, class_id: int) -> list[dict[str, Any]]:
    """A class's training notices with how many units received and acknowledged each."""
    rows = (
        TrainingNotice.objects.filter(training_class_id=class_id)
        .annotate(
            units=Count("messages"),
            acknowledged=Count("messages", filter=Q(messages__acknowledged_at__isnull=False)),
        )
        .values("id", "title", "body", "file_name", "created_at", "units", "acknowledged")
    )
    return [dict(row) for row in rows]


def training_notice_file(*, actor: Actor, notice_id: int, manages: bool) -> tuple[str, bytes]:
    """A notice's attachment for the class's managers (`manages`, checked by the caller)
    and the units that received the notice; NotFound for anyone else."""
    notice = TrainingNotice.objects.filter(pk=notice_id, file_data__isnull=False).first()
    if notice is None:
        raise NotFound("附件不存在或无权访问")
    if not manages and not message_list(actor=actor).filter(notice_id=notice_id).exists():
        raise NotFound("附件不存在或无权访问")
    return notice.file_name, bytes(notice.file_data or b"")


def user_names(user_ids: Iterable[int | None]) -> dict[int, str]:
    """Who did something (e.g. withdrew a trainee): user id → display name."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(User.objects.filter(pk__in=ids).values_list("pk", "display_name"))


def user_logins(user_ids: Iterable[int | None]) -> dict[int, str]:
    """Trainees' login names (the roster export, #11 item 1): user id → username."""
    ids = {i for i in user_ids if i is not None}
    return dict(User.objects.filter(pk__in=ids).values_list("pk", "username")) if ids else {}


def leave_get(*, actor: Actor, leave_id: int) -> LeaveRequest:
    found = leave_list(actor=actor).filter(pk=leave_id).first()
    if found is None:
        raise NotFound("请假申请不存在或无权访问")
    return found


def training_notice_class_id(notice_id: int) -> int | None:
    return (
        TrainingNotice.objects.filter(pk=notice_id)
        .values_list("training_class_id", flat=True)
        .first()
    )


def enrolment_status(enrolment_id: int) -> str:
    """The enrolment's status, for a caller that already holds the enrolment's id by right."""
    return str(Enrolment.objects.values_list("status", flat=True).get(pk=enrolment_id))


def notices_by_ids(notice_ids: list[int]) -> QuerySet[UnitNotice]:
    """Result notices just sent, read back by the institution that sent them."""
    return UnitNotice.objects.filter(pk__in=notice_ids).select_related("enrolment__person")


def trainee_results(*, class_id: int, person_id: int | None = None) -> list[TraineeResult]:
    """The results of a class's trainees (or of one of them), with their attendance counts:
    two queries for the whole class (issue #15: completion forms and class certificates)."""
    qs = Enrolment.objects.filter(
        training_class_id=class_id, status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.DROPPED]
    )
    if person_id is not None:
        qs = qs.filter(person_id=person_id)
    sessions = len(sessions_of(class_id))
    marks: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e_id, status, n in (
        Attendance.objects.filter(enrolment__in=qs)
        .values("enrolment_id", "status")
        .annotate(n=Count("id"))
        .values_list("enrolment_id", "status", "n")
    ):
        marks[e_id][status] = n
    return [
        TraineeResult(
            enrolment_id=e.pk,
            class_id=class_id,
            person_id=e.person_id,
            status=EnrolmentStatus(e.status),
            status_reason=e.status_reason,
            sessions=sessions,
            present=marks[e.pk][AttendanceStatus.PRESENT],
            leave=marks[e.pk][AttendanceStatus.LEAVE],
            absent=marks[e.pk][AttendanceStatus.ABSENT],
            exam_score=e.exam_score,
            conduct_attitude=e.conduct_attitude,
            conduct_participation=e.conduct_participation,
            conduct_interaction=e.conduct_interaction,
            conduct_discipline=e.conduct_discipline,
            peer_score=e.peer_score,
            total_score=e.total_score,
            passed=e.passed,
        )
        for e in qs.order_by("created_at", "id")
    ]
