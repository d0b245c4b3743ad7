"""Writes of enrolment: nominations, waitlist, attendance, leave, results, unit feedback."""

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
    access_class,
    access_session,
    class_lock,
    class_mark_results_final,
    sessions_of,
)
from civtrain.core import clock
from civtrain.core.audit import audit_record, audit_record_many
from civtrain.core.errors import NotFound, ValidationFailed
from civtrain.core.text import compact, normalise
from civtrain.enrolment import ledger, qr, selectors
from civtrain.enrolment.data import (
    ATTENDANCE_LABELS,
    AttendanceMethod,
    AttendanceStatus,
    EnrolmentStatus,
    ImportProblem,
    LeaveStatus,
    NominationOutcome,
    ResultInput,
)
from civtrain.enrolment.errors import EnrolmentError, EnrolmentErrorCode
from civtrain.enrolment.hours import CreditedHours
from civtrain.enrolment.models import Attendance, Enrolment, LeaveRequest, UnitNotice
from civtrain.people.api import access_person, person_for_user, person_id_by_id_number
from civtrain.people.data import PersonData, mask_id_number

ACTIVE = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)
SCORE_FIELDS = (
    "exam_score",
    "conduct_attitude",
    "conduct_participation",
    "conduct_interaction",
    "conduct_discipline",
    "peer_score",
)
CONDUCT_FIELDS = SCORE_FIELDS[1:5]


def fmt_hours(value: Decimal) -> str:
    """8.0 → "8", 3.43 → "3.43": hours as people write them."""
    return f"{value.normalize():f}"


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
    actor: Any,
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
    actor: Any, action: str, tc: ClassData, e: Enrolment, to: EnrolmentStatus, reason: str
) -> None:
    """Move a trainee to another enrolment status, with the reason, audited."""
    was = e.status
    e.status, e.status_reason = to, reason
    e.save(update_fields=["status", "status_reason"])
    _audit(actor, action, tc, e, {"status": [was, to.value], "reason": reason})


def _enrolled_count(class_id: int) -> int:
    return Enrolment.objects.filter(
        training_class_id=class_id, status=EnrolmentStatus.ENROLLED
    ).count()


def _enrol(
    actor: Any, tc: ClassData, person: PersonData, *, self_registered: bool
) -> NominationOutcome:
    existing = Enrolment.objects.filter(training_class_id=tc.id, person_id=person.id).first()
    if existing is not None and existing.status in ACTIVE:
        return NominationOutcome(person.id, existing.pk, EnrolmentStatus(existing.status), False)
    full = _enrolled_count(tc.id) >= tc.capacity
    status = EnrolmentStatus.WAITLISTED if full else EnrolmentStatus.ENROLLED
    if existing is not None:  # re-nominating someone who withdrew earlier
        existing.status = status
        existing.status_reason = ""
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
    *, actor: Any, class_id: int, person_ids: Sequence[int]
) -> list[NominationOutcome]:
    """Unit HR nominates people of their subtree; beyond capacity they join the waitlist.

    Any person outside the actor's subtree fails the whole batch as not found (ARCHITECTURE §7).
    """
    access_class(actor, class_id)  # NotFound when the class is not visible
    tc = _lock_class(class_id, ClassStatus.OPEN)
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
    *, actor: Any, class_id: int, id_numbers: Sequence[tuple[int, str]]
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
def enrolment_self_register(*, actor: Any, class_id: int) -> NominationOutcome:
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


def _may_act_for_trainee(actor: Any, enrolment: Enrolment) -> bool:
    scope = actor_scope(actor)
    return scope.covers(enrolment.unit.path, *PERSONNEL_ROLES) or (
        scope.user_id is not None and enrolment.person.user_id == scope.user_id
    )


def runs_class(actor: Any, class_id: int) -> bool:
    """Whether the actor runs the class (its institution's staff)."""
    try:
        access_class(actor, class_id, run=True)
    except NotFound:
        return False
    return True


def access_enrolment_by_id(actor: Any, enrolment_id: int, *, run: bool = False) -> Enrolment:
    """The enrolment if the actor runs its class, or (unless `run`) acts for the trainee."""
    e = Enrolment.objects.select_related("unit", "person").filter(pk=enrolment_id).first()
    if e is None:
        raise NotFound("报名记录不存在或无权访问")
    if runs_class(actor, e.training_class_id):
        return e
    if not run and _may_act_for_trainee(actor, e):
        return e
    raise NotFound("报名记录不存在或无权访问")


def _promote_waitlist(actor: Any, tc: ClassData) -> Enrolment | None:
    if _enrolled_count(tc.id) >= tc.capacity:
        return None
    nxt = (
        Enrolment.objects.select_for_update()
        .select_related("person", "unit")
        .filter(training_class_id=tc.id, status=EnrolmentStatus.WAITLISTED)
        .order_by("created_at", "id")
        .first()
    )
    if nxt is None:
        return None
    _set_status(actor, "enrolment.promote", tc, nxt, EnrolmentStatus.ENROLLED, "候补递补")
    return nxt


