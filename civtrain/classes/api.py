"""Public interface of training classes for other apps (enrolment, reports)."""

from typing import Any

from django.db.models import Q

from civtrain.classes import selectors, services
from civtrain.classes.data import (
    CLASS_STATUS_LABELS,
    EXAM_FORM_LABELS,
    ClassData,
    ClassInput,
    ClassStatus,
    ExamForm,
    SessionData,
    SessionInput,
)
from civtrain.classes.models import ClassSubjectHours, Session, TrainingClass
from civtrain.core.actors import Actor

__all__ = [
    "CLASS_STATUS_LABELS",
    "EXAM_FORM_LABELS",
    "ClassData",
    "ClassInput",
    "ClassStatus",
    "ExamForm",
    "SessionData",
    "SessionInput",
    "access_class",
    "access_session",
    "class_capacity_set",
    "class_choices",
    "class_create",
    "class_data",
    "class_mark_results_final",
    "class_run_q",
    "class_scope_q",
    "class_transition",
    "class_update",
    "classes_held_by_subject",
    "session_create",
    "sessions_of",
]

class_scope_q = selectors.class_scope_q
class_run_q = selectors.class_run_q
class_manage_q = selectors.class_manage_q
ancestor_paths = selectors.ancestor_paths


def to_data(tc: TrainingClass) -> ClassData:
    return ClassData(
        id=tc.pk,
        code=tc.code,
        title=tc.title,
        training_type=tc.training_type,
        mode=tc.mode,
        status=ClassStatus(tc.status),
        organiser_id=tc.organiser_id,
        organiser_path=tc.organiser.path,
        institution_id=tc.institution_id,
        start_date=tc.start_date,
        end_date=tc.end_date,
        days=tc.days,
        total_hours=tc.total_hours,
        subject_hours={s.subject: s.hours for s in tc.subject_hours.all()},
        capacity=tc.capacity,
        pass_mark=tc.pass_mark,
        exam_form=ExamForm(tc.exam_form),
        self_registration=tc.self_registration,
        external=tc.external,
        weight_exam=tc.weight_exam,
        weight_conduct=tc.weight_conduct,
        weight_peer=tc.weight_peer,
    )


def session_to_data(s: Session) -> SessionData:
    return SessionData(
        id=s.pk,
        class_id=s.training_class_id,
        date=s.date,
        start_time=s.start_time,
        end_time=s.end_time,
        place=s.place,
        topic=s.topic,
        subject=s.subject,
        teacher_id=s.teacher_id,
        hours=s.hours,
    )


def access_class(
    actor: Actor, class_id: int, *, manage: bool = False, run: bool = False
) -> ClassData:
    """The class if the actor may see it (manage: edit it; run: run it as its institution)."""
    return to_data(selectors.access_class_by_id(actor, class_id, manage=manage, run=run))


def class_data(class_id: int) -> ClassData:
    return to_data(TrainingClass.objects.select_related("organiser").get(pk=class_id))


def access_session(
    actor: Actor, session_id: int, *, run: bool = False, teach: bool = False
) -> SessionData:
    """The session if the actor may see it (run: runs its class; run and teach: runs its
    class or teaches this session)."""
    return session_to_data(selectors.access_session_by_id(actor, session_id, run=run, teach=teach))


def session_data(session_id: int) -> SessionData:
    return session_to_data(Session.objects.get(pk=session_id))


def sessions_of(class_id: int) -> list[SessionData]:
    return [session_to_data(s) for s in Session.objects.filter(training_class_id=class_id)]


def class_ids_q(q: Q) -> Any:
    """A subquery of class ids matching `q` (from class_scope_q / class_run_q)."""
    return TrainingClass.objects.filter(q).values("pk")


def class_mark_results_final(*, actor: Actor, class_id: int) -> ClassData:
    tc = TrainingClass.objects.get(pk=class_id)
    return to_data(services.class_mark_results_final(actor=actor, training_class=tc))


def class_capacity_set(*, actor: Actor, class_id: int, capacity: int) -> ClassData:
    """For the enrolment app's capacity service only (it checks the actor and admits from
    the waitlist in the same transaction)."""
    return to_data(services.class_capacity_set(actor=actor, class_id=class_id, capacity=capacity))


