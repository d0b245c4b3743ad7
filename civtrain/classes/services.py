"""Writes to training classes: create, edit, status transitions, sessions."""

from decimal import Decimal
from typing import Any

from django.db import transaction

from civtrain.accounts.api import Role, actor_scope
from civtrain.catalogue.api import subject_names
from civtrain.catalogue.data import DELIVERY_MODE_LABELS, TRAINING_TYPE_LABELS
from civtrain.classes.data import (
    CLASS_STATUS_LABELS,
    TRANSITIONS,
    ClassInput,
    ClassStatus,
    SessionInput,
)
from civtrain.classes.errors import ClassError, ClassesErrorCode
from civtrain.classes.models import ClassSubjectHours, Session, TrainingClass
from civtrain.classes.selectors import access_class_by_id
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record, diff
from civtrain.core.errors import NotFound
from civtrain.core.writes import checked
from civtrain.faculty.api import access_teacher
from civtrain.institutions.api import InstitutionData, access_institution, institution_choices
from civtrain.organisations.api import org_data_many

ORGANISERS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.UNIT_HR)
EDITABLE = (ClassStatus.PLANNED, ClassStatus.OPEN)


def _h(value: Decimal) -> str:
    """Hours as people write them: 8.0 → "8", 3.5 → "3.5"."""
    return f"{value.normalize():f}"


def _invalid(message: str, **extra: Any) -> ClassError:
    return ClassError(ClassesErrorCode.INVALID, message, extra)


def _check_rights(actor: Actor, data: ClassInput) -> tuple[str, InstitutionData]:
    """The organiser's path and the institution, if the actor may put a class on them."""
    organiser = org_data_many([data.organiser_id]).get(data.organiser_id)
    if organiser is None:
        raise NotFound("主办单位不存在或不在您的管辖范围内")
    scope = actor_scope(actor)
    as_organiser = scope.covers(organiser.path, *ORGANISERS)
    institution: InstitutionData | None = None
    try:
        institution = access_institution(actor, data.institution_id, staff_only=True)
    except NotFound:
        if as_organiser:
            institution = next(
                (i for i in institution_choices(actor=actor) if i.id == data.institution_id), None
            )
    if institution is None:
        raise NotFound("施教机构不存在或无权访问")
    staff = scope.covers(institution.org_path, Role.INSTITUTION)
    # Institution staff may put a class on any organiser in their own tree.
    same_tree = organiser.path.split("/")[0] == institution.org_path.split("/")[0]
    if not (as_organiser or (staff and same_tree)):
        raise NotFound("主办单位不存在或不在您的管辖范围内")
    return organiser.path, institution


def _validate(data: ClassInput, institution: InstitutionData) -> None:
    if not data.code.strip() or not data.title.strip():
        raise _invalid("班次编号和班名不能为空")
    if data.training_type not in TRAINING_TYPE_LABELS:
        raise _invalid(f"未知的培训类型“{data.training_type}”")
    if data.mode not in DELIVERY_MODE_LABELS:
        raise _invalid(f"未知的培训形式“{data.mode}”")
    if data.end_date < data.start_date:
        raise _invalid("结业日期不能早于开班日期")
    if data.total_hours <= 0 or data.days <= 0:
        raise _invalid("总学时和天数须大于 0")
    if data.capacity <= 0:
        raise _invalid("计划人数须大于 0")
    if not Decimal(0) <= data.pass_mark <= Decimal(100):
        raise _invalid("合格分数线须在 0 到 100 之间")
    weights = (data.weight_exam, data.weight_conduct, data.weight_peer)
    if any(w < 0 for w in weights) or sum(weights) != Decimal(1):
        raise _invalid("考试、写实记录、民主评议的权重须为非负数且合计为 1")
    # implements CQ-B1: only an institution recognised for the class's whole period runs it.
    if not institution.recognised_on(data.start_date, data.end_date):
        period = (
            f"{institution.recognised_from}至{institution.recognised_to}"
            if institution.recognised_from
            else "未认定"
        )
        raise ClassError(
            ClassesErrorCode.INSTITUTION_NOT_RECOGNISED,
            f"施教机构“{institution.name}”在 {data.start_date} 至 {data.end_date} "
            f"不在资格认定期内（认定期：{period}），不能承办培训班",
            {"institution_id": institution.id},
        )
    known = subject_names(include_inactive=True)
    unknown = [s for s in data.subject_hours if s not in known]
    if unknown:
        raise _invalid(f"未知的科目：{'、'.join(unknown)}", subjects=unknown)
    if any(h <= 0 for h in data.subject_hours.values()):
        raise _invalid("科目学时须大于 0")
    # implements CQ-T4a: subject hours are parts of the class's hours, never more than them.
    subject_total = sum(data.subject_hours.values(), Decimal(0))
    if subject_total > data.total_hours:
        raise ClassError(
            ClassesErrorCode.SUBJECT_HOURS_EXCEED_TOTAL,
            f"各科目学时合计 {_h(subject_total)} 超过总学时 {_h(data.total_hours)}",
            {"subject_total": str(subject_total), "total_hours": str(data.total_hours)},
        )


