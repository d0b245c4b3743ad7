"""The class pages as their users click through them (item 7)."""

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import Role, User
from civtrain.classes.api import class_data, sessions_of
from civtrain.core import clock
from civtrain.enrolment.models import Attendance, Enrolment, UnitNotice

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_class_pages_from_creation_to_inbox(tree: dict, actors: dict[str, Any]) -> None:
    city, staff, hr = (_client(actors[k]) for k in ("city", "institution", "unit_hr"))
    inst = testing.make_institution(tree["C1"], name="市委党校")
    form = {
        "code": "P-1",
        "title": "公文写作专题班",
        "training_type": "thematic",
        "mode": "off_the_job",
        "organiser_id": tree["C1"].id,
        "institution_id": inst.id,
        "start_date": "2026-05-11",
        "end_date": "2026-05-11",
        "days": "1",
        "total_hours": "3",
        "capacity": "5",
        "pass_mark": "60",
        "exam_form": "assessment",
        "weight_exam": "0.60",
        "weight_conduct": "0.20",
        "weight_peer": "0.20",
        "subj_writing": "4",
    }
    response = city.post("/classes/new/", form)
    assert "各科目学时合计 4 超过总学时 3" in _text(response)
    response = city.post("/classes/new/", {**form, "subj_writing": "3"})
    assert response.status_code == 302
    cid = int(response["Location"].rstrip("/").split("/")[-1])
    session = {
        "date": "2026-05-11",
        "start_time": "09:00",
        "end_time": "12:00",
        "topic": "请示与报告",
        "hours": "3",
        "subject": "writing",
        "place": "201教室",
    }
    assert staff.post(f"/classes/{cid}/sessions/add/", session).status_code == 302
    assert city.post(f"/classes/{cid}/transition/", {"to": "open"}).status_code == 302
    page = _text(city.get(f"/classes/{cid}/"))
    assert "报名中" in page and "请示与报告" in page and "公文写作 3.0" in page

    own = testing.make_person(tree["U1"], name="本单位甲")
    testing.make_person(tree["U2"], name="外单位乙")
    page = _text(hr.get(f"/enrolment/classes/{cid}/nominate/"))
    assert "本单位甲" in page and "外单位乙" not in page
    response = hr.post(f"/enrolment/classes/{cid}/nominate/", {"person": [own.id]}, follow=True)
    assert "已推荐 1 人：录取 1 人，候补 0 人" in _text(response)

    assert staff.post(f"/classes/{cid}/transition/", {"to": "running"}).status_code == 302
    (s,) = sessions_of(cid)
    e = Enrolment.objects.get()
    # The QR page shows an inline SVG that links to the check-in page.
    clock.freeze(dt.datetime(2026, 5, 11, 9, 0, 5, tzinfo=clock.TZ))
    qr_page = staff.get(f"/enrolment/sessions/{s.id}/qr/").content.decode()
    assert "<svg" in qr_page and 'hx-trigger="every 5s"' in qr_page
    # Learner opens the check-in link on the phone and confirms.
    from civtrain.enrolment.qr import qr_token

    learner = _client(User.objects.get(pk=own.user_id))
    url = f"/enrolment/checkin/{s.id}/{qr_token(s.id)}/"
    assert "确认签到" in _text(learner.get(url))
    assert "签到成功" in _text(learner.post(url))
    assert Attendance.objects.get().method == "qr"
    # The register toggles present → absent with htmx.
    response = staff.post(
        f"/enrolment/sessions/{s.id}/mark/{e.pk}/", {"current": "present"}, HTTP_HX_REQUEST="true"
    )
    assert 'data-mark="absent"' in response.content.decode()
    assert Attendance.objects.get().status == "absent"
    sheet = _text(staff.get(f"/enrolment/classes/{cid}/attendance/"))
    assert 'data-mark="absent"' in sheet and "本单位甲" in sheet

    scores = {
        f"{f}_{e.pk}": "80"
        for f in (
            "exam_score",
            "conduct_attitude",
            "conduct_participation",
            "conduct_interaction",
            "conduct_discipline",
            "peer_score",
        )
    }
    assert staff.post(f"/enrolment/classes/{cid}/results/", scores).status_code == 302
    assert "80.0" in _text(staff.get(f"/enrolment/classes/{cid}/results/"))
    response = staff.post(f"/enrolment/classes/{cid}/results/finalise/", follow=True)
    assert "成绩已确认，已向学员所在单位发送 1 条结果通知" in _text(response)
    assert class_data(cid).status == "results_final"

    inbox = _text(hr.get("/enrolment/inbox/"))
    assert "本单位甲 · 公文写作专题班 培训结果" in inbox and "无故缺勤 1 次" in inbox
    notice = UnitNotice.objects.get()
    response = hr.post(f"/enrolment/inbox/{notice.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    assert "已确认" in _text(response)
    other = _client(testing.make_user(Role.UNIT_HR, tree["U2"]))
    assert "暂无通知" in _text(other.get("/enrolment/inbox/"))
    assert other.post(f"/enrolment/inbox/{notice.pk}/acknowledge/").status_code == 404

    mine = _text(learner.get("/enrolment/mine/"))
    assert "公文写作专题班" in mine and "已录取" in mine


def test_pages_refuse_what_the_actor_may_not_do(tree: dict, actors: dict[str, Any]) -> None:
    inst = testing.make_institution(tree["D2"], name="江北区委党校")
    tc = testing.make_class(actors["city"], tree["C1"], inst.id)
    # Institution staff of C1's tree root see it (D2 is under C1); a D1 school's staff do not.
    d1_staff = _client(testing.make_user(Role.INSTITUTION, tree["D1"]))
    assert d1_staff.get(f"/classes/{tc.id}/").status_code == 404
    assert d1_staff.get(f"/enrolment/classes/{tc.id}/attendance/").status_code == 404
    assert d1_staff.get(f"/enrolment/classes/{tc.id}/results/").status_code == 404
    assert _client(actors["unit_hr"]).get(f"/enrolment/classes/{tc.id}/results/").status_code == 404
    assert _client(actors["other_city"]).get(f"/classes/{tc.id}/").status_code == 404
    assert "没有符合条件的培训班" in _text(_client(actors["other_city"]).get("/classes/"))


def test_class_list_page_query_count(
    tree: dict, actors: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    inst = testing.make_institution(tree["C1"])
    for n in range(12):
        testing.make_class(actors["city"], tree["C1"], inst.id, title=f"班{n}")
    client = _client(actors["city"])
    with django_assert_max_num_queries(12):
        response = client.get("/classes/")
    assert _text(response).count("/classes/") >= 12