def class_lock(class_id: int) -> ClassData:
    """Lock the class row for the caller's transaction (capacity checks race-safely)."""
    tc = TrainingClass.objects.select_for_update().select_related("organiser").get(pk=class_id)
    return to_data(tc)


def class_create(*, actor: Actor, data: ClassInput) -> ClassData:
    return to_data(services.class_create(actor=actor, data=data))


def class_update(*, actor: Actor, class_id: int, data: ClassInput) -> ClassData:
    tc = selectors.access_class_by_id(actor, class_id, manage=True)
    return to_data(services.class_update(actor=actor, training_class=tc, data=data))


def class_transition(*, actor: Actor, class_id: int, to: ClassStatus) -> ClassData:
    tc = selectors.access_class_by_id(actor, class_id, manage=True)
    return to_data(services.class_transition(actor=actor, training_class=tc, to=to))


def session_create(*, actor: Actor, class_id: int, data: SessionInput) -> SessionData:
    tc = selectors.access_class_by_id(actor, class_id, manage=True)
    return session_to_data(services.session_create(actor=actor, training_class=tc, data=data))


def classes_open_for_self_registration(actor: Actor) -> list[ClassData]:
    """Classes open for nomination that let the actor (a learner) register themself."""
    qs = (
        TrainingClass.objects.filter(
            selectors.class_scope_q(actor), status=ClassStatus.OPEN, self_registration=True
        )
        .select_related("organiser")
        .distinct()
    )
    return [to_data(tc) for tc in qs]


HELD = (ClassStatus.RUNNING, ClassStatus.RESULTS_FINAL, ClassStatus.ARCHIVED)


def classes_held_by_subject(
    *, year: int, as_of: Any, subjects: list[str]
) -> list[tuple[int, int, str]]:
    """(class id, organiser org id, subject) of every class with hours in one of `subjects`
    that ended in `year` by `as_of` and was held (running or later): the classes a unit or
    district organised, for ZZ-T2's session counts (compliance). One query."""
    return list(
        ClassSubjectHours.objects.filter(
            subject__in=subjects,
            training_class__end_date__year=year,
            training_class__end_date__lte=as_of,
            training_class__status__in=HELD,
        ).values_list("training_class_id", "training_class__organiser_id", "subject")
    )


def classes_to_finalise(actor: Actor) -> list[ClassData]:
    """Classes the actor runs (institution staff) that are running and whose last day has
    passed (Asia/Shanghai): results wait to be finalised (issue #11 item 7)."""
    from civtrain.core import clock

    qs = TrainingClass.objects.filter(
        selectors.class_run_q(actor),
        status=ClassStatus.RUNNING,
        end_date__lt=clock.today(),
    ).order_by("end_date", "id")
    return [to_data(tc) for tc in qs.distinct()]


def classes_run_by(actor: Actor, *, limit: int = 200) -> list[ClassData]:
    """Classes the actor runs (institution staff) that are not archived, latest first: the
    ones a completion exam can be set for (ZZ-M1; the exams paper form, #14)."""
    qs = (
        TrainingClass.objects.filter(selectors.class_run_q(actor))
        .exclude(status=ClassStatus.ARCHIVED)
        .select_related("organiser")
        .order_by("-start_date", "-id")
        .distinct()
    )
    return [to_data(tc) for tc in qs[:limit]]


def classes_ended(*, since: Any, as_of: Any) -> list[ClassData]:
    """Classes held (running or later) whose last day fell between `since` and `as_of`: the
    ones a class evaluation opens for (CQ-M4; the evaluation app pulls them on its schedule,
    ADR 0021)."""
    qs = TrainingClass.objects.filter(
        status__in=HELD, end_date__gte=since, end_date__lte=as_of
    ).select_related("organiser")
    return [to_data(tc) for tc in qs.prefetch_related("subject_hours").order_by("end_date", "id")]


def class_choices(actor: Actor, *, limit: int = 200) -> list[tuple[int, str, str]]:
    """(id, code, title) of the classes the actor may edit (organisers, institution staff),
    the latest first: what a form offers to attach something to (teaching materials, #16)."""
    return list(
        TrainingClass.objects.filter(selectors.class_manage_q(actor))
        .order_by("-start_date", "-id")
        .values_list("pk", "code", "title")[:limit]
    )