def _fields(data: ClassInput) -> dict[str, Any]:
    return {
        "code": data.code.strip(),
        "title": data.title.strip(),
        "training_type": data.training_type,
        "mode": data.mode,
        "organiser_id": data.organiser_id,
        "institution_id": data.institution_id,
        "start_date": data.start_date,
        "end_date": data.end_date,
        "days": data.days,
        "total_hours": data.total_hours,
        "capacity": data.capacity,
        "pass_mark": data.pass_mark,
        "exam_form": data.exam_form,
        "weight_exam": data.weight_exam,
        "weight_conduct": data.weight_conduct,
        "weight_peer": data.weight_peer,
        "audience": data.audience.strip(),
        "external": data.external,
        "self_registration": data.self_registration,
    }


def _snapshot(tc: TrainingClass) -> dict[str, Any]:
    values = {k: getattr(tc, k) for k in _fields_names()}
    values["subject_hours"] = {s.subject: str(s.hours) for s in tc.subject_hours.all()}
    return {k: (str(v) if not isinstance(v, (bool, int, dict)) else v) for k, v in values.items()}


def _fields_names() -> tuple[str, ...]:
    return (
        "code",
        "title",
        "training_type",
        "mode",
        "organiser_id",
        "institution_id",
        "start_date",
        "end_date",
        "days",
        "total_hours",
        "capacity",
        "pass_mark",
        "exam_form",
        "audience",
        "external",
        "self_registration",
    )


def _save_subjects(tc: TrainingClass, subject_hours: dict[str, Decimal]) -> None:
    tc.subject_hours.all().delete()
    ClassSubjectHours.objects.bulk_create(
        [ClassSubjectHours(training_class=tc, subject=s, hours=h) for s, h in subject_hours.items()]
    )


@transaction.atomic
def class_create(*, actor: Actor, data: ClassInput) -> TrainingClass:
    organiser_path, institution = _check_rights(actor, data)
    _validate(data, institution)
    if TrainingClass.objects.filter(code=data.code.strip()).exists():
        raise _invalid(f"班次编号 {data.code} 已被使用")
    tc = TrainingClass(**_fields(data), created_by_id=getattr(actor, "pk", None))
    checked(tc)
    tc.save()
    _save_subjects(tc, data.subject_hours)
    audit_record(
        actor=actor,
        action="class.create",
        object_type="training_class",
        object_id=tc.pk,
        object_label=str(tc),
        org_path=organiser_path,
        changes=_snapshot(tc),
    )
    return tc


@transaction.atomic
def class_update(*, actor: Actor, training_class: TrainingClass, data: ClassInput) -> TrainingClass:
    access_class_by_id(actor, training_class.pk, manage=True)
    tc = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    if tc.status not in EDITABLE:
        raise ClassError(ClassesErrorCode.NOT_EDITABLE, "培训班已开班，基本信息不能再修改")
    organiser_path, institution = _check_rights(actor, data)
    _validate(data, institution)
    if TrainingClass.objects.filter(code=data.code.strip()).exclude(pk=tc.pk).exists():
        raise _invalid(f"班次编号 {data.code} 已被使用")
    if data.capacity != tc.capacity and tc.status != ClassStatus.PLANNED:
        # Places given or taken once nominations are open decide who leaves the waitlist:
        # that is the enrolment app's change (enrolment.api.class_capacity_set).
        raise ClassError(
            ClassesErrorCode.CAPACITY_ON_ROSTER,
            "报名开始后，计划人数请在学员名单页调整（增加的名额按候补顺序递补）",
            {"capacity": tc.capacity},
        )
    scheduled = sum(tc.sessions.values_list("hours", flat=True), Decimal(0))
    if scheduled > data.total_hours:
        raise ClassError(
            ClassesErrorCode.SESSION_HOURS_EXCEED_TOTAL,
            f"已排课次合计 {_h(scheduled)} 学时，总学时不能少于此数",
        )
    before = _snapshot(tc)
    for key, value in _fields(data).items():
        setattr(tc, key, value)
    checked(tc)
    tc.save()
    _save_subjects(tc, data.subject_hours)
    after = _snapshot(tc)
    audit_record(
        actor=actor,
        action="class.update",
        object_type="training_class",
        object_id=tc.pk,
        object_label=str(tc),
        org_path=organiser_path,
        changes=diff(before, after),
    )
    return tc


def class_capacity_set(*, actor: Actor, class_id: int, capacity: int) -> TrainingClass:
    """Set the class's number of places; called only by the enrolment app's service, inside
    its transaction, which then admits from the waitlist (#11 item 4)."""
    tc = TrainingClass.objects.select_for_update().select_related("organiser").get(pk=class_id)
    if tc.status not in EDITABLE:
        raise ClassError(ClassesErrorCode.NOT_EDITABLE, "培训班已开班，计划人数不能再修改")
    if capacity <= 0:
        raise _invalid("计划人数须大于 0")
    if capacity != tc.capacity:
        was, tc.capacity = tc.capacity, capacity
        tc.save(update_fields=["capacity", "updated_at"])
        audit_record(
            actor=actor,
            action="class.capacity",
            object_type="training_class",
            object_id=tc.pk,
            object_label=str(tc),
            org_path=tc.organiser.path,
            changes={"capacity": [was, capacity]},
        )
    return tc


