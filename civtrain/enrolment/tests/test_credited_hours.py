"""Credited hours: leave under the 1/7 cap passes but is not credited, nor is an unexcused
absence (NAT-6, CQ-M3, REQUIREMENTS §4 and §8). Every figure below is computed by hand."""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.classes.api import (
    ClassData,
    ClassStatus,
    ExamForm,
    SessionData,
    SessionInput,
    class_data,
    class_transition,
    session_create,
    sessions_of,
)
from civtrain.credits import api as credits_api
from civtrain.enrolment import services
from civtrain.enrolment.data import AttendanceStatus, EnrolmentStatus, ResultInput
from civtrain.enrolment.hours import credited_hours
from civtrain.enrolment.models import Enrolment, UnitNotice

D = Decimal
PASSING = {
    "exam_score": D(80),
    "conduct_attitude": D(80),
    "conduct_participation": D(80),
    "conduct_interaction": D(80),
    "conduct_discipline": D(80),
    "peer_score": D(80),
}
# 28 h over five days: law 6 h, ethics 4 h, 18 h outside the subject breakdown.
# The 1/7 leave cap is 4 h.
SESSIONS = [
    (2, 9, 13, "law", D(4)),  # S1
    (2, 14, 16, "law", D(2)),  # S2
    (3, 9, 13, "ethics", D(4)),  # S3
    (4, 9, 17, "", D(8)),  # S4
    (5, 9, 15, "", D(6)),  # S5
    (6, 9, 13, "", D(4)),  # S6
]


@pytest.mark.django_db
def test_ledger_credits_only_attended_hours(tree: dict, actors: dict[str, Any]) -> None:
    # implements NAT-6, CQ-M3
    city, hr, staff = actors["city"], actors["unit_hr"], actors["institution"]
    institution = testing.make_institution(tree["C1"])
    tc = testing.make_class(
        city,
        tree["C1"],
        institution.id,
        total_hours=D(28),
        days=D(5),
        subject_hours={"law": D(6), "ethics": D(4)},
    )
    for day, start, end, subject, hours in SESSIONS:
        session_create(
            actor=staff,
            class_id=tc.id,
            data=SessionInput(
                date=dt.date(2026, 3, day),
                start_time=dt.time(start),
                end_time=dt.time(end),
                topic=f"{day}日{start}时",
                hours=hours,
                subject=subject,
            ),
        )
    class_transition(actor=city, class_id=tc.id, to=ClassStatus.OPEN)
    names = ("全勤", "请假二", "缺勤七", "请假四", "超假")
    people = {n: testing.make_person(tree["U1"], name=n) for n in names}
    services.nominations_create(
        actor=hr, class_id=tc.id, person_ids=[p.id for p in people.values()]
    )
    class_transition(actor=staff, class_id=tc.id, to=ClassStatus.RUNNING)
    s1, s2, s3, s4, s5, s6 = sessions_of(tc.id)
    enrol = {e.person.name: e for e in Enrolment.objects.select_related("person")}
    for e in enrol.values():
        for s in (s1, s2, s3, s4, s5, s6):
            services.attendance_record(
                actor=staff, session_id=s.id, enrolment_id=e.pk, status=AttendanceStatus.PRESENT
            )

    def leave(name: str, hours: int, session: SessionData | None) -> None:
        request = services.leave_request_create(
            actor=hr,
            enrolment_id=enrol[name].pk,
            hours=D(hours),
            reason="事假",
            session_id=session.id if session else None,
        )
        services.leave_request_decide(
            actor=staff, leave_id=request.pk, approve=True, confirm_drop=True
        )

    leave("请假二", 2, s2)  # the whole 2-hour law session
    leave("缺勤七", 3, None)  # 3 h of leave for no particular session …
    services.attendance_record(  # … and the ethics session missed without leave
        actor=staff,
        session_id=s3.id,
        enrolment_id=enrol["缺勤七"].pk,
        status=AttendanceStatus.ABSENT,
    )
    leave("请假四", 4, s4)  # half of the 8-hour day: exactly the cap, 4 × 7 = 28
    leave("超假", 5, s5)  # 5 × 7 = 35 > 28: withdrawn (退学)
    assert {e.person.name: e.status for e in Enrolment.objects.select_related("person")} == {
        "全勤": EnrolmentStatus.ENROLLED,
        "请假二": EnrolmentStatus.ENROLLED,
        "缺勤七": EnrolmentStatus.ENROLLED,
        "请假四": EnrolmentStatus.ENROLLED,
        "超假": EnrolmentStatus.DROPPED,
    }

    services.results_record(
        actor=staff,
        class_id=tc.id,
        rows=[ResultInput(enrolment_id=enrol[n].pk, **PASSING) for n in names[:4]],
    )
    services.results_finalise(actor=staff, class_id=tc.id)

    by_person = {p.id: n for n, p in people.items()}
    entries = {
        by_person[row["person_id"]]: (row["hours"], row["days"], row["result"])
        for row in credits_api.entry_rows().values("person_id", "hours", "days", "result")
    }
    assert entries == {
        "全勤": (D("28.00"), D("5.00"), "passed"),
        "请假二": (D("26.00"), D("4.64"), "passed"),  # 28 − 2; 5 × 26/28 = 4.642…
        "缺勤七": (D("21.00"), D("3.75"), "passed"),  # 28 − 3 − 4; 5 × 21/28
        "请假四": (D("24.00"), D("4.29"), "passed"),  # 28 − 4; 5 × 24/28 = 4.285…
        # 退学 is recorded too, as failed, with the hours attended (REQUIREMENTS §8 "Failed
        # training"; whether they count is the rule set's): 28 − 5; 5 × 23/28 = 4.107…
        "超假": (D("23.00"), D("4.11"), "failed"),
    }
    subjects: dict[str, dict[str, Decimal]] = {}
    for person_id, subject, hours in credits_api.subject_rows().values_list(
        "person_id", "subject", "hours"
    ):
        subjects.setdefault(by_person[person_id], {})[subject] = hours
    assert subjects == {
        "全勤": {"law": D("6.00"), "ethics": D("4.00")},
        "请假二": {"law": D("4.00"), "ethics": D("4.00")},  # the law session was on leave
        "缺勤七": {"law": D("6.00")},  # the ethics session was missed: no ethics credited
        "请假四": {"law": D("6.00"), "ethics": D("4.00")},  # leave outside any subject
        "超假": {"law": D("6.00"), "ethics": D("4.00")},  # leave outside any subject
    }
    body = UnitNotice.objects.get(enrolment=enrol["缺勤七"]).body
    assert "请假 3 学时；无故缺勤 1 次" in body
    assert "记入学时 21（按实际出勤）" in body
    assert class_data(tc.id).status == ClassStatus.RESULTS_FINAL

    # The results page shows each trainee's credited hours, with what was missed.
    client = Client()
    client.force_login(staff)
    page = re.sub(r"\s+", " ", client.get(f"/enrolment/classes/{tc.id}/results/").content.decode())
    row = r'<th scope="row"[^>]*>(\S+)</th>(?:(?!</tr>).)*?credited-hours">(.*?)</td>'
    rows = {
        name: " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for name, cell in re.findall(row, page)
    }
    assert rows == {
        "超假": "—",
        "全勤": "28 法治 6、职业道德 4",
        "请假二": "26 （请假 2，缺勤 0） 法治 4、职业道德 4",
        "缺勤七": "21 （请假 3，缺勤 4） 法治 6",
        "请假四": "24 （请假 4，缺勤 0） 法治 6、职业道德 4",
    }


