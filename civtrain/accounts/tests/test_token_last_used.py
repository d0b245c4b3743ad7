"""Bearer tokens note when they were last used, at most once per five minutes (no commit per
API request)."""

import datetime as dt
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civtrain import testing
from civtrain.accounts import services
from civtrain.accounts.api import SYSTEM, Role, api_token_create
from civtrain.accounts.models import ApiToken
from civtrain.core import clock

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.TZ)


def _call(key: str) -> list[str]:
    """One API request with the token; returns the UPDATE statements it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/api/v1/orgs", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith("UPDATE")]


def _last_used(user: Any) -> dt.datetime | None:
    return ApiToken.objects.get(user=user).last_used_at


def test_first_use_is_recorded(tree: Any) -> None:
    user = testing.make_user(Role.DISTRICT_BUREAU, tree["D1"])
    key = api_token_create(actor=SYSTEM, user=user, name="人事系统")
    assert _last_used(user) is None
    clock.freeze(T0)
    assert len(_call(key)) == 1
    assert _last_used(user) == T0


def test_uses_within_five_minutes_write_nothing(tree: Any) -> None:
    user = testing.make_user(Role.DISTRICT_BUREAU, tree["D1"])
    key = api_token_create(actor=SYSTEM, user=user, name="人事系统")
    clock.freeze(T0)
    _call(key)
    for later in (dt.timedelta(seconds=1), dt.timedelta(minutes=4, seconds=59)):
        clock.freeze(T0 + later)
        assert _call(key) == []
    assert _last_used(user) == T0


def test_use_after_five_minutes_moves_the_stamp(tree: Any) -> None:
    user = testing.make_user(Role.DISTRICT_BUREAU, tree["D1"])
    key = api_token_create(actor=SYSTEM, user=user, name="人事系统")
    clock.freeze(T0)
    _call(key)
    clock.freeze(T0 + dt.timedelta(minutes=5, seconds=1))
    assert len(_call(key)) == 1
    assert _last_used(user) == T0 + dt.timedelta(minutes=5, seconds=1)


def test_update_is_conditional_so_a_racing_request_does_not_write_again(
    tree: Any, monkeypatch: Any
) -> None:
    # Another request stamps the token after this one has read the stale value: the guarded
    # UPDATE then matches no row, so the racer's newer stamp stays.
    user = testing.make_user(Role.DISTRICT_BUREAU, tree["D1"])
    key = api_token_create(actor=SYSTEM, user=user, name="人事系统")
    clock.freeze(T0)
    _call(key)
    later = T0 + dt.timedelta(minutes=10)
    racer = later + dt.timedelta(seconds=1)

    def now_after_a_racing_request() -> dt.datetime:
        ApiToken.objects.filter(user=user).update(last_used_at=racer)
        return later

    monkeypatch.setattr(services.clock, "now", now_after_a_racing_request)
    services.api_token_authenticate(key)
    assert _last_used(user) == racer
