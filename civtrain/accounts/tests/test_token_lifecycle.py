"""API tokens expire, can be listed by their owner (never the key) and revoked from the
page, the API and the command line (#8 item 13; ADR 0006). Before the fix a token never
ended and nothing could revoke it."""

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import SYSTEM, Role, api_token_create
from civtrain.core import clock
from civtrain.core.models import AuditEvent

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.TZ)


def _status(key: str) -> int:
    return Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code


@pytest.fixture
def hr(tree: Any) -> Any:
    return testing.make_user(Role.UNIT_HR, tree["U1"], username="hr-u1")


def test_a_token_ends_after_its_days(hr: Any) -> None:
    clock.freeze(T0)
    default = api_token_create(actor=SYSTEM, user=hr, name="默认")
    short = api_token_create(actor=SYSTEM, user=hr, name="短期", days=7)
    assert _status(default) == 200 and _status(short) == 200
    clock.freeze(T0 + dt.timedelta(days=7, seconds=1))
    assert (_status(default), _status(short)) == (200, 401)
    clock.freeze(T0 + dt.timedelta(days=90, seconds=1))
    assert _status(default) == 401
    with pytest.raises(Exception, match="令牌有效期应为 1–366 天"):
        api_token_create(actor=SYSTEM, user=hr, name="永久", days=100000)


def test_the_owner_lists_and_revokes_through_the_api(hr: Any, actors: Any) -> None:
    key = api_token_create(actor=SYSTEM, user=hr, name="考勤系统")
    other_key = api_token_create(actor=SYSTEM, user=actors["city"], name="别人的")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    listed = Client().get("/api/v1/me/tokens", **auth).json()
    assert [(t["name"], t["prefix"], t["status"]) for t in listed] == [
        ("考勤系统", key[:8], "active")
    ]
    assert key not in str(listed)
    # Someone else's token is as missing as a token that does not exist.
    other_id = Client().get("/api/v1/me/tokens", HTTP_AUTHORIZATION=f"Bearer {other_key}")
    other = other_id.json()[0]["id"]
    refused = Client().post(f"/api/v1/me/tokens/{other}/revoke", **auth)
    missing = Client().post("/api/v1/me/tokens/999999/revoke", **auth)
    assert refused.status_code == missing.status_code == 404
    assert refused.content == missing.content
    assert _status(other_key) == 200
    revoked = Client().post(f"/api/v1/me/tokens/{listed[0]['id']}/revoke", **auth)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert _status(key) == 401
    event = AuditEvent.objects.get(action="token.revoke")
    assert (event.actor_id, event.object_id, event.org_path) == (hr.pk, str(hr.pk), hr_path(hr))


def hr_path(user: Any) -> str:
    from civtrain.accounts.services import user_org_paths

    return user_org_paths(user.pk)[0]


def test_the_owner_revokes_on_the_page(hr: Any) -> None:
    key = api_token_create(actor=SYSTEM, user=hr, name="考勤系统")
    client = Client()
    client.force_login(hr)
    page = client.get("/account/tokens/").content.decode()
    assert "考勤系统" in page and key[:8] in page and key not in page
    token_id = Client().get("/api/v1/me/tokens", HTTP_AUTHORIZATION=f"Bearer {key}").json()[0]["id"]
    response = client.post(f"/account/tokens/{token_id}/revoke/", follow=True)
    assert "已吊销令牌" in response.content.decode()
    assert _status(key) == 401


def test_the_operator_revokes_with_the_command(hr: Any) -> None:
    out = io.StringIO()
    call_command("create_token", "hr-u1", "考勤系统", "--days", "30", stdout=out)
    key = out.getvalue().strip()
    listing = io.StringIO()
    call_command("revoke_token", "hr-u1", stdout=listing)
    assert key[:8] in listing.getvalue() and "有效" in listing.getvalue()
    assert key not in listing.getvalue()
    call_command("revoke_token", "hr-u1", key[:8], stdout=io.StringIO())
    assert _status(key) == 401
    with pytest.raises(CommandError, match="没有前缀为 ct_nope 的令牌"):
        call_command("revoke_token", "hr-u1", "ct_nope", stdout=io.StringIO())
    with pytest.raises(CommandError, match="令牌有效期应为"):
        call_command("create_token", "hr-u1", "x", "--days", "0", stdout=io.StringIO())
