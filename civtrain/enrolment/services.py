"""Writes of enrolment: nominations, waitlist, attendance, leave, results, unit feedback."""

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum

from civtrain.accounts.api import PERSONNEL_ROLES, Role, User, actor_scope
from civtrain.classes.api import (
    CLASS_STATUS_LABELS,
    ClassData,
    ClassStatus,
    SessionData,
    access_class,
    access_session,
    class_lock,
    class_mark_results_final,
    sessions_of,
)
from civtrain.classes.api import class_capacity_set as classes_capacity_set
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record, audit_record_many
from civtrain.core.errors import NotFound, ValidationFailed
from civtrain.core.text import compact, normalise
from civtrain.enrolment import ledger, qr, selectors
from civtrain.enrolment.data import (
    ATTENDANCE_LABELS,
    INSTITUTION_REASONS,
    UNIT_REASONS,
    WITHDRAWAL_REASON_LABELS,
    AttendanceMethod,
    AttendanceStatus,
    EnrolmentStatus,
    ImportProblem,
    LeaveStatus,
    MessageKind,
    NominationFilter,
    NominationOutcome,
    ResultInput,
    WithdrawalReason,
)
from civtrain.enrolment.errors import EnrolmentError, EnrolmentErrorCode
from civtrain.enrolment.hours import CreditedHours, LeaveVerdict, fmt_hours, leave_verdict
from civtrain.enrolment.models import (
    Attendance,
    Enrolment,
    LeaveRequest,
    TrainingNotice,
    UnitMessage,
    UnitNotice,
)
from civtrain.people.api import (
    access_person,
    person_for_user,
    person_id_by_id_number,
    person_ids_matching,
)
from civtrain.people.data import PersonData, mask_id_number

ACTIVE = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)
NOT_FINAL = (ClassStatus.PLANNED, ClassStatus.OPEN, ClassStatus.RUNNING)
SCORE_FIELDS = (
    "exam_score",
    "conduct_attitude",
    "conduct_participation",
    "conduct_interaction",
    "conduct_discipline",
    "peer_score",
)
CONDUCT_FIELDS = SCORE_FIELDS[1:5]


def _lock_class(class_id: int, *allowed: ClassStatus) -> ClassData:
    """Lock the class row for this transaction and check it is in one of the `allowed`
    statuses (any status when none is given)."""
    tc = class_lock(class_id)
    if allowed and tc.status not in allowed:
        wanted = "、".join(CLASS_STATUS_LABELS[s] for s in allowed)
        code = (
            EnrolmentErrorCode.CLASS_NOT_OPEN
            if ClassStatus.OPEN in allowed
            else EnrolmentErrorCode.CLASS_NOT_RUNNING
        )
        raise EnrolmentError(
            code,
            f"培训班“{tc.title}”当前为“{CLASS_STATUS_LABELS[tc.status]}”，此操作需在“{wanted}”时进行",
            {"status": tc.status.value},
        )
    return tc


def _audit(
    actor: Actor,
    action: str,
    tc: ClassData,
    e: Enrolment,
    changes: dict[str, Any] | None = None,
    *,
    leave: LeaveRequest | None = None,
) -> None:
    """One audit row about a trainee of a class: the enrolment, or one of its leave requests."""
    audit_record(
        actor=actor,
        action=action,
        object_type="enrolment" if leave is None else "leave_request",
        object_id=e.pk if leave is None else leave.pk,
        object_label=f"{tc.code} {e.person.name}",
        org_path=e.unit.path,
        changes=changes,
    )


def _set_status(
    actor: Actor, action: str, tc: ClassData, e: Enrolment, to: EnrolmentStatus, reason: str
) -> None:
    """Move a trainee to another enrolment status, with the reason, audited."""
    was = e.status
    e.status, e.status_reason = to, reason
    e.save(update_fields=["status", "status_reason"])
    _audit(actor, action, tc, e, {"status": [was, to.value], "reason": reason})


def _take_off(
    actor: Actor, tc: ClassData, e: Enrolment, why: WithdrawalReason, note: str = ""
) -> None:
    """Withdraw (退出, before the class runs) or drop (退学, once it runs, or for leave above
    1/7 at any time, NAT-6) a trainee, recording who did it, when, and why (#11 item 4),
    audited."""
    dropped = e.status == EnrolmentStatus.ENROLLED and (
        tc.status == ClassStatus.RUNNING or why == WithdrawalReason.LEAVE_OVER_LIMIT
    )
    to = EnrolmentStatus.DROPPED if dropped else EnrolmentStatus.WITHDRAWN
    was = e.status
    e.status = to
    e.status_reason = (note.strip() or WITHDRAWAL_REASON_LABELS[why])[:300]
    e.withdrawal_reason = why
    e.withdrawn_by_id = getattr(actor, "pk", None)
    e.withdrawn_at = clock.now()
    e.save(
        update_fields=[
            "status",
            "status_reason",
            "withdrawal_reason",
            "withdrawn_by_id",
            "withdrawn_at",
        ]
    )
    changes = {"status": [was, to.value], "withdrawal_reason": why.value, "reason": e.status_reason}
    _audit(actor, "enrolment.drop" if dropped else "enrolment.withdraw", tc, e, changes)


def _enrolled_count(class_id: int) -> int:
    return Enrolment.objects.filter(
        training_class_id=class_id, status=EnrolmentStatus.ENROLLED
    ).count()


