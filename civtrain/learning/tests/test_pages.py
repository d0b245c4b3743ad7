"""The learning pages (#12 item 7): my courses, a course, the player, range serving, uploads."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.core import clock
from civtrain.learning import api, media
from civtrain.learning.tests.test_media import make_mp4

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with override_settings(CIVTRAIN_COURSEWARE_DIR=tmp_path / "courseware"):
        yield tmp_path


@pytest.fixture
def video(store: Path, tree: dict, actors: dict[str, Any]) -> dict[str, Any]:
    clock.freeze(dt.datetime(2026, 6, 1, 9, 0, tzinfo=clock.TZ))
    course = api.course_create(
        actor=actors["city"],
        title="廉政教育",
        org_code="C1",
        kind="video",
        hours="1",
        required=True,
    )
    content = make_mp4(store / "v.mp4", 2)
    state = media.upload_begin(
        actor=actors["city"], course_id=course.id, filename="v.mp4", size=len(content)
    )
    media.upload_chunk(
        actor=actors["city"], token=state.token, start=0, total=len(content), data=content
    )
    item = media.video_item_from_upload(
        actor=actors["city"], course_id=course.id, token=state.token, title="第一讲"
    )
    return {"course": course, "item": item, "content": content}


def learner_client(tree: dict) -> Client:
    person = testing.make_person(tree["U1"], name="学员乙")
    client = Client()
    client.force_login(User.objects.get(person__pk=person.id))
    return client


def test_my_courses_shows_what_is_required_and_missing(tree: dict, video: dict) -> None:
    page = learner_client(tree).get("/learning/").content.decode()
    assert "2026 年度必修课程" in page and "还差 1 门" in page and "廉政教育" in page


def test_the_player_and_the_video_with_ranges(tree: dict, video: dict) -> None:
    client = learner_client(tree)
    item = video["item"]
    page = client.get(f"/learning/items/{item.pk}/play/").content.decode()
    assert 'id="player-video"' in page and "player-config" in page
    whole = client.get(f"/learning/items/{item.pk}/file")
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    part = client.get(f"/learning/items/{item.pk}/file", HTTP_RANGE="bytes=10-19")
    size = len(video["content"])
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 10-19/{size}"
    assert part.content == video["content"][10:20]
    tail = client.get(f"/learning/items/{item.pk}/file", HTTP_RANGE="bytes=-5")
    assert tail.content == video["content"][-5:]
    beyond = client.get(f"/learning/items/{item.pk}/file", HTTP_RANGE=f"bytes={size}-")
    assert beyond.status_code == 416
    assert client.get(f"/learning/items/{item.pk}/poster").status_code == 200


@override_settings(CIVTRAIN_COURSEWARE_ACCEL="/protected-courseware")
def test_production_hands_the_bytes_to_the_web_server(tree: dict, video: dict) -> None:
    response = learner_client(tree).get(f"/learning/items/{video['item'].pk}/file")
    assert response["X-Accel-Redirect"] == f"/protected-courseware/video/{video['item'].ref}"


def test_other_cities_cannot_fetch_the_video(tree: dict, video: dict) -> None:
    far = testing.make_person(tree["U3"], name="外市")
    client = Client()
    client.force_login(User.objects.get(person__pk=far.id))
    assert client.get(f"/learning/items/{video['item'].pk}/file").status_code == 404
    assert client.get(f"/learning/items/{video['item'].pk}/play/").status_code == 404


def test_the_uploader_endpoints_resume_and_refuse_clearly(
    store: Path, tree: dict, actors: dict[str, Any]
) -> None:
    course = api.course_create(actor=actors["city"], title="上传", org_code="C1", kind="video")
    client = Client()
    client.force_login(actors["city"])
    content = make_mp4(store / "u.mp4", 2)
    begin = client.post(
        f"/learning/manage/{course.id}/uploads", {"filename": "u.mp4", "size": len(content)}
    )
    token = begin.json()["token"]
    put = client.put(
        f"/learning/uploads/{token}",
        content[:50],
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes 0-49/{len(content)}",
    )
    assert put.json()["received"] == 50
    early = client.post(f"/learning/manage/{course.id}/uploads/{token}/finish", {"title": "t"})
    assert early.status_code == 422 and "上传不完整" in early.json()["error"]["message"]
    assert client.get(f"/learning/uploads/{token}").json()["received"] == 50
    client.put(
        f"/learning/uploads/{token}",
        content[50:],
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes 50-{len(content) - 1}/{len(content)}",
    )
    done = client.post(f"/learning/manage/{course.id}/uploads/{token}/finish", {"title": "t"})
    assert done.status_code == 201 and done.json()["duration_seconds"] == 2
    page = client.get(f"/learning/courses/{course.id}/").content.decode()
    assert 'id="video-upload"' in page and "t</span>" in page


def test_the_learner_finds_the_earned_time_rules_with_this_platforms_numbers(
    tree: dict, settings: Any
) -> None:
    """#12 item 8: the rules written for users, linked from 我的课程, with the settings."""
    settings.CIVTRAIN_LEARNING_DAILY_CAP_HOURS = 4
    settings.CIVTRAIN_LEARNING_SPEED_CAP = 1.25
    client = learner_client(tree)
    mine = client.get("/learning/").content.decode()
    assert 'href="/learning/rules/" id="rules-link"' in mine
    rules = client.get("/learning/rules/").content.decode()
    assert "每人每天（北京时间）最多计 4 小时" in rules
    assert "播放速度超过 1.25 倍的时间不计" in rules
    assert "同一时间只学一门课" in rules
