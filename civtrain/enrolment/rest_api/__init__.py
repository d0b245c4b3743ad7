"""Enrolment endpoints: nominations, self-registration, attendance, leave, results, inbox."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from civtrain.classes.api import access_class
from civtrain.core.fields import DbId, Numeric5_1
from civtrain.enrolment import selectors, services
from civtrain.enrolment.data import AttendanceStatus, ResultInput
from civtrain.enrolment.models import Enrolment, LeaveRequest, UnitNotice

router = Router(tags=["enrolment"])


class NominateIn(Schema):
    person_ids: list[DbId]


class NominationOut(Schema):
    person_id: DbId
    enrolment_id: DbId
    status: str
    created: bool


class EnrolmentOut(Schema):
    id: int
    class_id: DbId
    person_id: DbId
    person_name: str
    unit_id: DbId
    status: str
    status_reason: str
    withdrawal_reason: str = ""
    exam_score: Decimal | None
    total_score: Decimal | None
    passed: bool | None
    absences: int = 0


class WithdrawIn(Schema):
    reason: str = ""
    # self / unit (before the class runs) or institution / absence / discipline (#11 item 4);
    # empty: the actor's own (the trainee's, the unit's, the institution's).
    why: str = ""


class CapacityIn(Schema):
    capacity: int


class CheckinIn(Schema):
    session_id: DbId
    token: str


class MarkIn(Schema):
    session_id: DbId
    enrolment_id: DbId
    status: AttendanceStatus
    # NAT-6: a leave mark above 1/7 of the class's hours is refused (leave_over_limit) unless
    # the withdrawal (退学) it brings is confirmed.
    confirm_drop: bool = False


class AttendanceOut(Schema):
    enrolment_id: DbId
    session_id: DbId
    status: str
    method: str


class LeaveIn(Schema):
    enrolment_id: DbId
    hours: Numeric5_1
    reason: str
    session_id: DbId | None = None


class LeaveOut(Schema):
    id: int
    enrolment_id: DbId
    session_id: DbId | None
    hours: Decimal
    reason: str
    status: str
    enrolment_status: str


class DecideIn(Schema):
    approve: bool
    confirm_drop: bool = False  # as for a leave mark (NAT-6)


class ResultRowIn(Schema):
    enrolment_id: DbId
    exam_score: Numeric5_1 | None = None
    conduct_attitude: Numeric5_1 | None = None
    conduct_participation: Numeric5_1 | None = None
    conduct_interaction: Numeric5_1 | None = None
    conduct_discipline: Numeric5_1 | None = None
    peer_score: Numeric5_1 | None = None


class ResultsIn(Schema):
    rows: list[ResultRowIn]


class NoticeOut(Schema):
    id: int
    unit_id: DbId
    enrolment_id: DbId
    class_id: DbId
    person_name: str
    title: str
    body: str
    passed: bool | None
    total_score: Decimal | None
    absent_sessions: int
    leave_hours: Decimal
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _enrolment_out(e: Enrolment) -> dict[str, Any]:
    return {
        "id": e.pk,
        "class_id": e.training_class_id,
        "person_id": e.person_id,
        "person_name": e.person.name,
        "unit_id": e.unit_id,
        "status": e.status,
        "status_reason": e.status_reason,
        "withdrawal_reason": e.withdrawal_reason,
        "exam_score": e.exam_score,
        "total_score": e.total_score,
        "passed": e.passed,
        "absences": getattr(e, "absences", 0),
    }


def _leave_out(leave: LeaveRequest) -> dict[str, Any]:
    return {
        "id": leave.pk,
        "enrolment_id": leave.enrolment_id,
        "session_id": leave.session_id,
        "hours": leave.hours,
        "reason": leave.reason,
        "status": leave.status,
        "enrolment_status": selectors.enrolment_status(leave.enrolment_id),
    }


def _notice_out(n: UnitNotice) -> dict[str, Any]:
    return {
        "id": n.pk,
        "unit_id": n.unit_id,
        "enrolment_id": n.enrolment_id,
        "class_id": n.enrolment.training_class_id,
        "person_name": n.enrolment.person.name,
        "title": n.title,
        "body": n.body,
        "passed": n.passed,
        "total_score": n.total_score,
        "absent_sessions": n.absent_sessions,
        "leave_hours": n.leave_hours,
        "created_at": n.created_at,
        "acknowledged_at": n.acknowledged_at,
    }


@router.get("/classes/{int:class_id}/enrolments", response=list[EnrolmentOut], summary="学员名单")
def enrolment_list(request: HttpRequest, class_id: int) -> Any:
    access_class(_actor(request), class_id)
    return [
        _enrolment_out(e)
        for e in selectors.enrolment_list(actor=_actor(request), class_id=class_id)
    ]


@router.post(
    "/classes/{int:class_id}/nominations",
    response={201: list[NominationOut]},
    summary="单位批量推荐学员（超出名额进入候补）",
)
def nominate(request: HttpRequest, class_id: int, payload: NominateIn) -> Any:
    outcomes = services.nominations_create(
        actor=_actor(request), class_id=class_id, person_ids=payload.person_ids
    )
    return Status(
        201,
        [
            {
                "person_id": o.person_id,
                "enrolment_id": o.enrolment_id,
                "status": o.status.value,
                "created": o.created,
            }
            for o in outcomes
        ],
    )


@router.post("/classes/{int:class_id}/register", response={201: NominationOut}, summary="个人报名")
def self_register(request: HttpRequest, class_id: int) -> Any:
    o = services.enrolment_self_register(actor=_actor(request), class_id=class_id)
    return Status(
        201,
        {
            "person_id": o.person_id,
            "enrolment_id": o.enrolment_id,
            "status": o.status.value,
            "created": o.created,
        },
    )


@router.post("/enrolments/{int:enrolment_id}/withdraw", response=EnrolmentOut, summary="退出")
def withdraw(request: HttpRequest, enrolment_id: int, payload: WithdrawIn) -> Any:
    return _enrolment_out(
        services.enrolment_withdraw(
            actor=_actor(request),
            enrolment_id=enrolment_id,
            reason=payload.reason,
            why=payload.why,
        )
    )


@router.post(
    "/enrolments/{int:enrolment_id}/admit", response=EnrolmentOut, summary="从候补名单录取"
)
def admit(request: HttpRequest, enrolment_id: int) -> Any:
    return _enrolment_out(services.waitlist_admit(actor=_actor(request), enrolment_id=enrolment_id))


@router.post(
    "/classes/{int:class_id}/capacity",
    response=list[EnrolmentOut],
    summary="调整计划人数（增加的名额按候补顺序录取）",
)
def capacity(request: HttpRequest, class_id: int, payload: CapacityIn) -> Any:
    admitted = services.class_capacity_set(
        actor=_actor(request), class_id=class_id, capacity=payload.capacity
    )
    return [_enrolment_out(e) for e in admitted]


@router.post("/checkin", response=AttendanceOut, summary="扫码签到（轮换二维码令牌）")
def checkin(request: HttpRequest, payload: CheckinIn) -> Any:
    a = services.attendance_checkin(
        actor=_actor(request), session_id=payload.session_id, token=payload.token
    )
    return {
        "enrolment_id": a.enrolment_id,
        "session_id": a.session_id,
        "status": a.status,
        "method": a.method,
    }


@router.post("/attendance", response=AttendanceOut, summary="考勤登记（施教机构）")
def attendance_mark(request: HttpRequest, payload: MarkIn) -> Any:
    a = services.attendance_record(
        actor=_actor(request),
        session_id=payload.session_id,
        enrolment_id=payload.enrolment_id,
        status=payload.status,
        confirm_drop=payload.confirm_drop,
    )
    return {
        "enrolment_id": a.enrolment_id,
        "session_id": a.session_id,
        "status": a.status,
        "method": a.method,
    }


@router.get("/leave", response=list[LeaveOut], summary="请假申请")
def leave_list(request: HttpRequest, class_id: DbId | None = None, pending: bool = False) -> Any:
    return [
        _leave_out(x)
        for x in selectors.leave_list(
            actor=_actor(request), class_id=class_id, pending_only=pending
        )
    ]


@router.post("/leave", response={201: LeaveOut}, summary="提交请假申请")
def leave_create(request: HttpRequest, payload: LeaveIn) -> Any:
    leave = services.leave_request_create(actor=_actor(request), **payload.dict())
    return Status(201, _leave_out(leave))


@router.post(
    "/leave/{int:leave_id}/decide", response=LeaveOut, summary="审批请假（超过总学时1/7须确认退学）"
)
def leave_decide(request: HttpRequest, leave_id: int, payload: DecideIn) -> Any:
    return _leave_out(
        services.leave_request_decide(
            actor=_actor(request),
            leave_id=leave_id,
            approve=payload.approve,
            confirm_drop=payload.confirm_drop,
        )
    )


@router.post("/classes/{int:class_id}/results", response=list[EnrolmentOut], summary="批量录入成绩")
def results_record(request: HttpRequest, class_id: int, payload: ResultsIn) -> Any:
    rows = [ResultInput(**r.dict()) for r in payload.rows]
    return [
        _enrolment_out(e)
        for e in services.results_record(actor=_actor(request), class_id=class_id, rows=rows)
    ]


@router.post(
    "/classes/{int:class_id}/results/finalise",
    response=list[NoticeOut],
    summary="确认成绩：反馈单位、合格学员记入学时",
)
def results_finalise(request: HttpRequest, class_id: int, early_reason: str = "") -> Any:
    """`early_reason`: required before the class's last session has begun (#11 item 5)."""
    notices = services.results_finalise(
        actor=_actor(request), class_id=class_id, early_reason=early_reason
    )
    ids = [n.pk for n in notices]
    # The institution is not the unit, so it reads back what it just sent, not the inbox.
    return [_notice_out(n) for n in selectors.notices_by_ids(ids)]


@router.get("/inbox", response=list[NoticeOut], summary="单位培训结果收件箱")
def inbox(request: HttpRequest, unacknowledged: bool = False) -> Any:
    return [
        _notice_out(n)
        for n in selectors.notice_list(actor=_actor(request), unacknowledged=unacknowledged)
    ]


@router.post("/inbox/{int:notice_id}/acknowledge", response=NoticeOut, summary="确认收到")
def acknowledge(request: HttpRequest, notice_id: int) -> Any:
    services.notice_acknowledge(actor=_actor(request), notice_id=notice_id)
    return _notice_out(selectors.access_notice_by_id(_actor(request), notice_id))