def _enrol(
    actor: Actor, tc: ClassData, person: PersonData, *, self_registered: bool
) -> NominationOutcome:
    existing = Enrolment.objects.filter(training_class_id=tc.id, person_id=person.id).first()
    if existing is not None and existing.status in ACTIVE:
        return NominationOutcome(person.id, existing.pk, EnrolmentStatus(existing.status), False)
    full = _enrolled_count(tc.id) >= tc.capacity
    status = EnrolmentStatus.WAITLISTED if full else EnrolmentStatus.ENROLLED
    if existing is not None:  # re-nominating someone who withdrew earlier
        existing.status = status
        existing.status_reason = ""
        existing.withdrawal_reason = ""
        existing.withdrawn_by_id = None
        existing.withdrawn_at = None
        existing.unit_id = person.unit_id
        existing.created_at = clock.now()
        existing.nominated_by_id = getattr(actor, "pk", None)
        existing.save()
        enrolment = existing
    else:
        enrolment = Enrolment.objects.create(
            training_class_id=tc.id,
            person_id=person.id,
            unit_id=person.unit_id,
            status=status,
            self_registered=self_registered,
            nominated_by_id=getattr(actor, "pk", None),
            created_at=clock.now(),
        )
    return NominationOutcome(person.id, enrolment.pk, status, True)


@transaction.atomic
def nominations_create(
    *, actor: Actor, class_id: int, person_ids: Sequence[int]
) -> list[NominationOutcome]:
    """Unit HR nominates people of their subtree; beyond capacity they join the waitlist.

    Any person outside the actor's subtree fails the whole batch as not found (ARCHITECTURE §7).
    """
    access_class(actor, class_id)  # NotFound when the class is not visible
    tc = _lock_class(class_id, ClassStatus.OPEN)
    _admit_waitlist(actor, tc)  # those already waiting come before new nominees
    scope = actor_scope(actor)
    people: list[PersonData] = []
    for pid in dict.fromkeys(person_ids):
        person = access_person(actor, pid)
        if not scope.covers(person.unit_path, *PERSONNEL_ROLES):
            raise NotFound("人员不存在或不在您的管辖范围内")
        people.append(person)
    if not people:
        raise ValidationFailed("请至少选择一名人员")
    outcomes = [_enrol(actor, tc, p, self_registered=False) for p in people]
    audit_record_many(
        actor=actor,
        action="enrolment.nominate",
        object_type="enrolment",
        items=[
            (o.enrolment_id, f"{tc.code} {p.name}", p.unit_path, {"status": o.status.value})
            for o, p in zip(outcomes, people, strict=True)
            if o.created
        ],
    )
    return outcomes


def nominations_from_id_numbers(
    *, actor: Actor, class_id: int, id_numbers: Sequence[tuple[int, str]]
) -> tuple[list[NominationOutcome], list[ImportProblem]]:
    """Nominate from a list of (row number, ID number), e.g. an uploaded sheet. Unknown and
    out-of-scope numbers get the same answer; nothing is written unless every row is good."""
    scope = actor_scope(actor)
    problems: list[ImportProblem] = []
    person_ids: list[int] = []
    for row, raw in id_numbers:
        number = compact(raw).upper()
        if not number:
            continue
        pid = person_id_by_id_number(number)
        person = None
        if pid is not None:
            try:
                person = access_person(actor, pid)
            except NotFound:
                person = None
        if person is None or not scope.covers(person.unit_path, *PERSONNEL_ROLES):
            problems.append(
                ImportProblem(
                    row, f"身份证号 {mask_id_number(number)} 的人员不存在或不在您的管辖范围内"
                )
            )
            continue
        person_ids.append(person.id)
    if problems:
        return [], problems
    if not person_ids:
        return [], [ImportProblem(0, "文件中没有身份证号")]
    return nominations_create(actor=actor, class_id=class_id, person_ids=person_ids), []


@transaction.atomic
def enrolment_self_register(*, actor: Actor, class_id: int) -> NominationOutcome:
    """A learner registers for a class that allows it (item 4)."""
    person = person_for_user(actor.pk) if getattr(actor, "pk", None) else None
    if person is None or not actor_scope(actor).has(Role.LEARNER):
        raise NotFound("培训班不存在或无权访问")
    access_class(actor, class_id)
    tc = _lock_class(class_id, ClassStatus.OPEN)
    if not tc.self_registration:
        raise EnrolmentError(
            EnrolmentErrorCode.SELF_REGISTRATION_CLOSED,
            "该培训班不接受个人报名，请联系所在单位推荐",
        )
    _admit_waitlist(actor, tc)
    outcome = _enrol(actor, tc, person, self_registered=True)
    audit_record(
        actor=actor,
        action="enrolment.self_register",
        object_type="enrolment",
        object_id=outcome.enrolment_id,
        object_label=f"{tc.code} {person.name}",
        org_path=person.unit_path,
        changes={"status": outcome.status.value},
    )
    return outcome


def _may_act_for_trainee(actor: Actor, enrolment: Enrolment) -> bool:
    scope = actor_scope(actor)
    return scope.covers(enrolment.unit.path, *PERSONNEL_ROLES) or (
        scope.user_id is not None and enrolment.person.user_id == scope.user_id
    )


def runs_class(actor: Actor, class_id: int) -> bool:
    """Whether the actor runs the class (its institution's staff)."""
    try:
        access_class(actor, class_id, run=True)
    except NotFound:
        return False
    return True


def access_enrolment_by_id(actor: Actor, enrolment_id: int, *, run: bool = False) -> Enrolment:
    """The enrolment if the actor runs its class, or (unless `run`) acts for the trainee."""
    e = Enrolment.objects.select_related("unit", "person").filter(pk=enrolment_id).first()
    if e is None:
        raise NotFound("报名记录不存在或无权访问")
    if runs_class(actor, e.training_class_id):
        return e
    if not run and _may_act_for_trainee(actor, e):
        return e
    raise NotFound("报名记录不存在或无权访问")


# --- the waitlist (#11 item 4) ------------------------------------------------------------


def _admitted_message(tc: ClassData, e: Enrolment, how: str) -> UnitMessage:
    return UnitMessage(
        unit_id=e.unit_id,
        kind=MessageKind.ADMITTED,
        training_class_id=tc.id,
        enrolment=e,
        title=f"{e.person.name} · {tc.title} 候补录取",
        body=(
            f"{e.person.name} 已由候补转为录取（{how}）。\n"
            f"培训班：{tc.title}（{tc.code}），{tc.start_date} 至 {tc.end_date}，"
            f"{fmt_hours(tc.total_hours)} 学时。请通知本人按时参训。"
        ),
        created_at=clock.now(),
    )


