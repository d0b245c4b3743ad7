"""Nomination, waitlist, attendance, leave and results rules of enrolment."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from civtrain import testing
from civtrain.accounts.api import Role, User
from civtrain.classes.api import ClassStatus, SessionInput, class_transition, session_create
from civtrain.core import clock
from civtrain.core.errors import NotFound
from civtrain.enrolment import qr, services
from civtrain.enrolment.data import AttendanceStatus, EnrolmentStatus, ResultInput
from civtrain.enrolment.errors import EnrolmentError
from civtrain.enrolment.models import Attendance, Enrolment, LeaveRequest
from civtrain.enrolment.selectors import enrolment_list

pytestmark = pytest.mark.django_db


def _open_class(tree: dict, actors: dict[str, Any], **fields: Any) -> Any:
    tc = testing.make_class(
        actors["city"], tree["C1"], testing.make_institution(tree["C1"]).id, **fields
    )
    class_transition(actor=actors["city"], class_id=tc.id, to=ClassStatus.OPEN)
    return tc


def _status(person_id: int) -> str:
    return Enrolment.objects.get(person_id=person_id).status


def test_capacity_waitlist_and_promotion(tree: dict, actors: dict[str, Any]) -> None:
    tc = _open_class(tree, actors, capacity=2)
    hr = actors["unit_hr"]
    a, b, c, d = (testing.make_person(tree["U1"], name=n) for n in "甲乙丙丁")
    out = services.nominations_create(actor=hr, class_id=tc.id, person_ids=[a.id, b.id, c.id])
    assert [o.status.value for o in out] == ["enrolled", "enrolled", "waitlisted"]
    services.nominations_create(actor=hr, class_id=tc.id, person_ids=[d.id])
    assert _status(d.id) == "waitlisted"
    # Nominating again changes nothing.
    again = services.nominations_create(actor=hr, class_id=tc.id, person_ids=[a.id])
    assert again[0].created is False
    # 甲 withdraws: 丙, first on the waitlist, takes the place; 丁 keeps waiting.
    services.enrolment_withdraw(actor=hr, enrolment_id=out[0].enrolment_id, reason="工作冲突")
    assert [_status(p.id) for p in (a, b, c, d)] == [
        "withdrawn",
        "enrolled",
        "enrolled",
        "waitlisted",
    ]
    assert Enrolment.objects.get(person_id=c.id).status_reason == "候补递补"


def test_unit_hr_cannot_nominate_another_units_people(tree: dict, actors: dict[str, Any]) -> None:
    tc = _open_class(tree, actors)
    stranger = testing.make_person(tree["U2"], name="外单位")
    own = testing.make_person(tree["U1"], name="本单位")
    with pytest.raises(NotFound):
        services.nominations_create(
            actor=actors["unit_hr"], class_id=tc.id, person_ids=[own.id, stranger.id]
        )
    assert not Enrolment.objects.exists()  # the whole batch was refused


def test_nomination_needs_an_open_class(tree: dict, actors: dict[str, Any]) -> None:
    tc = testing.make_class(actors["city"], tree["C1"], testing.make_institution(tree["C1"]).id)
    p = testing.make_person(tree["C1"], name="市局干部")
    with pytest.raises(EnrolmentError, match="当前为“计划中”，此操作需在“报名中”时进行"):
        services.nominations_create(actor=actors["city"], class_id=tc.id, person_ids=[p.id])


def test_self_registration_only_where_allowed(tree: dict, actors: dict[str, Any]) -> None:
    person = testing.make_person(tree["U1"], name="自主报名")
    learner = User.objects.get(pk=person.user_id)
    closed = _open_class(tree, actors)
    with pytest.raises(EnrolmentError, match="该培训班不接受个人报名"):
        services.enrolment_self_register(actor=learner, class_id=closed.id)
    open_ = _open_class(tree, actors, self_registration=True)
    outcome = services.enrolment_self_register(actor=learner, class_id=open_.id)
    assert outcome.status == EnrolmentStatus.ENROLLED
    assert Enrolment.objects.get(pk=outcome.enrolment_id).self_registered is True


def _running_with_session(
    tree: dict, actors: dict[str, Any], people: int = 1, **person_fields: Any
) -> tuple:
    tc = _open_class(tree, actors)
    s = session_create(
        actor=actors["institution"],
        class_id=tc.id,
        data=SessionInput(
            date=dt.date(2026, 3, 2),
            start_time=dt.time(9),
            end_time=dt.time(12),
            topic="依法行政",
            hours=Decimal(3),
            subject="law",
        ),
    )
    persons = [
        testing.make_person(tree["U1"], name=f"学员{i}", **person_fields) for i in range(people)
    ]
    services.nominations_create(
        actor=actors["unit_hr"], class_id=tc.id, person_ids=[p.id for p in persons]
    )
    class_transition(actor=actors["institution"], class_id=tc.id, to=ClassStatus.RUNNING)
    return tc, s, persons


def test_qr_token_rotates_and_expires(tree: dict, actors: dict[str, Any]) -> None:
    _, s, (p,) = _running_with_session(tree, actors)
    learner = User.objects.get(pk=p.user_id)
    shown_at = dt.datetime(2026, 3, 2, 9, 0, 10, tzinfo=clock.TZ)
    token = qr.qr_token(s.id, shown_at)
    assert qr.qr_token(s.id, shown_at + dt.timedelta(seconds=30)) != token  # rotates
    # Scanned in the next window: still accepted.
    clock.freeze(shown_at + dt.timedelta(seconds=35))
    services.attendance_checkin(actor=learner, session_id=s.id, token=token)
    assert Attendance.objects.get().status == AttendanceStatus.PRESENT
    # Two windows later the same code is refused.
    clock.freeze(shown_at + dt.timedelta(seconds=65))
    with pytest.raises(EnrolmentError) as err:
        services.attendance_checkin(actor=learner, session_id=s.id, token=token)
    assert err.value.code == "qr_token_expired"
    # A token for another session never works.
    with pytest.raises(EnrolmentError):
        services.attendance_checkin(actor=learner, session_id=s.id, token=qr.qr_token(s.id + 1))


def test_checkin_with_a_non_ascii_token_is_refused_not_a_500(
    tree: dict, actors: dict[str, Any]
) -> None:
    # #8 item 11: hmac.compare_digest raised TypeError on non-ASCII text, a 500 on the
    # check-in page and on POST /api/v1/enrolment/checkin. Now the expired-code answer.
    from django.test import Client

    _, s, (p,) = _running_with_session(tree, actors)
    learner = User.objects.get(pk=p.user_id)
    clock.freeze(dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.TZ))
    status, body = testing.ApiCaller(learner)(
        "POST", "/enrolment/checkin", {"session_id": s.id, "token": "签到码é"}
    )
    assert (status, body["error"]["code"]) == (422, "qr_token_expired")
    page = Client()
    page.force_login(learner)
    response = page.post(f"/enrolment/checkin/{s.id}/签到码é/")
    assert response.status_code == 200
    assert "二维码已过期" in response.content.decode()
    assert not Attendance.objects.exists()


def test_checkin_refused_for_someone_not_enrolled(tree: dict, actors: dict[str, Any]) -> None:
    _, s, _ = _running_with_session(tree, actors)
    outsider = testing.make_person(tree["U1"], name="未报名")
    with pytest.raises(NotFound):
        services.attendance_checkin(
            actor=User.objects.get(pk=outsider.user_id), session_id=s.id, token=qr.qr_token(s.id)
        )


def test_attendance_import_all_or_nothing(tree: dict, actors: dict[str, Any]) -> None:
    p_id = testing.make_id_number(serial=901)
    tc, _s, (p,) = _running_with_session(tree, actors, id_number=p_id)
    q = testing.make_person(tree["U1"], name="后补")
    Enrolment.objects.create(
        training_class_id=tc.id, person_id=q.id, unit_id=q.unit_id, created_at=clock.now()
    )
    staff = actors["institution"]
    q_login = User.objects.get(pk=q.user_id).username
    rows = [
        {"身份证号": p_id, "课次": "1", "状态": "出勤"},
        {"登录名": q_login, "课次": "2026-03-02 09:00", "状态": "旷课"},
        {"登录名": q_login, "课次": "7", "状态": "出勤"},
    ]
    written, problems = services.attendance_import(actor=staff, class_id=tc.id, rows=rows)
    assert written == 0
    assert [(x.row, x.message) for x in problems] == [
        (4, "课次“7”不存在（填序号或“日期 开始时间”）")
    ]
    written, problems = services.attendance_import(actor=staff, class_id=tc.id, rows=rows[:2])
    assert (written, problems) == (2, [])
    marks = dict(Attendance.objects.values_list("enrolment__person_id", "status"))
    assert marks == {p.id: "present", q.id: "absent"}


def test_leave_within_one_seventh_keeps_the_trainee(tree: dict, actors: dict[str, Any]) -> None:
    # implements NAT-6: 24 h class, cap 24/7 ≈ 3.43 h
    _tc, _s, (p,) = _running_with_session(tree, actors)
    e = Enrolment.objects.get(person_id=p.id)
    staff, hr = actors["institution"], actors["unit_hr"]
    first = services.leave_request_create(
        actor=hr, enrolment_id=e.pk, hours=Decimal(3), reason="病假"
    )
    services.leave_request_decide(actor=staff, leave_id=first.pk, approve=True)
    assert _status(p.id) == "enrolled"
    refused = services.leave_request_create(
        actor=hr, enrolment_id=e.pk, hours=Decimal(2), reason="事假"
    )
    services.leave_request_decide(actor=staff, leave_id=refused.pk, approve=False)
    assert _status(p.id) == "enrolled"
    with pytest.raises(EnrolmentError, match="该请假申请已处理"):
        services.leave_request_decide(actor=staff, leave_id=refused.pk, approve=True)
    more = services.leave_request_create(
        actor=hr, enrolment_id=e.pk, hours=Decimal("0.5"), reason="事假"
    )
    # Unit HR cannot approve: only the institution that runs the class.
    with pytest.raises(NotFound):
        services.leave_request_decide(actor=hr, leave_id=more.pk, approve=True)
    # 3.5 h > 24/7 h: the withdrawal is confirmed first, and unconfirmed nothing is written.
    with pytest.raises(EnrolmentError) as err:
        services.leave_request_decide(actor=staff, leave_id=more.pk, approve=True)
    assert err.value.code == "leave_over_limit"
    assert _status(p.id) == "enrolled"
    assert LeaveRequest.objects.get(pk=more.pk).status == "pending"
    services.leave_request_decide(actor=staff, leave_id=more.pk, approve=True, confirm_drop=True)
    assert _status(p.id) == "dropped"
    assert Enrolment.objects.get(pk=e.pk).withdrawal_reason == "leave_over_limit"


def test_results_must_be_complete_before_final(tree: dict, actors: dict[str, Any]) -> None:
    tc, _, (p, q) = _running_with_session(tree, actors, people=2)
    staff = actors["institution"]
    e = {x.person_id: x.pk for x in Enrolment.objects.all()}
    full = {
        "exam_score": Decimal(70),
        "conduct_attitude": Decimal(80),
        "conduct_participation": Decimal(80),
        "conduct_interaction": Decimal(80),
        "conduct_discipline": Decimal(80),
        "peer_score": Decimal(80),
    }
    services.results_record(
        actor=staff,
        class_id=tc.id,
        rows=[
            ResultInput(enrolment_id=e[p.id], **full),
            ResultInput(enrolment_id=e[q.id], exam_score=Decimal(90)),
        ],
    )
    with pytest.raises(EnrolmentError, match="以下学员成绩不完整，不能确认：学员1"):
        services.results_finalise(actor=staff, class_id=tc.id)
    with pytest.raises(EnrolmentError, match="不在 0–100 之间"):
        services.results_record(
            actor=staff,
            class_id=tc.id,
            rows=[ResultInput(enrolment_id=e[q.id], peer_score=Decimal(101))],
        )
    # The unit may not enter results.
    with pytest.raises(NotFound):
        services.results_record(actor=actors["unit_hr"], class_id=tc.id, rows=[])


def test_notice_acknowledged_only_by_the_trainees_unit(tree: dict, actors: dict[str, Any]) -> None:
    tc, _, (p,) = _running_with_session(tree, actors)
    staff = actors["institution"]
    e = Enrolment.objects.get(person_id=p.id)
    scores = {f: Decimal(90) for f in services.SCORE_FIELDS}
    services.results_record(
        actor=staff, class_id=tc.id, rows=[ResultInput(enrolment_id=e.pk, **scores)]
    )
    (notice,) = services.results_finalise(actor=staff, class_id=tc.id)
    assert notice.body.splitlines()[1] == (
        "结果：合格，综合成绩 90.0（考试 90.0，写实记录 90.0/90.0/90.0/90.0，民主评议 90.0）"
    )
    other_hr = testing.make_user(Role.UNIT_HR, tree["U2"])
    with pytest.raises(NotFound):
        services.notice_acknowledge(actor=other_hr, notice_id=notice.pk)
    services.notice_acknowledge(actor=actors["unit_hr"], notice_id=notice.pk)
    # The district above the unit sees the trainee's enrolment; the other unit does not.
    assert [x.person_id for x in enrolment_list(actor=actors["district"], class_id=tc.id)] == [p.id]
    assert list(enrolment_list(actor=other_hr, class_id=tc.id)) == []
    with pytest.raises(EnrolmentError, match="此操作需在“进行中”时进行"):
        services.results_finalise(actor=staff, class_id=tc.id)