def _move(actor: Actor, tc: TrainingClass, to: ClassStatus) -> TrainingClass:
    current = ClassStatus(tc.status)
    if to not in TRANSITIONS[current]:
        raise ClassError(
            ClassesErrorCode.BAD_TRANSITION,
            f"培训班状态不能从“{CLASS_STATUS_LABELS[current]}”改为“{CLASS_STATUS_LABELS[to]}”",
            {"from": current.value, "to": to.value},
        )
    tc.status = to
    tc.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="class.status",
        object_type="training_class",
        object_id=tc.pk,
        object_label=str(tc),
        org_path=tc.organiser.path,
        changes={"status": [current.value, to.value]},
    )
    return tc


@transaction.atomic
def class_transition(
    *, actor: Actor, training_class: TrainingClass, to: ClassStatus
) -> TrainingClass:
    """Move the class along planned → open → running → results final → archived."""
    access_class_by_id(actor, training_class.pk, manage=True)
    tc = (
        TrainingClass.objects.select_for_update()
        .select_related("organiser")
        .get(pk=training_class.pk)
    )
    if to == ClassStatus.RESULTS_FINAL:
        # Finalising also feeds units and the ledger; that is the results service's job.
        raise ClassError(
            ClassesErrorCode.BAD_TRANSITION,
            "请在成绩录入页面确认成绩，确认后培训班自动进入“成绩已确认”",
        )
    return _move(actor, tc, to)


def class_mark_results_final(*, actor: Actor, training_class: TrainingClass) -> TrainingClass:
    """running → results final; called only by the enrolment app's results service, inside
    its transaction (ZZ-M2)."""
    tc = (
        TrainingClass.objects.select_for_update()
        .select_related("organiser")
        .get(pk=training_class.pk)
    )
    return _move(actor, tc, ClassStatus.RESULTS_FINAL)


@transaction.atomic
def session_create(*, actor: Actor, training_class: TrainingClass, data: SessionInput) -> Session:
    access_class_by_id(actor, training_class.pk, manage=True)
    tc = (
        TrainingClass.objects.select_for_update()
        .select_related("organiser")
        .get(pk=training_class.pk)
    )
    if tc.status in (ClassStatus.RESULTS_FINAL, ClassStatus.ARCHIVED):
        raise ClassError(ClassesErrorCode.NOT_EDITABLE, "成绩已确认的培训班不能再增加课次")
    if not data.topic.strip():
        raise _invalid("课次专题不能为空")
    if not tc.start_date <= data.date <= tc.end_date:
        raise _invalid(f"课次日期须在 {tc.start_date} 至 {tc.end_date} 之间")
    if data.end_time <= data.start_time:
        raise _invalid("课次结束时间须晚于开始时间")
    if data.hours <= 0:
        raise _invalid("课次学时须大于 0")
    if data.subject and data.subject not in subject_names(include_inactive=True):
        raise _invalid(f"未知的科目“{data.subject}”")
    if data.teacher_id is not None:
        access_teacher(actor, data.teacher_id)
    scheduled = sum(tc.sessions.values_list("hours", flat=True), Decimal(0))
    if scheduled + data.hours > tc.total_hours:
        raise ClassError(
            ClassesErrorCode.SESSION_HOURS_EXCEED_TOTAL,
            f"课次学时合计将达 {_h(scheduled + data.hours)}，超过培训班总学时 {_h(tc.total_hours)}",
        )
    session = Session(
        training_class=tc,
        date=data.date,
        start_time=data.start_time,
        end_time=data.end_time,
        place=data.place.strip(),
        topic=data.topic.strip(),
        subject=data.subject,
        teacher_id=data.teacher_id,
        hours=data.hours,
    )
    checked(session)
    session.save()
    audit_record(
        actor=actor,
        action="session.create",
        object_type="session",
        object_id=session.pk,
        object_label=f"{tc.code} {session}",
        org_path=tc.organiser.path,
        changes={"date": str(data.date), "hours": str(data.hours), "topic": session.topic},
    )
    return session


@transaction.atomic
def session_delete(*, actor: Actor, session: Session) -> None:
    access_class_by_id(actor, session.training_class_id, manage=True)
    tc = session.training_class
    if tc.status != ClassStatus.PLANNED and tc.status != ClassStatus.OPEN:
        raise ClassError(ClassesErrorCode.NOT_EDITABLE, "培训班已开班，课次不能删除")
    audit_record(
        actor=actor,
        action="session.delete",
        object_type="session",
        object_id=session.pk,
        object_label=f"{tc.code} {session}",
        org_path=tc.organiser.path,
    )
    session.delete()