def _admit(actor: Actor, tc: ClassData, e: Enrolment, how: str) -> None:
    """One waitlisted trainee admitted: audited, their unit told in its inbox."""
    _set_status(actor, "enrolment.admit", tc, e, EnrolmentStatus.ENROLLED, how)
    _admitted_message(tc, e, how).save()


def _admit_waitlist(actor: Actor, tc: ClassData, how: str = "候补递补") -> list[Enrolment]:
    """Fill the free places of a class not yet running from its waitlist, first come first
    admitted (the order of waitlisting). The caller holds the class's lock."""
    if tc.status not in (ClassStatus.PLANNED, ClassStatus.OPEN):
        return []
    free = tc.capacity - _enrolled_count(tc.id)
    if free <= 0:
        return []
    waiting = list(
        Enrolment.objects.select_for_update()
        .select_related("person", "unit")
        .filter(training_class_id=tc.id, status=EnrolmentStatus.WAITLISTED)
        .order_by("created_at", "id")[:free]
    )
    for e in waiting:
        _admit(actor, tc, e, how)
    return waiting


def manages_class(actor: Actor, class_id: int) -> bool:
    """Whether the actor may manage the class (its organiser or its institution)."""
    try:
        access_class(actor, class_id, manage=True)
    except NotFound:
        return False
    return True


@transaction.atomic
def class_capacity_set(*, actor: Actor, class_id: int, capacity: int) -> list[Enrolment]:
    """The organiser changes the number of places; new places go to the waitlist in order.
    Returns the trainees admitted."""
    access_class(actor, class_id, manage=True)
    tc = _lock_class(class_id, ClassStatus.PLANNED, ClassStatus.OPEN)
    enrolled = _enrolled_count(class_id)
    if capacity < enrolled:
        raise ValidationFailed(f"计划人数不能少于已录取人数（{enrolled} 人）")
    tc = classes_capacity_set(actor=actor, class_id=class_id, capacity=capacity)
    return _admit_waitlist(actor, tc, "计划人数增加，按候补顺序递补")


@transaction.atomic
def waitlist_admit(*, actor: Actor, enrolment_id: int) -> Enrolment:
    """The organiser or the institution admits one waitlisted trainee by hand, in any order.
    With no free place the class gets one more (its capacity grows by one, audited)."""
    e = Enrolment.objects.select_related("unit", "person").filter(pk=enrolment_id).first()
    if e is None or not manages_class(actor, e.training_class_id):
        raise NotFound("报名记录不存在或无权访问")
    tc = _lock_class(e.training_class_id, *NOT_FINAL)
    e = Enrolment.objects.select_for_update().select_related("unit", "person").get(pk=e.pk)
    if e.status != EnrolmentStatus.WAITLISTED:
        raise EnrolmentError(EnrolmentErrorCode.BAD_STATUS, "该学员不在候补名单中")
    if _enrolled_count(tc.id) >= tc.capacity:
        if tc.status == ClassStatus.RUNNING:
            raise EnrolmentError(
                EnrolmentErrorCode.CLASS_FULL, "培训班已开班且名额已满，不能再录取"
            )
        tc = classes_capacity_set(actor=actor, class_id=tc.id, capacity=tc.capacity + 1)
    _admit(actor, tc, e, "主办方从候补名单录取")
    return e


@transaction.atomic
def enrolment_withdraw(
    *, actor: Actor, enrolment_id: int, reason: str = "", why: str = ""
) -> Enrolment:
    """Take a trainee off a class, recording who and why (#11 item 4): the trainee
    (本人申请退出), their unit (本人申请 or 单位撤回推荐), or the institution (its reasons);
    before the class runs, the waitlist fills the freed place in order.

    Once the class runs, taking a trainee off it is 退学, which only the institution decides
    (as it decides leave, NAT-6) and which the ledger records as a failed result at
    finalisation (REQUIREMENTS §8 "Failed training"); the trainee or their unit asks the
    institution for leave instead. Without this, withdrawing before the results would keep
    a failure out of the record (ZZ-M4, CQ-M3). Leave above 1/7 is recorded by the leave
    check itself (leave_request_decide, attendance_record), never picked here."""
    e = access_enrolment_by_id(actor, enrolment_id)
    tc = _lock_class(e.training_class_id)
    if e.status not in ACTIVE:
        raise EnrolmentError(EnrolmentErrorCode.BAD_STATUS, "该学员已不在本班名单中")
    if tc.status not in (ClassStatus.PLANNED, ClassStatus.OPEN, ClassStatus.RUNNING):
        raise EnrolmentError(EnrolmentErrorCode.BAD_STATUS, "成绩确认后不能再退出")
    institution = runs_class(actor, tc.id)
    if tc.status == ClassStatus.RUNNING and e.status == EnrolmentStatus.ENROLLED:
        if not institution:
            raise EnrolmentError(
                EnrolmentErrorCode.DROP_BY_INSTITUTION,
                "培训班已开班，中途退出须由施教机构作退学处理；如需离开，请提交请假申请",
            )
        allowed: tuple[WithdrawalReason, ...] = INSTITUTION_REASONS
    else:
        scope = actor_scope(actor)
        allowed = ()
        if institution:
            allowed += INSTITUTION_REASONS
        if scope.covers(e.unit.path, *PERSONNEL_ROLES):
            allowed = UNIT_REASONS[::-1] + allowed  # the unit's own recall first
        if scope.user_id is not None and e.person.user_id == scope.user_id:
            allowed += (WithdrawalReason.SELF,)
    chosen = WithdrawalReason(why) if why in set(WithdrawalReason) else None
    if why and chosen not in allowed:
        raise EnrolmentError(
            EnrolmentErrorCode.BAD_REASON,
            f"退出类别“{WITHDRAWAL_REASON_LABELS.get(chosen, why) if chosen else why}”不适用"
            f"（可选：{'、'.join(WITHDRAWAL_REASON_LABELS[r] for r in allowed)}）",
            {"allowed": [r.value for r in allowed]},
        )
    was = e.status
    _take_off(actor, tc, e, chosen or allowed[0], reason)
    if was == EnrolmentStatus.ENROLLED:
        _admit_waitlist(actor, tc)
    return e


