"""`civtrain serve`, the production server (granian, ADR 0029), started for real on the test
database as the benchmarks start it (bench._served.serve): it answers the lean heartbeat and
the site's JSON, and writes its access log."""

import http.client
import json
import time
from pathlib import Path
from typing import Any

import pytest

from bench._served import serve
from civtrain import testing
from civtrain.accounts.api import User
from civtrain.core.tests.faults import database_url
from civtrain.learning import api as learning


def _request(port: int, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        payload = None if body is None else json.dumps(body)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, payload, headers)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read() or b"null")
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_serve_answers_a_heartbeat_and_the_site_and_logs_them(
    tree: dict, actors: dict[str, Any], tmp_path: Path
) -> None:
    course = learning.course_create(
        actor=actors["city"], title="保密教育", org_code="C1", kind="video", hours="1"
    )
    item = learning.item_add(
        actor=actors["city"], course_id=course.id, kind="video", title="第一讲",
        ref="a.mp4", duration_seconds=3600,
    )  # fmt: skip
    person = testing.make_person(tree["U1"], name="学员甲")
    token = learning.play_start(actor=User.objects.get(person__pk=person.id), item_id=item.id)
    log = tmp_path / "access.log"
    env = {"DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    arguments = ("--workers", "1", "--threads", "2", "--access-log", str(log))
    with serve(*arguments, env=env) as (port, _pid):
        status, beat = _request(
            port, "POST", "/api/v1/learning/heartbeats",
            {"token": token.token, "seq": 1, "position": 0},
        )  # fmt: skip
        assert status == 200, beat
        assert beat["note"] == "" and not beat["item_completed"]
        status, refused = _request(
            port,
            "POST",
            "/api/v1/learning/heartbeats",
            {"token": "forged", "seq": 1, "position": 0},
        )
        assert (status, refused["error"]["code"]) == (404, "not_found")
        status, anonymous = _request(port, "GET", "/api/v1/me")
        assert (status, anonymous["error"]["code"]) == (401, "authentication_required")
        # each line is written once its answer has gone: wait for the last one
        expected = (
            '"POST /api/v1/learning/heartbeats HTTP/1.1" 200',
            '"GET /api/v1/me HTTP/1.1" 401',
        )
        deadline = time.monotonic() + 30
        while not all(e in _read(log) for e in expected) and time.monotonic() < deadline:
            time.sleep(0.1)
    written = _read(log)
    assert all(e in written for e in expected), written


def _read(log: Path) -> str:
    return log.read_text(encoding="utf-8") if log.exists() else ""
