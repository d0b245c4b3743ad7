"""One leave rule (#11 item 5): NAT-6 — leave above 1/7 of a class's hours withdraws the
trainee (退学) — checked by one function whether the leave was marked on the attendance
sheet or approved as a request, with the same outcome; no attendance for sessions not yet
begun (Asia/Shanghai); results made final before the last session only with a reason."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.classes.api import (
    ClassStatus,
    SessionData,
    SessionInput,
    class_data,
    class_transition,
    session_create,
    sessions_of,
)
from civtrain.core import clock
from civtrain.core.models import AuditEvent
from civtrain.enrolment import services
from civtrain.enrolment.data import AttendanceStatus, LeaveStatus, ResultInput
from civtrain.enrolment.errors import EnrolmentError
from civtrain.enrolment.hours import leave_verdict
from civtrain.enrolment.models import Attendance, Enrolment, LeaveRequest

D = Decimal
SHANGHAI = clock.TZ


def _session(sid: int, hours: str) -> SessionData:
    return SessionData(
        id=sid,
        class_id=1,
        date=dt.date(2026, 3, 2),
        start_time=dt.time(9),
        end_time=dt.time(12),
        place="",
        topic="",
        subject="",
        teacher_id=None,
        hours=D(hours),
    )


def _class(total: str) -> Any:
    from civtrain.classes.data import ClassData, ExamForm

    return ClassData(
        id=1,
        code="T",
        title="T",
        training_type="thematic",
        mode="off_the_job",
        status=ClassStatus.RUNNING,
        organiser_id=1,
        organiser_path="1/",
        institution_id=1,
        start_date=dt.date(2026, 3, 2),
        end_date=dt.date(2026, 3, 6),
        days=D(5),
        total_hours=D(total),
        subject_hours={},
        capacity=30,
        pass_mark=D(60),
        exam_form=ExamForm.CLOSED_BOOK,
        self_registration=False,
        external=False,
        weight_exam=D("0.6"),
        weight_conduct=D("0.2"),
        weight_peer=D("0.2"),
    )


# (case, class hours, marks {session: status}, approved leave [(session, hours)],
#  hours on leave, withdrawn?) — sessions 1 and 2 are 3 h, session 3 is 8 h.
VERDICTS = [
    ("one 3-h session marked leave", "24", {1: "leave"}, [], "3", False),
    ("two sessions marked leave", "24", {1: "leave", 2: "leave"}, [], "6", True),
    ("a request for the marked session counts once", "24", {1: "leave"}, [(1, "3")], "3", False),
    ("a request for no session", "24", {}, [(None, "3.5")], "3.5", True),
    ("exactly 1/7 is allowed", "28", {}, [(None, "4")], "4", False),
    ("a request counts at most its session", "24", {1: "leave"}, [(1, "8")], "3", False),
    ("half an 8-h session on leave", "28", {3: "leave"}, [(3, "4")], "4", False),
    ("absence is not leave (CQ-M3)", "24", {1: "absent", 2: "absent"}, [], "0", False),
]


@pytest.mark.parametrize(
    ("case", "total", "marks", "leave", "taken", "over"), VERDICTS, ids=[v[0] for v in VERDICTS]
)
def test_leave_verdict(
    case: str, total: str, marks: dict, leave: list, taken: str, over: bool
) -> None:
    # implements NAT-6
    sessions = [_session(1, "3"), _session(2, "3"), _session(3, "8")]
    marks = {1: "present", 2: "present", 3: "present", **marks}
    verdict = leave_verdict(_class(total), sessions, marks, [(s, D(h)) for s, h in leave])
    assert (verdict.taken, verdict.over) == (D(taken), over), case


# --- both paths, one outcome ------------------------------------------------------------------


def _running_class(tree: dict, actors: dict[str, Any], people: int) -> tuple[Any, list, list]:
    """A 24-hour class (cap 24/7 ≈ 3.43 h) with three 3-hour sessions on 2–4 March 2026,
    running, `people` trainees of unit U1."""
    tc = testing.make_class(actors["city"], tree["C1"], testing.make_institution(tree["C1"]).id)
    for day in (2, 3, 4):
        session_create(
            actor=actors["institution"],
            class_id=tc.id,
            data=SessionInput(
                date=dt.date(2026, 3, day),
                start_time=dt.time(9),
                end_time=dt.time(12),
                topic=f"第{day - 1}讲",
                hours=D(3),
            ),
        )
    class_transition(actor=actors["city"], class_id=tc.id, to=ClassStatus.OPEN)
    persons = [testing.make_person(tree["U1"], name=f"学员{i}") for i in range(people)]
    services.nominations_create(
        actor=actors["unit_hr"], class_id=tc.id, person_ids=[p.id for p in persons]
    )
    class_transition(actor=actors["institution"], class_id=tc.id, to=ClassStatus.RUNNING)
    enrolments = list(Enrolment.objects.filter(training_class_id=tc.id).order_by("id"))
    return tc, sessions_of(tc.id), enrolments


def _by_sheet(actors: dict, e: Enrolment, s: SessionData, confirm: bool) -> None:
    services.attendance_record(
        actor=actors["institution"],
        session_id=s.id,
        enrolment_id=e.pk,
        status=AttendanceStatus.LEAVE,
        confirm_drop=confirm,
    )


def _by_request(actors: dict, e: Enrolment, s: SessionData, confirm: bool) -> None:
    leave = LeaveRequest.objects.filter(enrolment=e, session_id=s.id).first()
    if leave is None:
        leave = services.leave_request_create(
            actor=actors["unit_hr"],
            enrolment_id=e.pk,
            hours=s.hours,
            reason="事假",
            session_id=s.id,
        )
    services.leave_request_decide(
        actor=actors["institution"], leave_id=leave.pk, approve=True, confirm_drop=confirm
    )


def _outcome(e: Enrolment) -> tuple[str, str, str]:
    e.refresh_from_db()
    return e.status, e.withdrawal_reason, e.status_reason


@pytest.mark.django_db
def test_sheet_and_request_give_the_same_outcome(tree: dict, actors: dict[str, Any]) -> None:
    # implements NAT-6 through one check for both paths (#11 item 5)
    _tc, (s1, s2, _s3), (by_sheet, by_request) = _running_class(tree, actors, people=2)
    clock.freeze(dt.datetime(2026, 3, 4, 18, tzinfo=SHANGHAI))
    outcomes = {}
    for name, record, e in (("sheet", _by_sheet, by_sheet), ("request", _by_request, by_request)):
        record(actors, e, s1, False)  # 3 h ≤ 24/7: stays
        assert _outcome(e) == ("enrolled", "", ""), name
        with pytest.raises(EnrolmentError) as err:  # 6 h > 24/7: asks first, says why
            record(actors, e, s2, False)
        assert err.value.code == "leave_over_limit"
        assert err.value.message == (
            f"{e.person.name}：累计请假 6 学时，超过总学时 24 的七分之一（3.43 学时），"
            "按规定退学。确认后将作退学处理，并记入培训档案"
        )
        assert _outcome(e) == ("enrolled", "", ""), f"{name}: unconfirmed, nothing written"
        assert not Attendance.objects.filter(enrolment=e, session_id=s2.id).exists()
        record(actors, e, s2, True)
        outcomes[name] = _outcome(e)
    assert (
        outcomes["sheet"]
        == outcomes["request"]
        == (
            "dropped",
            "leave_over_limit",
            "累计请假 6 学时，超过总学时 24 的七分之一（3.43 学时），按规定退学",
        )
    )
    assert LeaveRequest.objects.filter(status=LeaveStatus.APPROVED).count() == 2
    # Each withdrawal is audited with its reason.
    drops = AuditEvent.objects.filter(action="enrolment.drop").order_by("id")
    assert [d.changes["withdrawal_reason"] for d in drops] == ["leave_over_limit"] * 2


@pytest.mark.django_db
def test_attendance_only_for_sessions_that_have_begun(tree: dict, actors: dict[str, Any]) -> None:
    # #11 item 5: times are Asia/Shanghai; 09:00 there is 01:00 UTC.
    tc, (s1, _s2, _s3), (e,) = _running_class(tree, actors, people=1)
    staff = actors["institution"]

    def mark(session: SessionData) -> None:
        services.attendance_record(
            actor=staff, session_id=session.id, enrolment_id=e.pk, status=AttendanceStatus.PRESENT
        )

    clock.freeze(dt.datetime(2026, 3, 2, 0, 59, tzinfo=dt.UTC))  # 08:59 in Shanghai
    with pytest.raises(EnrolmentError) as err:
        mark(s1)
    assert err.value.code == "session_not_held"
    assert err.value.message == "课次 2026-03-02 09:00“第1讲”尚未开始，不能登记考勤"
    clock.freeze(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC))  # 09:00 in Shanghai
    mark(s1)
    login = User.objects.get(pk=e.person.user_id).username
    rows = [{"登录名": login, "课次": "2", "状态": "出勤"}]
    written, problems = services.attendance_import(actor=staff, class_id=tc.id, rows=rows)
    assert (written, [p.message for p in problems]) == (0, ["课次“2”尚未开始，不能登记考勤"])
    assert list(Attendance.objects.values_list("session_id", flat=True)) == [s1.id]


@pytest.mark.django_db
def test_results_final_before_the_last_session_only_with_a_reason(
    tree: dict, actors: dict[str, Any]
) -> None:
    # #11 item 5: the last session starts 2026-03-04 09:00 (Asia/Shanghai).
    tc, _sessions, (e,) = _running_class(tree, actors, people=1)
    staff = actors["institution"]
    scores = {f: D(90) for f in services.SCORE_FIELDS}
    clock.freeze(dt.datetime(2026, 3, 3, 18, tzinfo=SHANGHAI))
    services.results_record(
        actor=staff, class_id=tc.id, rows=[ResultInput(enrolment_id=e.pk, **scores)]
    )
    with pytest.raises(EnrolmentError) as err:
        services.results_finalise(actor=staff, class_id=tc.id)
    assert err.value.code == "finalise_before_last_session"
    assert err.value.message == "最后一次课（2026-03-04 09:00）尚未开始，提前确认成绩须填写原因"
    assert class_data(tc.id).status == ClassStatus.RUNNING
    services.results_finalise(actor=staff, class_id=tc.id, early_reason="台风停课，提前结业")
    assert class_data(tc.id).status == ClassStatus.RESULTS_FINAL
    event = AuditEvent.objects.get(action="result.finalise")
    assert event.changes["early_reason"] == "台风停课，提前结业"