# --- batch nomination (#11 item 4) ------------------------------------------------------------


def _matching(actor: Actor, filters: NominationFilter) -> list[int]:
    return person_ids_matching(
        actor=actor,
        unit_id=filters.unit_id,
        category=filters.category,
        rank=filters.rank,
        leadership_level=filters.leadership_level,
        grassroots=filters.grassroots,
        basic_post=filters.basic_post,
        law_enforcement=filters.law_enforcement,
    )


def nomination_preview(*, actor: Actor, class_id: int, filters: NominationFilter) -> dict[str, int]:
    """What a batch nomination would do, before it is confirmed: people matching, already on
    the class, and how many of the rest would be admitted or waitlisted."""
    tc = access_class(actor, class_id)
    if not actor_scope(actor).has(*PERSONNEL_ROLES):
        raise NotFound("培训班不存在或无权访问")
    ids = _matching(actor, filters)
    on = set(
        Enrolment.objects.filter(
            training_class_id=class_id, person_id__in=ids, status__in=ACTIVE
        ).values_list("person_id", flat=True)
    )
    new = len(ids) - len(on)
    waiting = Enrolment.objects.filter(
        training_class_id=class_id, status=EnrolmentStatus.WAITLISTED
    ).count()
    free = max(0, tc.capacity - _enrolled_count(class_id) - waiting)
    return {
        "matching": len(ids),
        "already": len(on),
        "new": new,
        "enrolled": min(new, free),
        "waitlisted": new - min(new, free),
    }


def nominations_by_filter(
    *, actor: Actor, class_id: int, filters: NominationFilter, expected: int
) -> list[NominationOutcome]:
    """Nominate everyone the filters match; `expected` is the count the preview showed, and
    the batch is refused if the list changed since (nothing is written)."""
    ids = _matching(actor, filters)
    if len(ids) != expected:
        raise EnrolmentError(
            EnrolmentErrorCode.PREVIEW_STALE,
            f"符合条件的人数已由 {expected} 人变为 {len(ids)} 人，请重新预览后再确认",
            {"expected": expected, "matching": len(ids)},
        )
    return nominations_create(actor=actor, class_id=class_id, person_ids=ids)


# --- attendance ------------------------------------------------------------------------


def _mark(
    actor: Actor,
    enrolment: Enrolment,
    session_id: int,
    status: AttendanceStatus,
    method: AttendanceMethod,
) -> Attendance:
    row, _ = Attendance.objects.update_or_create(
        enrolment=enrolment,
        session_id=session_id,
        defaults={
            "status": status,
            "method": method,
            "recorded_at": clock.now(),
            "recorded_by_id": getattr(actor, "pk", None),
        },
    )
    return row


@transaction.atomic
def attendance_checkin(*, actor: Actor, session_id: int, token: str) -> Attendance:
    """The learner scanned the session's rotating QR code (item 5a)."""
    person = person_for_user(actor.pk) if getattr(actor, "pk", None) else None
    if person is None:
        raise NotFound("课次不存在或您未报名该培训班")
    e = (
        Enrolment.objects.select_related("unit", "person")
        .filter(
            person_id=person.id,
            status=EnrolmentStatus.ENROLLED,
            training_class__sessions__pk=session_id,
        )
        .first()
    )
    if e is None:
        raise NotFound("课次不存在或您未报名该培训班")
    if not qr.qr_token_valid(session_id, token):
        raise EnrolmentError(
            EnrolmentErrorCode.QR_TOKEN_EXPIRED, "二维码已过期，请重新扫描现场屏幕上的最新二维码"
        )
    tc = _lock_class(e.training_class_id, ClassStatus.RUNNING)
    # Trainees arrive early: the code may be scanned from half an hour before the start.
    _refuse_unheld(access_session(actor, session_id), early=dt.timedelta(minutes=30))
    row = _mark(actor, e, session_id, AttendanceStatus.PRESENT, AttendanceMethod.QR)
    _audit(actor, "attendance.checkin", tc, e, {"session_id": session_id})
    return row


def session_started(session: SessionData, *, early: dt.timedelta = dt.timedelta(0)) -> bool:
    """Whether the session has begun (Asia/Shanghai), `early` before its start counting."""
    start = dt.datetime.combine(session.date, session.start_time, tzinfo=clock.TZ)
    return clock.now() >= start - early


def _refuse_unheld(session: SessionData, *, early: dt.timedelta = dt.timedelta(0)) -> None:
    """Attendance is a record of what happened: none for a session not yet begun (#11 item 5)."""
    if not session_started(session, early=early):
        raise EnrolmentError(
            EnrolmentErrorCode.SESSION_NOT_HELD,
            f"课次 {session.date:%Y-%m-%d} {session.start_time:%H:%M}“{session.topic}”尚未开始，"
            "不能登记考勤",
            {"session_id": session.id},
        )


@transaction.atomic
def attendance_record(
    *,
    actor: Actor,
    session_id: int,
    enrolment_id: int,
    status: AttendanceStatus,
    confirm_drop: bool = False,
) -> Attendance:
    """The institution's register: one trainee, one session (item 5b). A leave mark goes
    through the same NAT-6 check as an approved leave request (#11 item 5)."""
    session = access_session(actor, session_id, run=True)
    e = access_enrolment_by_id(actor, enrolment_id, run=True)
    if e.training_class_id != session.class_id or e.status != EnrolmentStatus.ENROLLED:
        raise NotFound("该学员不在本课次名单中")
    tc = _lock_class(session.class_id, ClassStatus.RUNNING)
    _refuse_unheld(session)
    row = _mark(actor, e, session_id, status, AttendanceMethod.REGISTER)
    _audit(actor, "attendance.record", tc, e, {"session_id": session_id, "status": status.value})
    if status == AttendanceStatus.LEAVE:
        _leave_rule(actor, tc, e, confirm_drop=confirm_drop)
    return row