@transaction.atomic
def enrolment_withdraw(*, actor: Any, enrolment_id: int, reason: str = "") -> Enrolment:
    """Withdraw a trainee (unit HR, the trainee, or the institution); before the class runs,
    the first on the waitlist takes the freed place.

    Once the class runs, taking a trainee off it is 退学, which only the institution decides
    (as it decides leave, NAT-6) and which the ledger records as a failed result at
    finalisation (REQUIREMENTS §8 "Failed training"); the trainee or their unit asks the
    institution for leave instead. Without this, withdrawing before the results would keep
    a failure out of the record (ZZ-M4, CQ-M3)."""
    e = access_enrolment_by_id(actor, enrolment_id)
    tc = _lock_class(e.training_class_id)
    if e.status not in ACTIVE:
        raise EnrolmentError(EnrolmentErrorCode.BAD_STATUS, "该学员已不在本班名单中")
    if tc.status not in (ClassStatus.PLANNED, ClassStatus.OPEN, ClassStatus.RUNNING):
        raise EnrolmentError(EnrolmentErrorCode.BAD_STATUS, "成绩确认后不能再退出")
    if tc.status == ClassStatus.RUNNING and e.status == EnrolmentStatus.ENROLLED:
        if not runs_class(actor, tc.id):
            raise EnrolmentError(
                EnrolmentErrorCode.DROP_BY_INSTITUTION,
                "培训班已开班，中途退出须由施教机构作退学处理；如需离开，请提交请假申请",
            )
        reason = reason.strip()[:290] or "施教机构作退学处理"
        _set_status(actor, "enrolment.drop", tc, e, EnrolmentStatus.DROPPED, reason)
        return e
    was = e.status
    reason = reason.strip()[:300] or "主动退出"
    _set_status(actor, "enrolment.withdraw", tc, e, EnrolmentStatus.WITHDRAWN, reason)
    if was == EnrolmentStatus.ENROLLED and tc.status in (ClassStatus.PLANNED, ClassStatus.OPEN):
        _promote_waitlist(actor, tc)
    return e


# --- attendance ------------------------------------------------------------------------


def _mark(
    actor: Any,
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
def attendance_checkin(*, actor: Any, session_id: int, token: str) -> Attendance:
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
    row = _mark(actor, e, session_id, AttendanceStatus.PRESENT, AttendanceMethod.QR)
    _audit(actor, "attendance.checkin", tc, e, {"session_id": session_id})
    return row


@transaction.atomic
def attendance_record(
    *, actor: Any, session_id: int, enrolment_id: int, status: AttendanceStatus
) -> Attendance:
    """The institution's register: one trainee, one session (item 5b)."""
    session = access_session(actor, session_id, run=True)
    e = access_enrolment_by_id(actor, enrolment_id, run=True)
    if e.training_class_id != session.class_id or e.status != EnrolmentStatus.ENROLLED:
        raise NotFound("该学员不在本课次名单中")
    tc = _lock_class(session.class_id, ClassStatus.RUNNING)
    row = _mark(actor, e, session_id, status, AttendanceMethod.REGISTER)
    _audit(actor, "attendance.record", tc, e, {"session_id": session_id, "status": status.value})
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
    *, actor: Any, class_id: int, rows: Sequence[Mapping[str, Any]]
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
        status = _STATUS_WORDS.get(compact(raw.get("状态", "")))
        if status is None:
            problems.append(ImportProblem(i, f"状态“{raw.get('状态', '')}”应为 出勤/请假/缺勤"))
            continue
        marks.append((enrolment, session_id, status))
    if problems:
        return 0, problems
    for enrolment, session_id, status in marks:
        _mark(actor, enrolment, session_id, status, AttendanceMethod.IMPORT)
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
    actor: Any,
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


def approved_leave_hours(enrolment_id: int) -> Decimal:
    total = LeaveRequest.objects.filter(
        enrolment_id=enrolment_id, status=LeaveStatus.APPROVED
    ).aggregate(h=Sum("hours"))["h"]
    return total or Decimal(0)


@transaction.atomic
def leave_request_decide(*, actor: Any, leave_id: int, approve: bool) -> LeaveRequest:
    """The institution approves or refuses; approved leave above 1/7 of the class hours
    withdraws the trainee (退学)."""
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
    if approve:
        if leave.session_id is not None:
            _mark(actor, e, leave.session_id, AttendanceStatus.LEAVE, AttendanceMethod.LEAVE)
        _check_leave_cap(actor, e, tc)
    return leave


def _check_leave_cap(actor: Any, e: Enrolment, tc: ClassData) -> None:
    # implements NAT-6: leave above 1/7 of the class's hours withdraws the trainee (退学).
    taken = approved_leave_hours(e.pk)
    if e.status != EnrolmentStatus.ENROLLED or taken * 7 <= tc.total_hours:
        return
    cap = (tc.total_hours / 7).quantize(Decimal("0.01"))
    reason = (
        f"累计请假 {fmt_hours(taken)} 学时，超过总学时 {fmt_hours(tc.total_hours)} 的七分之一"
        f"（{fmt_hours(cap)} 学时），按规定退学"
    )
    _set_status(actor, "enrolment.drop", tc, e, EnrolmentStatus.DROPPED, reason)


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
def results_record(*, actor: Any, class_id: int, rows: Sequence[ResultInput]) -> list[Enrolment]:
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


@transaction.atomic
def results_finalise(*, actor: Any, class_id: int) -> list[UnitNotice]:
    """The institution marks results final: unmarked sessions become absences (CQ-M3), each
    trainee's result goes to their unit's inbox (ZZ-M2) and into the ledger: passed, failed
    or withdrawn (退学), in this one transaction (REQUIREMENTS §8 "Failed training")."""
    access_class(actor, class_id, run=True)
    tc = _lock_class(class_id, ClassStatus.RUNNING)
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
        },
    )
    return notices


@transaction.atomic
def notice_acknowledge(*, actor: Any, notice_id: int) -> UnitNotice:
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
