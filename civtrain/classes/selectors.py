"""Reads of training classes, scoped by the actor (ARCHITECTURE §7)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from civtrain.accounts.api import Role, actor_scope
from civtrain.classes.data import ClassStatus
from civtrain.classes.models import Session, TrainingClass
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.institutions.api import institution_scope_q
from civtrain.organisations.api import subtree_q

BUREAUS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU)
ORGANISERS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.UNIT_HR)


def ancestor_paths(path: str) -> list[str]:
    """'1/7/9/' → ['1/', '1/7/', '1/7/9/']: the node and every node above it."""
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]


def class_scope_q(actor: Actor) -> Q:
    """Classes the actor may see.

    Bureaus and unit HR see classes organised in their subtree; units and learners also see
    classes (past planning) organised above them, which are the ones they nominate into;
    institution staff see their institutions' classes; teachers the classes they teach in.
    """
    scope = actor_scope(actor)
    q = subtree_q(scope.paths_for(*ORGANISERS), "organiser__path")
    q |= subtree_q(scope.paths_for(*BUREAUS), "institution__org__path")
    q |= institution_scope_q(actor, "institution", staff_only=True)
    above = {a for p in scope.paths_for(Role.UNIT_HR, Role.LEARNER) for a in ancestor_paths(p)}
    if above:
        q |= Q(organiser__path__in=above) & ~Q(status=ClassStatus.PLANNED)
    if scope.has(Role.TEACHER) and scope.user_id is not None:
        q |= Q(
            pk__in=Session.objects.filter(teacher__user_id=scope.user_id).values("training_class")
        )
    return q


def class_manage_q(actor: Actor) -> Q:
    """Classes the actor may edit: as organiser of the class's node or staff of its institution."""
    scope = actor_scope(actor)
    return subtree_q(scope.paths_for(*ORGANISERS), "organiser__path") | institution_scope_q(
        actor, "institution", staff_only=True
    )


def class_run_q(actor: Actor) -> Q:
    """Classes the actor runs day to day (attendance, leave, results): institution staff."""
    return institution_scope_q(actor, "institution", staff_only=True)


@dataclass(frozen=True)
class ClassFilters:
    search: str = ""
    status: str = ""
    training_type: str = ""
    year: int | None = None


def class_list(*, actor: Actor, filters: ClassFilters | None = None) -> QuerySet[TrainingClass]:
    f = filters or ClassFilters()
    qs = (
        TrainingClass.objects.filter(class_scope_q(actor))
        .select_related("organiser", "institution")
        .distinct()
    )
    if f.search.strip():
        term = f.search.strip()
        qs = qs.filter(Q(title__contains=term) | Q(code__contains=term))
    if f.status:
        qs = qs.filter(status=f.status)
    if f.training_type:
        qs = qs.filter(training_type=f.training_type)
    if f.year:
        qs = qs.filter(start_date__year=f.year)
    return qs


def access_class_by_id(
    actor: Actor, class_id: int, *, manage: bool = False, run: bool = False
) -> TrainingClass:
    """The class if the actor may see it (manage/run: may edit/run it); NotFound otherwise."""
    q = class_run_q(actor) if run else class_manage_q(actor) if manage else class_scope_q(actor)
    found = (
        TrainingClass.objects.filter(q, pk=class_id)
        .select_related("organiser", "institution", "institution__org")
        .first()
    )
    if found is None:
        raise NotFound("培训班不存在或无权访问")
    return found


def class_subject_hours(*, training_class: TrainingClass) -> dict[str, Decimal]:
    """The class's hours per subject (CQ-T4a), in the order they were entered."""
    return dict(training_class.subject_hours.order_by("id").values_list("subject", "hours"))


def class_ids_run_by(*, actor: Actor) -> set[int]:
    """Ids of the classes the actor runs (institution staff)."""
    return set(TrainingClass.objects.filter(class_run_q(actor)).values_list("pk", flat=True))


def session_list(*, training_class: TrainingClass) -> QuerySet[Session]:
    return training_class.sessions.select_related("teacher").all()


def own_sessions_q(actor: Actor) -> Q:
    """Sessions the actor teaches: their own teacher record's, never another teacher's."""
    scope = actor_scope(actor)
    if not scope.has(Role.TEACHER) or scope.user_id is None:
        return Q(pk__in=[])
    return Q(teacher__user_id=scope.user_id)


def access_session_by_id(
    actor: Actor, session_id: int, *, run: bool = False, teach: bool = False
) -> Session:
    """The session if the actor may see it; `run`: runs its class (institution staff);
    `run` and `teach`: runs its class or teaches this very session (CQ-B2)."""
    classes = TrainingClass.objects.filter(class_run_q(actor) if run else class_scope_q(actor))
    q = Q(training_class__in=classes)
    if teach:
        q |= own_sessions_q(actor)
    found = (
        Session.objects.filter(q, pk=session_id).select_related("training_class", "teacher").first()
    )
    if found is None:
        raise NotFound("课次不存在或无权访问")
    return found


@dataclass(frozen=True)
class TeachingSchedule:
    upcoming: list[Session]  # today and later, soonest first
    past: list[Session]  # before today, latest first


def teaching_schedule(*, actor: Actor, month: dt.date | None = None) -> TeachingSchedule:
    """A teacher's own sessions (CQ-B2), optionally of one month (`month` is its 1st day)."""
    qs = Session.objects.filter(own_sessions_q(actor)).select_related(
        "training_class", "training_class__institution"
    )
    if month is not None:
        qs = qs.filter(date__year=month.year, date__month=month.month)
    today = clock.today()
    return TeachingSchedule(
        upcoming=list(qs.filter(date__gte=today).order_by("date", "start_time", "id")),
        past=list(qs.filter(date__lt=today).order_by("-date", "-start_time", "-id")),
    )