_STATUS_WORDS = {
    **{label: status for status, label in ATTENDANCE_LABELS.items()},
    **{status.value: status for status in AttendanceStatus},
    "到": AttendanceStatus.PRESENT,
    "在": AttendanceStatus.PRESENT,
    "假": AttendanceStatus.LEAVE,
    "缺": AttendanceStatus.ABSENT,
    "旷课": AttendanceStatus.ABSENT,
}


@transaction.atomic
def attendance_import(
    *, actor: Actor, class_id: int, rows: Sequence[Mapping[str, Any]]
) -> tuple[int, list[ImportProblem]]:
    """Attendance from a sheet with columns 身份证号 or 登录名, 课次, 状态 (item 5c).

    课次 is the session's number on the attendance sheet (1, 2, …) or its date and start
    time ("2026-03-02 09:00"). Nothing is written unless every row is valid.
    """
    access_class(actor, class_id, run=True)
    tc = _lock_class(class_id, ClassStatus.RUNNING)
    sessions = sessions_of(class_id)
    by_key: dict[str, int] = {}
    for n, s in enumerate(sessions, start=1):
        by_key[str(n)] = s.id
        by_key[f"{s.date:%Y-%m-%d} {s.start_time:%H:%M}"] = s.id
    held = {s.id for s in sessions if session_started(s)}
    enrolments = {
        e.person_id: e
        for e in Enrolment.objects.select_related("person").filter(
            training_class_id=class_id, status=EnrolmentStatus.ENROLLED
        )
    }
    problems: list[ImportProblem] = []
    marks: list[tuple[Enrolment, int, AttendanceStatus]] = []
    for n, raw in enumerate(rows, start=2):  # row 1 is the header, unless the reader says
        i = int(raw.get("_row", n))
        id_number = compact(raw.get("身份证号", "")).upper()
        username = normalise(raw.get("登录名", ""))
        person_id: int | None = None
        if id_number:
            person_id = person_id_by_id_number(id_number)
        elif username:
            user = User.objects.filter(username=username).first()
            found = person_for_user(user.pk) if user else None
            person_id = found.id if found else None
        else:
            problems.append(ImportProblem(i, "身份证号和登录名至少填写一项"))
            continue
        enrolment = enrolments.get(person_id) if person_id else None
        if enrolment is None:
            problems.append(ImportProblem(i, "该人员不在本班学员名单中"))
            continue
        session_id = by_key.get(normalise(raw.get("课次", "")))
        if session_id is None:
            problems.append(
                ImportProblem(i, f"课次“{raw.get('课次', '')}”不存在（填序号或“日期 开始时间”）")
            )
            continue
        if session_id not in held:
            problems.append(ImportProblem(i, f"课次“{raw.get('课次', '')}”尚未开始，不能登记考勤"))
            continue
        status = _STATUS_WORDS.get(compact(raw.get("状态", "")))
        if status is None:
            problems.append(ImportProblem(i, f"状态“{raw.get('状态', '')}”应为 出勤/请假/缺勤"))
            continue
        marks.append((enrolment, session_id, status))
    if problems:
        return 0, problems
    for enrolment, session_id, status in marks:
        _mark(actor, enrolment, session_id, status, AttendanceMethod.IMPORT)
    # NAT-6 as on the sheet; a file cannot confirm a withdrawal, so it is refused whole.
    over = [
        (e, verdict)
        for e in {e.pk: e for e, _sid, st in marks if st == AttendanceStatus.LEAVE}.values()
        if (verdict := _leave_of(tc, e)).over
    ]
    if over:
        transaction.set_rollback(True)
        return 0, [
            ImportProblem(0, f"{e.person.name}：{v.reason}。请在考勤表上登记并确认退学")
            for e, v in over
        ]
    audit_record(
        actor=actor,
        action="attendance.import",
        object_type="training_class",
        object_id=class_id,
        object_label=tc.code,
        org_path=tc.organiser_path,
        changes={"rows": len(marks)},
    )
    return len(marks), []


# --- leave (NAT-6) ---------------------------------------------------------------------


@transaction.atomic
def leave_request_create(
    *,
    actor: Actor,
    enrolment_id: int,
    hours: Decimal,
    reason: str,
    session_id: int | None = None,
) -> LeaveRequest:
    """The trainee (or their unit) asks the institution for leave."""
    e = access_enrolment_by_id(actor, enrolment_id)
    if e.status != EnrolmentStatus.ENROLLED:
        raise EnrolmentError(EnrolmentErrorCode.NOT_ENROLLED, "只有在读学员可以请假")
    tc = _lock_class(e.training_class_id, ClassStatus.OPEN, ClassStatus.RUNNING)
    if hours <= 0:
        raise ValidationFailed("请假学时须大于 0")
    if not reason.strip():
        raise ValidationFailed("请填写请假事由")
    if len(reason.strip()) > 300 or hours > 1000:
        raise ValidationFailed("请假事由不超过 300 字，请假学时不超过 1000")
    if session_id is not None and not any(s.id == session_id for s in sessions_of(tc.id)):
        raise NotFound("课次不存在或不属于本培训班")
    leave = LeaveRequest.objects.create(
        enrolment=e,
        session_id=session_id,
        hours=hours,
        reason=reason.strip(),
        requested_at=clock.now(),
        requested_by_id=getattr(actor, "pk", None),
    )
    _audit(
        actor, "leave.request", tc, e, {"hours": str(hours), "session_id": session_id}, leave=leave
    )
    return leave


