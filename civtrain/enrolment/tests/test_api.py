"""The class flow through /api/v1/ with structured errors and scoping (item 8)."""

import datetime as dt
from typing import Any

import pytest

from civtrain import testing
from civtrain.accounts.api import Role, User
from civtrain.core import clock
from civtrain.credits import api as credits_api
from civtrain.enrolment import qr

pytestmark = pytest.mark.django_db


def test_class_flow_through_the_api(tree: dict, actors: dict[str, Any]) -> None:
    city = testing.ApiCaller(actors["city"])
    staff = testing.ApiCaller(actors["institution"])
    hr = testing.ApiCaller(actors["unit_hr"])
    other_hr = testing.ApiCaller(testing.make_user(Role.UNIT_HR, tree["U2"]))

    status, inst = city(
        "post",
        "/institutions",
        {
            "name": "重庆行政学院",
            "org_id": tree["C1"].id,
            "kind": "admin_academy",
            "recognised_from": "2026-01-01",
            "recognised_to": "2027-12-31",
        },
    )
    assert status == 201 and inst["name"] == "重庆行政学院"
    body = {
        "code": "API-1",
        "title": "依法行政专题班",
        "training_type": "thematic",
        "mode": "off_the_job",
        "organiser_id": tree["C1"].id,
        "institution_id": inst["id"],
        "start_date": "2026-04-01",
        "end_date": "2026-04-01",
        "days": "1",
        "total_hours": "7",
        "capacity": 1,
        "subject_hours": {"law": "7"},
        "exam_form": "open_book",
    }
    status, err = city("post", "/classes", {**body, "subject_hours": {"law": "8"}})
    assert (status, err["error"]["code"]) == (422, "subject_hours_exceed_total")
    assert err["error"]["message"] == "各科目学时合计 8 超过总学时 7"
    status, tc = city("post", "/classes", body)
    assert (status, tc["status"], tc["subject_hours"]) == (201, "planned", {"law": "7.0"})
    cid = tc["id"]
    status, session = staff(
        "post",
        f"/classes/{cid}/sessions",
        {
            "date": "2026-04-01",
            "start_time": "09:00",
            "end_time": "17:00",
            "topic": "行政诉讼",
            "hours": "7",
            "subject": "law",
        },
    )
    assert status == 201
    assert city("post", f"/classes/{cid}/transition", {"to": "open"})[1]["status"] == "open"

    a = testing.make_person(tree["U1"], name="甲")
    b = testing.make_person(tree["U1"], name="乙")
    stranger = testing.make_person(tree["U2"], name="丙")
    status, err = hr("post", f"/enrolment/classes/{cid}/nominations", {"person_ids": [stranger.id]})
    assert (status, err["error"]["code"]) == (404, "not_found")
    status, out = hr("post", f"/enrolment/classes/{cid}/nominations", {"person_ids": [a.id, b.id]})
    assert status == 201
    assert [o["status"] for o in out] == ["enrolled", "waitlisted"]  # capacity 1
    # The other unit sees the class but none of our trainees.
    assert other_hr("get", f"/enrolment/classes/{cid}/enrolments") == (200, [])

    assert staff("post", f"/classes/{cid}/transition", {"to": "running"})[0] == 200
    learner = testing.ApiCaller(User.objects.get(pk=a.user_id))
    clock.freeze(dt.datetime(2026, 4, 1, 9, 1, tzinfo=clock.TZ))
    status, mark = learner(
        "post",
        "/enrolment/checkin",
        {"session_id": session["id"], "token": qr.qr_token(session["id"])},
    )
    assert (status, mark["status"], mark["method"]) == (200, "present", "qr")
    status, err = learner(
        "post", "/enrolment/checkin", {"session_id": session["id"], "token": "0" * 20}
    )
    assert (status, err["error"]["code"]) == (422, "qr_token_expired")

    eid = out[0]["enrolment_id"]
    status, rows = staff(
        "post",
        f"/enrolment/classes/{cid}/results",
        {
            "rows": [
                {
                    "enrolment_id": eid,
                    "exam_score": 88,
                    "conduct_attitude": 90,
                    "conduct_participation": 90,
                    "conduct_interaction": 90,
                    "conduct_discipline": 90,
                    "peer_score": 95,
                }
            ]
        },
    )
    assert status == 200 and rows[0]["passed"] is True
    assert float(rows[0]["total_score"]) == 89.8  # 52.8 + 18 + 19
    # The unit may not finalise; the institution may.
    assert hr("post", f"/enrolment/classes/{cid}/results/finalise")[0] == 404
    status, notices = staff("post", f"/enrolment/classes/{cid}/results/finalise")
    assert status == 200 and [n["person_name"] for n in notices] == ["甲"]

    status, inbox = hr("get", "/enrolment/inbox?unacknowledged=true")
    assert [n["title"] for n in inbox] == ["甲 · 依法行政专题班 培训结果"]
    assert other_hr("get", "/enrolment/inbox") == (200, [])
    assert other_hr("post", f"/enrolment/inbox/{inbox[0]['id']}/acknowledge")[0] == 404
    status, acked = hr("post", f"/enrolment/inbox/{inbox[0]['id']}/acknowledge")
    assert status == 200 and acked["acknowledged_at"] is not None
    assert hr("get", "/enrolment/inbox?unacknowledged=true") == (200, [])

    entry = credits_api.entry_rows().get(person_id=a.id)
    assert (entry.hours, entry.training_type, entry.source_type) == (7, "thematic", "class")
    assert dict(credits_api.subject_rows().values_list("subject", "hours")) == {"law": 7}


def test_class_list_is_scoped(tree: dict, actors: dict[str, Any]) -> None:
    ours = testing.make_institution(tree["C1"])
    testing.make_class(actors["city"], tree["C1"], ours.id, title="市级班")
    results = {
        name: testing.ApiCaller(actors[name])("get", "/classes")[1]["count"]
        for name in ("city", "district", "unit_hr", "other_city", "institution", "teacher")
    }
    # Planned city class: the city and its institution see it; below and elsewhere, not yet.
    assert results == {
        "city": 1,
        "district": 0,
        "unit_hr": 0,
        "other_city": 0,
        "institution": 1,
        "teacher": 0,
    }
    assert testing.ApiCaller()("get", "/classes")[0] == 401