def _class(total: str, days: str, subjects: dict[str, Decimal]) -> ClassData:
    return ClassData(
        id=1,
        code="X",
        title="X",
        training_type="in_service",
        mode="off_the_job",
        status=ClassStatus.RUNNING,
        organiser_id=1,
        organiser_path="",
        institution_id=1,
        start_date=dt.date(2026, 3, 2),
        end_date=dt.date(2026, 3, 2),
        days=D(days),
        total_hours=D(total),
        subject_hours=subjects,
        capacity=1,
        pass_mark=D(60),
        exam_form=ExamForm.CLOSED_BOOK,
        self_registration=False,
        external=False,
        weight_exam=D("0.6"),
        weight_conduct=D("0.2"),
        weight_peer=D("0.2"),
    )


def _session(sid: int, hours: str, subject: str = "") -> SessionData:
    return SessionData(
        id=sid,
        class_id=1,
        date=dt.date(2026, 3, 2),
        start_time=dt.time(9),
        end_time=dt.time(10),
        place="",
        topic="",
        subject=subject,
        teacher_id=None,
        hours=D(hours),
    )


def test_missed_hours_beyond_the_unsubjected_part_scale_the_subjects_down() -> None:
    # 10 h: law 4, ethics 2, 4 h outside any subject. 6 h missed outside any subject
    # leave 4 h credited; the 6 subject hours shrink to 4 in proportion (4/6), rounded down.
    tc = _class("10", "2", {"law": D(4), "ethics": D(2)})
    sessions = [_session(1, "4", "law"), _session(2, "2", "ethics"), _session(3, "4")]
    got = credited_hours(tc, sessions, {1: "present", 2: "present", 3: "absent"}, [(None, D(2))])
    assert (got.hours, got.days, got.leave_hours, got.absent_hours) == (D(4), D("0.80"), 2, 4)
    assert got.subject_hours == {"law": D("2.66"), "ethics": D("1.33")}


def test_unmarked_sessions_count_as_absent_and_leave_marks_without_a_request_as_leave() -> None:
    tc = _class("8", "1", {"law": D(2)})
    sessions = [_session(1, "2", "law"), _session(2, "3"), _session(3, "3")]
    got = credited_hours(tc, sessions, {2: "leave", 3: "present"}, [])
    assert (got.hours, got.leave_hours, got.absent_hours) == (D(3), D(3), D(2))
    assert got.subject_hours == {}  # the law session was never marked: absent (CQ-M3)