def _leave_of(tc: ClassData, e: Enrolment) -> LeaveVerdict:
    """The NAT-6 verdict on one trainee as recorded now: leave marks and approved requests."""
    marks = dict(Attendance.objects.filter(enrolment=e).values_list("session_id", "status"))
    leave = list(
        LeaveRequest.objects.filter(enrolment=e, status=LeaveStatus.APPROVED).values_list(
            "session_id", "hours"
        )
    )
    return leave_verdict(tc, sessions_of(tc.id), marks, leave)


def _leave_rule(actor: Actor, tc: ClassData, e: Enrolment, *, confirm_drop: bool) -> None:
    """# implements NAT-6: leave above 1/7 of the class's hours withdraws the trainee (退学).

    The one check for both paths (#11 item 5): a leave mark on the attendance sheet and an
    approved leave request call it after writing, inside the caller's transaction. Over the
    cap, the withdrawal needs the caller's confirmation: without it the error says why and
    the transaction rolls back, so nothing is written."""
    verdict = _leave_of(tc, e)
    if not verdict.over:
        return
    if not confirm_drop:
        raise EnrolmentError(
            EnrolmentErrorCode.LEAVE_OVER_LIMIT,
            f"{e.person.name}：{verdict.reason}。确认后将作退学处理，并记入培训档案",
            {
                "enrolment_id": e.pk,
                "leave_hours": str(verdict.taken),
                "cap_hours": str(verdict.cap),
            },
        )
    _take_off(actor, tc, e, WithdrawalReason.LEAVE_OVER_LIMIT, verdict.reason)


@transaction.atomic
def leave_request_decide(
    *, actor: Actor, leave_id: int, approve: bool, confirm_drop: bool = False
) -> LeaveRequest:
    """The institution approves or refuses; approved leave above 1/7 of the class hours
    withdraws the trainee (退学) once confirmed (NAT-6, the same check as the sheet's)."""
    leave = LeaveRequest.objects.select_related("enrolment").filter(pk=leave_id).first()
    if leave is None:
        raise NotFound("请假申请不存在或无权访问")
    e = access_enrolment_by_id(actor, leave.enrolment_id, run=True)
    tc = _lock_class(e.training_class_id)
    leave = LeaveRequest.objects.select_for_update().get(pk=leave_id)
    if leave.status != LeaveStatus.PENDING:
        raise EnrolmentError(EnrolmentErrorCode.LEAVE_DECIDED, "该请假申请已处理")
    leave.status = LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED
    leave.decided_at = clock.now()
    leave.decided_by_id = getattr(actor, "pk", None)
    leave.save(update_fields=["status", "decided_at", "decided_by_id"])
    _audit(actor, "leave.decide", tc, e, {"status": leave.status}, leave=leave)
    if approve and e.status == EnrolmentStatus.ENROLLED:
        if leave.session_id is not None:
            _mark(actor, e, leave.session_id, AttendanceStatus.LEAVE, AttendanceMethod.LEAVE)
        _leave_rule(actor, tc, e, confirm_drop=confirm_drop)
    return leave


# --- results (CQ-O4, ZZ-M1, ZZ-M2) -----------------------------------------------------


def quantified_score(tc: ClassData, e: Enrolment) -> Decimal | None:
    """Exam, mean conduct item, and peer evaluation weighted by the class's weights (CQ-O4);
    None while a component with a non-zero weight is missing."""
    conduct_items = [getattr(e, f) for f in CONDUCT_FIELDS]
    parts = [
        (tc.weight_exam, e.exam_score),
        (
            tc.weight_conduct,
            None
            if any(v is None for v in conduct_items)
            else sum(conduct_items, Decimal(0)) / len(conduct_items),
        ),
        (tc.weight_peer, e.peer_score),
    ]
    if any(w > 0 and v is None for w, v in parts):
        return None
    total = sum((w * (v or Decimal(0)) for w, v in parts), Decimal(0))
    return total.quantize(Decimal("0.1"))


@transaction.atomic
def results_record(*, actor: Actor, class_id: int, rows: Sequence[ResultInput]) -> list[Enrolment]:
    """Enter or import scores for trainees of a running class; totals and pass/fail follow."""
    access_class(actor, class_id, run=True)
    tc = _lock_class(class_id, ClassStatus.RUNNING)
    by_id = {
        e.pk: e
        for e in Enrolment.objects.select_for_update()
        .select_related("person", "unit")
        .filter(training_class_id=class_id, status=EnrolmentStatus.ENROLLED)
    }
    changed: list[Enrolment] = []
    audit_items = []
    for row in rows:
        e = by_id.get(row.enrolment_id)
        if e is None:
            raise NotFound(f"报名记录 {row.enrolment_id} 不在本班在读学员中")
        before = {f: str(getattr(e, f)) for f in SCORE_FIELDS}
        for f in SCORE_FIELDS:
            value = getattr(row, f)
            if value is None:
                continue
            if not Decimal(0) <= value <= Decimal(100):
                raise EnrolmentError(
                    EnrolmentErrorCode.BAD_SCORE,
                    f"{e.person.name} 的分数 {value} 不在 0–100 之间",
                    {"enrolment_id": e.pk, "field": f},
                )
            setattr(e, f, value)
        e.total_score = quantified_score(tc, e)
        # implements ZZ-M1: pass/fail against the class's pass mark.
        e.passed = None if e.total_score is None else e.total_score >= tc.pass_mark
        e.save(update_fields=[*SCORE_FIELDS, "total_score", "passed"])
        changed.append(e)
        after = {f: str(getattr(e, f)) for f in SCORE_FIELDS}
        audit_items.append(
            (
                e.pk,
                f"{tc.code} {e.person.name}",
                e.unit.path,
                {k: [before[k], after[k]] for k in after if before[k] != after[k]},
            )
        )
    audit_record_many(
        actor=actor, action="result.record", object_type="enrolment", items=audit_items
    )
    return changed


