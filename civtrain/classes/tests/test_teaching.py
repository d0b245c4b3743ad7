"""A teacher's own schedule page, month filter, .ics download and QR link (CQ-B2)."""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import Role
from civtrain.classes.api import ClassStatus, SessionInput, class_transition, session_create
from civtrain.core import clock
from civtrain.faculty.api import teacher_create

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


CELL = r"<td[^>]*>(.*?)</td>"


def _rows(html: str, table_id: str) -> list[list[str]]:
    """The cells of a table's body rows, as text."""
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(CELL, r)]
        for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


@pytest.fixture
def schedule(tree: dict, actors: dict[str, Any]) -> dict[str, Any]:
    """Two classes; 刘老师 (the `teacher` login) teaches three sessions, 陈老师 one."""
    staff = actors["institution"]
    institution = testing.make_institution(tree["C1"], name="市委党校")
    mine = teacher_create(
        actor=staff, org_id=tree["C1"].id, name="刘老师", user_id=actors["teacher"].pk
    )
    other_user = testing.make_user(Role.TEACHER, tree["C1"])
    other = teacher_create(actor=staff, org_id=tree["C1"].id, name="陈老师", user_id=other_user.pk)
    march = testing.make_class(actors["city"], tree["C1"], institution.id, title="三月初任班")
    april = testing.make_class(
        actors["city"],
        tree["C1"],
        institution.id,
        title="四月法治班",
        start_date=dt.date(2026, 4, 6),
        end_date=dt.date(2026, 4, 10),
    )

    def add(tc: Any, day: dt.date, teacher: Any, topic: str, subject: str = "") -> None:
        session_create(
            actor=staff,
            class_id=tc.id,
            data=SessionInput(
                date=day,
                start_time=dt.time(9),
                end_time=dt.time(12),
                topic=topic,
                hours=Decimal(4),
                place="党校一号楼, 201",
                subject=subject,
                teacher_id=teacher.id,
            ),
        )

    add(march, dt.date(2026, 3, 2), mine, "宪法与行政法", "law")
    add(march, dt.date(2026, 3, 4), mine, "公务员职业道德", "ethics")
    add(march, dt.date(2026, 3, 3), other, "他人的课")
    add(april, dt.date(2026, 4, 7), mine, "依法行政")
    class_transition(actor=actors["city"], class_id=march.id, to=ClassStatus.OPEN)
    class_transition(actor=staff, class_id=march.id, to=ClassStatus.RUNNING)
    clock.freeze(dt.datetime(2026, 3, 3, 8, tzinfo=clock.TZ))
    return {"other_user": other_user, "march": march, "april": april}


def test_teacher_sees_own_sessions_upcoming_first_then_past(
    actors: dict[str, Any], schedule: dict[str, Any]
) -> None:
    # implements CQ-B2
    html = _client(actors["teacher"]).get("/classes/teaching/").content.decode()
    assert _rows(html, "teaching-upcoming") == [
        [
            "2026-03-04",
            "09:00–12:00",
            "三月初任班",
            "公务员职业道德",
            "职业道德",
            "党校一号楼, 201",
            "4",
            "进行中",
            "签到二维码",
        ],
        [
            "2026-04-07",
            "09:00–12:00",
            "四月法治班",
            "依法行政",
            "—",
            "党校一号楼, 201",
            "4",
            "计划中",
            "—",
        ],
    ]
    assert _rows(html, "teaching-past") == [
        [
            "2026-03-02",
            "09:00–12:00",
            "三月初任班",
            "宪法与行政法",
            "法治",
            "党校一号楼, 201",
            "4",
            "进行中",
            "—",
        ],
    ]
    assert "他人的课" not in html  # another teacher's session is never shown
    assert "共 2 个课次，8 学时" in html

    # Month filter: April only.
    html = _client(actors["teacher"]).get("/classes/teaching/?month=2026-04").content.decode()
    assert [r[3] for r in _rows(html, "teaching-upcoming")] == ["依法行政"]
    assert _rows(html, "teaching-past") == [["暂无课次。"]]

    # The other teacher sees only their own session.
    html = _client(schedule["other_user"]).get("/classes/teaching/").content.decode()
    assert [r[3] for r in _rows(html, "teaching-upcoming")] == ["他人的课"]  # today
    assert _rows(html, "teaching-past") == [["暂无课次。"]]


def test_ics_lists_upcoming_sessions_only(actors: dict[str, Any], schedule: dict[str, Any]) -> None:
    response = _client(actors["teacher"]).get("/classes/teaching/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    # 09:00 in Asia/Shanghai is 01:00 UTC.
    starts = re.findall(r"DTSTART:(\S+)", unfolded)
    assert starts == ["20260304T010000Z", "20260407T010000Z"]
    assert "SUMMARY:公务员职业道德 · 三月初任班" in unfolded
    assert "LOCATION:党校一号楼\\, 201" in unfolded
    assert "宪法与行政法" not in unfolded  # past
    assert "他人的课" not in unfolded  # another teacher's


def test_teacher_shows_the_qr_code_of_own_sessions_only(
    actors: dict[str, Any], schedule: dict[str, Any]
) -> None:
    from civtrain.classes.models import Session

    own = Session.objects.get(topic="公务员职业道德")
    others = Session.objects.get(topic="他人的课")
    teacher = _client(actors["teacher"])
    assert teacher.get(f"/enrolment/sessions/{own.pk}/qr/").status_code == 200
    assert teacher.get(f"/enrolment/sessions/{others.pk}/qr/").status_code == 404
    assert teacher.get(f"/enrolment/sessions/{others.pk}/qr/code/").status_code == 404
    # The register stays the institution's: a teacher cannot open the attendance sheet.
    assert teacher.get(f"/enrolment/classes/{schedule['march'].id}/attendance/").status_code == 404


def test_schedule_is_for_teachers(actors: dict[str, Any]) -> None:
    assert _client(actors["unit_hr"]).get("/classes/teaching/").status_code == 403
    assert _client(actors["unit_hr"]).get("/classes/teaching/calendar.ics").status_code == 403
    html = _client(actors["teacher"]).get("/classes/teaching/").content.decode()
    assert "您的账号尚未关联师资库中的教师记录" in html
