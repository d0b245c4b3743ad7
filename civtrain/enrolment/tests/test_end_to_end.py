"""The must-show run of one class from plan to ledger (issue 3, item 9)."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.classes.api import (
    ClassStatus,
    SessionInput,
    access_class,
    class_data,
    class_transition,
    session_create,
    sessions_of,
)
from civtrain.core import clock
from civtrain.credits import api as credits_api
from civtrain.enrolment import qr, services
from civtrain.enrolment.data import AttendanceStatus, EnrolmentStatus, ResultInput
from civtrain.enrolment.models import Attendance, Enrolment, UnitNotice

SHANGHAI = clock.TZ


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_class_from_plan_to_ledger(tree: dict, actors: dict[str, Any]) -> None:
    # implements CQ-B1, CQ-T4a, NAT-6, CQ-M3, CQ-O4, ZZ-M1, ZZ-M2
    city, hr, staff = actors["city"], actors["unit_hr"], actors["institution"]
    institution = testing.make_institution(tree["C1"], name="重庆市委党校")
    tc = testing.make_class(city, tree["C1"], institution.id)  # 24 h, 4 h law, 2 h ethics
    for day in range(2, 5):  # three 8-hour days = 24 h
        session_create(
            actor=staff,
            class_id=tc.id,
            data=SessionInput(
                date=dt.date(2026, 3, day),
                start_time=dt.time(9),
                end_time=dt.time(17),
                topic=f"第{day - 1}天",
                hours=Decimal(8),
                place="党校一号楼",
                subject="law" if day == 2 else "",
            ),
        )
    class_transition(actor=city, class_id=tc.id, to=ClassStatus.OPEN)

    people = [testing.make_person(tree["U1"], name=n) for n in ("王一", "李二", "赵三")]
    outcomes = services.nominations_create(
        actor=hr, class_id=tc.id, person_ids=[p.id for p in people]
    )
    assert [o.status for o in outcomes] == [EnrolmentStatus.ENROLLED] * 3

    class_transition(actor=staff, class_id=tc.id, to=ClassStatus.RUNNING)
    sessions = sessions_of(tc.id)
    enrol = {e.person.name: e for e in Enrolment.objects.select_related("person")}

    # Attendance: 王一 scans the QR code on day 1, the register covers the rest; 李二 is
    # never marked for day 3.
    learner = User.objects.get(pk=people[0].user_id)
    clock.freeze(_at(2, 9, 5))
    services.attendance_checkin(
        actor=learner, session_id=sessions[0].id, token=qr.qr_token(sessions[0].id)
    )
    clock.freeze(_at(6, 18, 0))  # the register is kept once the sessions have taken place
    for e in (enrol["王一"], enrol["李二"]):
        for s in sessions:
            if (e.pk, s.id) not in {
                (enrol["王一"].pk, sessions[0].id),
                (enrol["李二"].pk, sessions[2].id),
            }:
                services.attendance_record(
                    actor=staff, session_id=s.id, enrolment_id=e.pk, status=AttendanceStatus.PRESENT
                )
    # 赵三 takes 8 h of approved leave: 8 > 24 / 7, so 退学 (NAT-6).
    leave = services.leave_request_create(
        actor=hr,
        enrolment_id=enrol["赵三"].pk,
        hours=Decimal(8),
        reason="家中急事",
        session_id=sessions[1].id,
    )
    services.leave_request_decide(actor=staff, leave_id=leave.pk, approve=True, confirm_drop=True)
    dropped = Enrolment.objects.get(pk=enrol["赵三"].pk)
    assert dropped.status == EnrolmentStatus.DROPPED
    assert dropped.status_reason == (
        "累计请假 8 学时，超过总学时 24 的七分之一（3.43 学时），按规定退学"
    )

    # Results: quantified score = 0.6 exam + 0.2 mean conduct + 0.2 peer (CQ-O4).
    four = {
        f"conduct_{k}": Decimal(90)
        for k in ("attitude", "participation", "interaction", "discipline")
    }
    services.results_record(
        actor=staff,
        class_id=tc.id,
        rows=[
            ResultInput(
                enrolment_id=enrol["王一"].pk,
                exam_score=Decimal(85),
                peer_score=Decimal(80),
                **four,
            ),
            ResultInput(
                enrolment_id=enrol["李二"].pk,
                exam_score=Decimal(40),
                peer_score=Decimal(60),
                **four,
            ),
        ],
    )
    wang, li = (Enrolment.objects.get(pk=enrol[n].pk) for n in ("王一", "李二"))
    assert (wang.total_score, wang.passed) == (Decimal("85.0"), True)  # 51 + 18 + 16
    assert (li.total_score, li.passed) == (Decimal("54.0"), False)  # 24 + 18 + 12

    notices = services.results_finalise(actor=staff, class_id=tc.id)
    assert class_data(tc.id).status == ClassStatus.RESULTS_FINAL
    assert len(notices) == 3

    # The unit's inbox has one notice per trainee, unacknowledged until HR confirms (ZZ-M2).
    inbox = {n.enrolment.person.name: n for n in UnitNotice.objects.filter(unit_id=tree["U1"].id)}
    assert sorted(inbox) == ["李二", "王一", "赵三"]
    assert inbox["王一"].passed is True and inbox["王一"].total_score == Decimal("85.0")
    assert inbox["李二"].passed is False
    assert inbox["赵三"].passed is False and "退学" in inbox["赵三"].body
    assert inbox["赵三"].leave_hours == Decimal(8)
    # 李二's unmarked day 3 became an unexcused absence at finalisation (CQ-M3); a dropped
    # trainee is no longer marked.
    assert inbox["李二"].absent_sessions == 1
    assert inbox["赵三"].absent_sessions == 0
    assert list(
        Attendance.objects.filter(status=AttendanceStatus.ABSENT).values_list(
            "enrolment_id", "session_id", "method"
        )
    ) == [(enrol["李二"].pk, sessions[2].id, "auto")]
    assert Attendance.objects.get(enrolment=enrol["王一"], session_id=sessions[0].id).method == "qr"
    services.notice_acknowledge(actor=hr, notice_id=inbox["王一"].pk)
    assert UnitNotice.objects.get(pk=inbox["王一"].pk).acknowledged_at is not None

    # Ledger: 王一 passed: 24 h, with 4 h law and 2 h ethics inside (CQ-T4a). 李二 failed
    # and 赵三 was withdrawn (退学): their results are recorded too, as failed, with the
    # hours attended — 李二 days 1–2 (16 h), 赵三 none (REQUIREMENTS §8 "Failed training").
    entries = list(
        credits_api.entry_rows()
        .order_by("person_id")
        .values("person_id", "hours", "result", "source_ref", "year")
    )
    assert entries == [
        {
            "person_id": people[i].id,
            "hours": Decimal(hours),
            "result": result,
            "source_ref": f"class:{tc.id}:enrolment:{enrol[name].pk}",
            "year": 2026,
        }
        for i, name, hours, result in (
            (0, "王一", "24.00", "passed"),
            (1, "李二", "16.00", "failed"),
            (2, "赵三", "0.00", "failed"),
        )
    ]
    subjects = dict(
        credits_api.subject_rows().filter(person_id=people[0].id).values_list("subject", "hours")
    )
    assert subjects == {"law": Decimal("4.00"), "ethics": Decimal("2.00")}
    assert not credits_api.subject_rows().filter(person_id=people[2].id).exists()
    # The unit still sees the class it nominated into.
    assert access_class(hr, tc.id).status == ClassStatus.RESULTS_FINAL
