"""The learning endpoints (#12 item 7): catalogue, my required courses, sessions, heartbeats."""

import datetime as dt
from typing import Any

import pytest

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.core import clock
from civtrain.learning import api

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=clock.TZ)


@pytest.fixture
def course(tree: dict, actors: dict[str, Any]) -> api.CourseData:
    clock.freeze(START)
    created = api.course_create(
        actor=actors["city"],
        title="保密教育",
        org_code="C1",
        kind="video",
        hours="1",
        required=True,
        subjects={"law": 1},
    )
    api.item_add(
        actor=actors["city"],
        course_id=created.id,
        kind="video",
        title="第一讲",
        ref="a.mp4",
        duration_seconds=30,
    )
    return created


def learner_caller(tree: dict) -> testing.ApiCaller:
    person = testing.make_person(tree["U1"], name="学员甲")
    return testing.ApiCaller(User.objects.get(person__pk=person.id))


def test_a_learner_finds_and_watches_a_required_course(tree: dict, course: Any) -> None:
    call = learner_caller(tree)
    status, page = call("GET", "/learning/courses?q=保密")
    assert status == 200 and [c["title"] for c in page["items"]] == ["保密教育"]
    status, required = call("GET", "/learning/me/required?year=2026")
    assert status == 200 and [(r["course"]["id"], r["completed"]) for r in required] == [
        (course.id, False)
    ]
    status, detail = call("GET", f"/learning/courses/{course.id}")
    item = detail["item_list"][0]
    status, session = call("POST", f"/learning/items/{item['id']}/sessions")
    assert status == 201 and float(session["position"]) == 0 and session["interval"] == 15
    for seq, position in enumerate((15, 30), start=1):
        clock.freeze(clock.now() + dt.timedelta(seconds=15))
        status, beat = call(
            "POST",
            "/learning/heartbeats",
            {"token": session["token"], "seq": seq, "position": position},
        )
        assert status == 200, beat
    assert beat["item_completed"] and beat["course_completed"]
    status, required = call("GET", "/learning/me/required?year=2026")
    assert required[0]["completed"] is True


def test_a_second_tab_is_told_it_was_paused(tree: dict, course: Any) -> None:
    call = learner_caller(tree)
    item_id = api.course_items(course.id)[0].id
    _, first = call("POST", f"/learning/items/{item_id}/sessions")
    call("POST", f"/learning/items/{item_id}/sessions")
    status, body = call(
        "POST", "/learning/heartbeats", {"token": first["token"], "seq": 1, "position": 0}
    )
    assert status == 409
    assert body["error"]["code"] == "session_superseded"
    assert "其他页面或设备" in body["error"]["message"]


def test_strangers_and_staff_cannot_play(tree: dict, course: Any, actors: dict) -> None:
    item_id = api.course_items(course.id)[0].id
    status, _ = testing.ApiCaller()("POST", f"/learning/items/{item_id}/sessions")
    assert status == 401
    status, body = testing.ApiCaller(actors["city"])("POST", f"/learning/items/{item_id}/sessions")
    assert status == 404 and body["error"]["code"] == "not_found"
    far = testing.make_person(tree["U3"], name="外市学员")
    status, _ = testing.ApiCaller(User.objects.get(person__pk=far.id))(
        "POST", f"/learning/items/{item_id}/sessions"
    )
    assert status == 404
    status, body = learner_caller(tree)(
        "POST", "/learning/heartbeats", {"token": "x", "seq": 1, "position": -3}
    )
    assert status == 422