def _notice_body(
    tc: ClassData, e: Enrolment, absent: int, leave: Decimal, credited: CreditedHours | None
) -> str:
    lines = [
        f"培训班：{tc.title}（{tc.code}），{tc.start_date} 至 {tc.end_date}，"
        f"{fmt_hours(tc.total_hours)} 学时"
    ]
    if e.status == EnrolmentStatus.DROPPED:
        lines.append(f"结果：退学。{e.status_reason}")
    else:
        lines.append(
            f"结果：{'合格' if e.passed else '不合格'}，综合成绩 {e.total_score}"
            f"（考试 {e.exam_score}，写实记录 "
            f"{'/'.join(str(getattr(e, f)) for f in CONDUCT_FIELDS)}，民主评议 {e.peer_score}）"
        )
    lines.append(f"请假 {fmt_hours(leave)} 学时；无故缺勤 {absent} 次")
    if credited is not None and e.status == EnrolmentStatus.ENROLLED and e.passed:
        lines.append(f"记入学时 {fmt_hours(credited.hours)}（按实际出勤）")
    elif credited is not None:
        # §8 "Failed training": the result is recorded too; whether its hours count is the
        # governing rule set's choice (ADR 0011).
        lines.append(
            f"培训档案记录“不合格”，实际出勤 {fmt_hours(credited.hours)} 学时"
            "（是否计入年度学时按所适用的规定）"
        )
    return "\n".join(lines)


def last_session(class_id: int) -> SessionData | None:
    sessions = sessions_of(class_id)
    return max(sessions, key=lambda s: (s.date, s.start_time)) if sessions else None


@transaction.atomic
def results_finalise(*, actor: Actor, class_id: int, early_reason: str = "") -> list[UnitNotice]:
    """The institution marks results final: unmarked sessions become absences (CQ-M3), each
    trainee's result goes to their unit's inbox (ZZ-M2) and into the ledger: passed, failed
    or withdrawn (退学), in this one transaction (REQUIREMENTS §8 "Failed training").

    Not before the class's last session has begun, unless the organiser gives a reason,
    which the audit keeps (#11 item 5): results made final early would count the sessions
    still to come as absences."""
    access_class(actor, class_id, run=True)
    tc = _lock_class(class_id, ClassStatus.RUNNING)
    last = last_session(class_id)
    early = last is not None and not session_started(last)
    early_reason = early_reason.strip()[:300]
    if last is not None and early and not early_reason:
        raise EnrolmentError(
            EnrolmentErrorCode.FINALISE_EARLY,
            f"最后一次课（{last.date:%Y-%m-%d} {last.start_time:%H:%M}）尚未开始，"
            "提前确认成绩须填写原因",
            {"last_session": f"{last.date:%Y-%m-%d} {last.start_time:%H:%M}"},
        )
    enrolled = list(
        Enrolment.objects.select_related("person", "unit").filter(
            training_class_id=class_id,
            status__in=(EnrolmentStatus.ENROLLED, EnrolmentStatus.DROPPED),
        )
    )
    missing = [
        e.person.name
        for e in enrolled
        if e.status == EnrolmentStatus.ENROLLED and e.total_score is None
    ]
    if missing:
        raise EnrolmentError(
            EnrolmentErrorCode.RESULTS_INCOMPLETE,
            f"以下学员成绩不完整，不能确认：{'、'.join(missing[:20])}",
            {"missing": missing},
        )
    session_ids = [s.id for s in sessions_of(class_id)]
    marked = set(
        Attendance.objects.filter(enrolment__training_class_id=class_id).values_list(
            "enrolment_id", "session_id"
        )
    )
    now = clock.now()
    Attendance.objects.bulk_create(
        [
            Attendance(
                enrolment=e,
                session_id=sid,
                status=AttendanceStatus.ABSENT,
                method=AttendanceMethod.AUTO,
                recorded_at=now,
                recorded_by_id=getattr(actor, "pk", None),
            )
            for e in enrolled
            if e.status == EnrolmentStatus.ENROLLED
            for sid in session_ids
            if (e.pk, sid) not in marked
        ]
    )
    class_mark_results_final(actor=actor, class_id=class_id)
    absences = dict(
        Attendance.objects.filter(
            enrolment__training_class_id=class_id, status=AttendanceStatus.ABSENT
        )
        .values("enrolment_id")
        .annotate(n=Count("id"))
        .values_list("enrolment_id", "n")
    )
    leaves = dict(
        LeaveRequest.objects.filter(
            enrolment__training_class_id=class_id, status=LeaveStatus.APPROVED
        )
        .values("enrolment_id")
        .annotate(h=Sum("hours"))
        .values_list("enrolment_id", "h")
    )
    passed = [e for e in enrolled if e.status == EnrolmentStatus.ENROLLED and e.passed]
    # implements NAT-6, CQ-M3: the ledger records only the hours each trainee attended.
    credited = selectors.credited_hours_by_enrolment(tc=tc, enrolment_ids=[e.pk for e in enrolled])
    notices = []
    for e in enrolled:
        absent = int(absences.get(e.pk, 0))
        leave = leaves.get(e.pk) or Decimal(0)
        notices.append(
            UnitNotice(
                unit_id=e.unit_id,
                enrolment=e,
                title=f"{e.person.name} · {tc.title} 培训结果",
                body=_notice_body(tc, e, absent, leave, credited.get(e.pk)),
                passed=e.passed if e.status == EnrolmentStatus.ENROLLED else False,
                total_score=e.total_score,
                absent_sessions=absent,
                leave_hours=leave,
                created_at=now,
            )
        )
    try:
        UnitNotice.objects.bulk_create(notices)
    except IntegrityError:
        raise EnrolmentError(EnrolmentErrorCode.BAD_STATUS, "该培训班的结果已反馈") from None
    # implements ZZ-M4, CQ-M3 with §8 "Failed training": failed and withdrawn trainees get
    # an entry too, so the consequences can read it.
    ledger.record_class_results(actor=actor, tc=tc, enrolments=enrolled, credited=credited)
    audit_record(
        actor=actor,
        action="result.finalise",
        object_type="training_class",
        object_id=class_id,
        object_label=tc.code,
        org_path=tc.organiser_path,
        changes={
            "notices": len(notices),
            "passed": len(passed),
            "failed": len(enrolled) - len(passed),
            **({"early_reason": early_reason} if early else {}),
        },
    )
    return notices


