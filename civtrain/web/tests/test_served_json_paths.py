"""The two hottest JSON paths of a browser — the player's heartbeat (#12) and the candidate's
answer save (#14) — were made cheaper (docs/benchmarks.md): the session row is written when
it changes, and the lifetime stamp changes it at most once a minute (accounts.sessions.
SEEN_STEP). What protects them must still hold: CSRF, the second factor, the idle timeout
and the absolute lifetime, each checked here through the whole middleware chain."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civtrain import testing
from civtrain.accounts.api import Role, User, security_policy_get
from civtrain.core import clock
from civtrain.learning import api as learning

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=clock.TZ)
CSRF = "servedjsonpathscsrftoken01234567"  # a CSRF secret as the cookie holds it


@pytest.fixture
def time_limits(settings: Any) -> None:
    settings.CIVTRAIN_SESSION_TIME_LIMITS = True  # off in the test settings, on in production


@pytest.fixture
def watching(tree: dict, actors: dict[str, Any]) -> dict[str, Any]:
    """A learner of C1 signed in (a browser with its CSRF cookie) and playing a long video."""
    clock.freeze(START)
    security = Client()  # the city's security administrator sets the policy in its page
    security.force_login(testing.make_user(Role.SECURITY_ADMIN, tree["C1"]))
    policy = {"min_length": 10, "min_classes": 3, "history": 5, "expiry_days": 0,
              "idle_minutes": 15, "absolute_hours": 2}  # fmt: skip
    assert security.post("/account/policy/", policy).status_code == 302
    set_policy = security_policy_get(tree["C1"].id)
    assert (set_policy.idle_minutes, set_policy.absolute_hours) == (15, 2)
    course = learning.course_create(
        actor=actors["city"], title="保密教育", org_code="C1", kind="video", hours="1"
    )
    item = learning.item_add(
        actor=actors["city"], course_id=course.id, kind="video", title="第一讲",
        ref="a.mp4", duration_seconds=4 * 3600,
    )  # fmt: skip
    person = testing.make_person(tree["U1"], name="学员甲")
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(person__pk=person.id))
    client.cookies["csrftoken"] = CSRF
    started = client.post(f"/api/v1/learning/items/{item.id}/sessions", HTTP_X_CSRFTOKEN=CSRF)
    assert started.status_code == 201, started.content
    return {"client": client, "token": started.json()["token"], "seq": 0, "position": 0.0}


def _beat(w: dict[str, Any], seconds: float = 15, csrf: str | None = CSRF) -> Any:
    """The player's next heartbeat, `seconds` of real playback after the last."""
    clock.freeze(clock.now() + dt.timedelta(seconds=seconds))
    w["seq"] += 1
    w["position"] += seconds
    headers = {"HTTP_X_CSRFTOKEN": csrf} if csrf else {}
    return w["client"].post(
        "/api/v1/learning/heartbeats",
        {"token": w["token"], "seq": w["seq"], "position": w["position"]},
        content_type="application/json",
        **headers,
    )


def test_a_heartbeat_without_the_csrf_token_is_refused(
    watching: dict[str, Any], time_limits: None
) -> None:
    refused = _beat(watching, csrf=None)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    wrong = _beat(watching, csrf="x" * 32)
    assert wrong.status_code == 403
    answered = _beat(watching)
    assert answered.status_code == 200 and float(answered.json()["credited"]) > 0


def test_the_session_row_is_written_once_a_minute_not_on_every_beat(
    watching: dict[str, Any], time_limits: None
) -> None:
    _beat(watching)  # the stamp of the first request after the login
    writes = []
    for _ in range(8):  # two minutes of beats, every 15 s
        with CaptureQueriesContext(connection) as queries:
            assert _beat(watching).status_code == 200
        writes.append(sum('UPDATE "django_session"' in q["sql"] for q in queries.captured_queries))
    assert sum(writes) == 2 and max(writes) == 1, writes


def test_the_idle_timeout_still_ends_a_player_session(
    watching: dict[str, Any], time_limits: None
) -> None:
    for _ in range(4):
        assert _beat(watching).status_code == 200
    # The stamp may be up to a minute old: 15 idle minutes end the session, never later.
    ended = _beat(watching, seconds=15 * 60 + 1)
    assert ended.status_code == 401 and ended.json()["error"]["code"] == "not_authenticated"
    assert _beat(watching).status_code == 401  # signed out, not just refused once


def test_the_absolute_lifetime_still_ends_a_busy_player_session(
    watching: dict[str, Any], time_limits: None
) -> None:
    for _ in range(2 * 60 * 4 - 2):  # 15-second beats to just before the second hour ends
        assert _beat(watching).status_code == 200
    assert clock.now() < START + dt.timedelta(hours=2)
    ended = _beat(watching, seconds=31)  # 2 h and 1 s after the login
    assert ended.status_code == 401


def test_an_answer_save_still_needs_the_second_factor_of_an_administrator(
    tree: dict, actors: dict[str, Any]
) -> None:
    """A session past the password only, of a role that needs a second factor: the answer
    save path is refused before any exam is looked at (#17 item 1)."""
    admin = testing.make_user(Role.UNIT_HR, tree["U1"])
    client = Client()
    testing.force_login_password_only(client, admin)
    refused = client.put(
        "/api/v1/exams/attempts/1/answers/1", {"response": 0}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "second_factor_required"
