"""The two hottest JSON paths of a browser — the player's heartbeat (#12) and the candidate's
answer save (#14) — are answered in front of Django's request stack when they carry their
capability (civtrain.core.lean, config/wsgi.py, ADR 0029). What protected them through the
session must still hold, now through the capability: only the learner's own live session or
the candidate's own open attempt, the idle timeout and the absolute lifetime of the sign-in
that opened them, signing out, a disabled account. Each is checked here through the WSGI
application `civtrain serve` runs, and its answers against the site's own."""

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
from civtrain.testing import served

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=clock.TZ)
CSRF = "servedjsonpathscsrftoken01234567"  # a CSRF secret as the cookie holds it
SECURITY_HEADERS = (
    "Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
    "Permissions-Policy", "Cross-Origin-Opener-Policy",
)  # fmt: skip


@pytest.fixture
def time_limits(settings: Any) -> None:
    settings.CIVTRAIN_SESSION_TIME_LIMITS = True  # off in the test settings, on in production


@pytest.fixture
def watching(tree: dict, actors: dict[str, Any]) -> dict[str, Any]:
    """A learner of C1 signed in (a browser with its CSRF cookie) and playing a long video,
    under a policy of 15 idle minutes and a 2-hour sign-in."""
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
    user = User.objects.get(person__pk=person.id)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.cookies["csrftoken"] = CSRF
    started = client.post(f"/api/v1/learning/items/{item.id}/sessions", HTTP_X_CSRFTOKEN=CSRF)
    assert started.status_code == 201, started.content
    return {"client": client, "user": user, "item": item.id, "token": started.json()["token"],
            "seq": 0, "position": 0.0}  # fmt: skip


def _beat(w: dict[str, Any], seconds: float = 15, **environ: Any) -> tuple[int, Any]:
    """The player's next heartbeat, `seconds` of real playback after the last, as served."""
    clock.freeze(clock.now() + dt.timedelta(seconds=seconds))
    w["seq"] += 1
    w["position"] += seconds
    body = {"token": w["token"], "seq": w["seq"], "position": w["position"]}
    status, _headers, answer = served("POST", "/api/v1/learning/heartbeats", body, **environ)
    return status, answer


def test_a_served_beat_is_answered_as_the_site_answers_it(watching: dict[str, Any]) -> None:
    status, headers, lean = served(
        "POST", "/api/v1/learning/heartbeats",
        {"token": watching["token"], "seq": 1, "position": 0},
    )  # fmt: skip
    assert status == 200 and lean["credited"] == "0.00"
    for header in SECURITY_HEADERS:
        assert headers.get(header), header
    clock.freeze(clock.now() + dt.timedelta(seconds=15))
    site = watching["client"].post(
        "/api/v1/learning/heartbeats",
        {"token": watching["token"], "seq": 2, "position": 15},
        content_type="application/json",
    )
    assert site.status_code == 200
    assert set(site.json()) == set(lean)
    assert site.json()["credited"] == "15.00"
    # the refusals too: the site's words, in the API's error shape
    status, _, forged = served(
        "POST", "/api/v1/learning/heartbeats", {"token": "made-up", "seq": 3, "position": 0}
    )
    assert status == 404 and forged["error"]["code"] == "not_found"


def test_a_beat_needs_no_session_and_reads_or_writes_none(watching: dict[str, Any]) -> None:
    with CaptureQueriesContext(connection) as queries:
        status, answer = _beat(watching)
    assert status == 200 and answer["credited"] == "15.00"
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]


def test_a_beat_the_site_must_answer_goes_to_the_site(watching: dict[str, Any]) -> None:
    """Not plain — a body that is not JSON, a missing field, a host the site refuses —
    and the site answers it, in its own words."""
    status, _, broken = served("POST", "/api/v1/learning/heartbeats", b"{not json")
    site = watching["client"].post(
        "/api/v1/learning/heartbeats", b"{not json", content_type="application/json"
    )
    assert status == site.status_code == 400 and broken == site.json()
    status, _, missing = served("POST", "/api/v1/learning/heartbeats", {"token": "x"})
    assert status == 422
    assert {f["field"] for f in missing["error"]["details"]["fields"]} >= {"seq", "position"}
    status, _ = _beat(watching, HTTP_HOST="evil.example")
    assert status == 400


def test_the_idle_timeout_still_ends_a_player_session(
    watching: dict[str, Any], time_limits: None, settings: Any
) -> None:
    _restart(watching)
    for _ in range(4):
        assert _beat(watching)[0] == 200
    status, ended = _beat(watching, seconds=15 * 60 + 1)
    assert status == 401 and ended["error"]["code"] == "not_authenticated"
    assert _beat(watching)[0] == 401  # ended, not just refused once


def test_the_absolute_lifetime_still_ends_a_busy_player_session(
    watching: dict[str, Any], time_limits: None
) -> None:
    _restart(watching)
    for _ in range(2 * 60 * 4 - 2):  # 15-second beats to just before the second hour ends
        assert _beat(watching)[0] == 200
    assert clock.now() < START + dt.timedelta(hours=2)
    status, _ = _beat(watching, seconds=31)  # 2 h and 1 s after the login
    assert status == 401


def test_signing_out_or_a_disabled_account_ends_the_token(watching: dict[str, Any]) -> None:
    assert _beat(watching)[0] == 200
    watching["client"].post("/logout/", HTTP_X_CSRFTOKEN=CSRF)
    status, answer = _beat(watching)
    assert status == 401 and answer["error"]["code"] == "not_authenticated"
    # signed in again, playing again: a disabled account's token stops at once
    watching["client"].force_login(watching["user"])
    _restart(watching)
    assert _beat(watching)[0] == 200
    User.objects.filter(pk=watching["user"].pk).update(is_active=False)
    assert _beat(watching)[0] == 404


def _restart(w: dict[str, Any]) -> None:
    """The player opens a new session (its token carries the sign-in's limits)."""
    started = w["client"].post(
        f"/api/v1/learning/items/{w['item']}/sessions", HTTP_X_CSRFTOKEN=CSRF
    )
    assert started.status_code == 201, started.content
    w["token"], w["seq"] = started.json()["token"], 0
    w["position"] = float(started.json()["position"])


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