@transaction.atomic
def notice_acknowledge(*, actor: Actor, notice_id: int) -> UnitNotice:
    """Unit HR confirms they received a trainee's result (ZZ-M2)."""
    notice = (
        UnitNotice.objects.select_for_update().select_related("unit").filter(pk=notice_id).first()
    )
    if notice is None or not actor_scope(actor).covers(notice.unit.path, *PERSONNEL_ROLES):
        raise NotFound("通知不存在或无权访问")
    if notice.acknowledged_at is None:
        notice.acknowledged_at = clock.now()
        notice.acknowledged_by_id = getattr(actor, "pk", None)
        notice.save(update_fields=["acknowledged_at", "acknowledged_by_id"])
        audit_record(
            actor=actor,
            action="notice.acknowledge",
            object_type="unit_notice",
            object_id=notice.pk,
            object_label=notice.title,
            org_path=notice.unit.path,
        )
    return notice


# --- the unit's messages: admissions and training notices (#11 item 4) ------------------------

NOTICE_FILE_MAX = 5 * 1024 * 1024
NOTICE_FILE_TYPES = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ofd", ".wps", ".jpg", ".png")


@transaction.atomic
def message_acknowledge(*, actor: Actor, message_id: int) -> UnitMessage:
    """Unit HR confirms they received an admission or a training notice."""
    message = (
        UnitMessage.objects.select_for_update().select_related("unit").filter(pk=message_id).first()
    )
    if message is None or not actor_scope(actor).covers(message.unit.path, *PERSONNEL_ROLES):
        raise NotFound("通知不存在或无权访问")
    if message.acknowledged_at is None:
        message.acknowledged_at = clock.now()
        message.acknowledged_by_id = getattr(actor, "pk", None)
        message.save(update_fields=["acknowledged_at", "acknowledged_by_id"])
        audit_record(
            actor=actor,
            action="message.acknowledge",
            object_type="unit_message",
            object_id=message.pk,
            object_label=message.title,
            org_path=message.unit.path,
        )
    return message


def _notice_messages(tc: ClassData, notice: TrainingNotice) -> list[UnitMessage]:
    """One message per unit with people nominated (admitted or waiting) and none yet."""
    reached = set(notice.messages.values_list("unit_id", flat=True))
    people: dict[int, list[str]] = {}
    for e in (
        Enrolment.objects.filter(training_class_id=tc.id, status__in=ACTIVE)
        .exclude(unit_id__in=reached)
        .select_related("person")
        .order_by("unit_id", "created_at", "id")
    ):
        waiting = "（候补）" if e.status == EnrolmentStatus.WAITLISTED else ""
        people.setdefault(e.unit_id, []).append(e.person.name + waiting)
    return [
        UnitMessage(
            unit_id=unit_id,
            kind=MessageKind.TRAINING_NOTICE,
            training_class_id=tc.id,
            notice=notice,
            title=f"调训通知 · {notice.title}",
            body=f"{notice.body}\n\n本单位参训人员：{'、'.join(names)}",
            created_at=clock.now(),
        )
        for unit_id, names in people.items()
    ]


@transaction.atomic
def training_notice_send(
    *,
    actor: Actor,
    class_id: int,
    title: str,
    body: str,
    file_name: str = "",
    file_data: bytes | None = None,
) -> tuple[TrainingNotice, int]:
    """The organiser (or the institution) issues a class's 调训通知: its text and an optional
    file go to the inbox of every unit with people nominated, to acknowledge. Returns the
    notice and the number of units reached."""
    if not manages_class(actor, class_id):
        raise NotFound("培训班不存在或无权访问")
    tc = _lock_class(class_id, *NOT_FINAL)
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise ValidationFailed("请填写通知标题和正文")
    if len(title) > 200 or len(body) > 5000:
        raise ValidationFailed("标题不超过 200 字，正文不超过 5000 字")
    if file_data is not None:
        name = file_name.strip().rsplit("/", 1)[-1][:200]
        if not name.lower().endswith(NOTICE_FILE_TYPES):
            raise ValidationFailed(f"附件须为 {'、'.join(NOTICE_FILE_TYPES)} 文件")
        if len(file_data) > NOTICE_FILE_MAX:
            raise ValidationFailed("附件不能超过 5 MB")
        file_name = name
    notice = TrainingNotice.objects.create(
        training_class_id=class_id,
        title=title,
        body=body,
        file_name=file_name if file_data is not None else "",
        file_data=file_data,
        created_by_id=getattr(actor, "pk", None),
        created_at=clock.now(),
    )
    messages = UnitMessage.objects.bulk_create(_notice_messages(tc, notice))
    audit_record(
        actor=actor,
        action="training_notice.send",
        object_type="training_notice",
        object_id=notice.pk,
        object_label=f"{tc.code} {title}",
        org_path=tc.organiser_path,
        changes={"units": len(messages), "file": notice.file_name},
    )
    return notice, len(messages)


@transaction.atomic
def training_notice_resend(*, actor: Actor, notice_id: int) -> int:
    """Send a notice to the units whose people were nominated after it went out."""
    notice = TrainingNotice.objects.filter(pk=notice_id).first()
    if notice is None or not manages_class(actor, notice.training_class_id):
        raise NotFound("通知不存在或无权访问")
    tc = _lock_class(notice.training_class_id)
    messages = UnitMessage.objects.bulk_create(_notice_messages(tc, notice))
    audit_record(
        actor=actor,
        action="training_notice.send",
        object_type="training_notice",
        object_id=notice.pk,
        object_label=f"{tc.code} {notice.title}",
        org_path=tc.organiser_path,
        changes={"units": len(messages)},
    )
    return len(messages)
