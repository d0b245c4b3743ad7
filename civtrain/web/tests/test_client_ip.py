"""The audit's client address (#8 item 8): X-Forwarded-For only from trusted proxies."""

from typing import Any

import pytest
from django.test import Client, RequestFactory, override_settings

from civtrain import testing
from civtrain.accounts.api import SYSTEM, Role, api_token_create
from civtrain.core.middleware import client_ip
from civtrain.core.models import AuditEvent

PROXY = "10.0.0.1"


def _ip(remote: str, forwarded: str | None = None) -> str | None:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **extra))


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    # Before the fix the first hop, written by the client, was taken as the address.
    assert _ip("192.0.2.10", "6.6.6.6") == "192.0.2.10"


@override_settings(CIVTRAIN_TRUSTED_PROXIES=["10.0.0.0/8", "2001:db8::1"])
def test_behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() -> None:
    # The client wrote "6.6.6.6"; our proxies appended 203.0.113.7 and 10.0.0.2.
    assert _ip(PROXY, "6.6.6.6, 203.0.113.7, 10.0.0.2") == "203.0.113.7"
    assert _ip("2001:db8::1", "203.0.113.8") == "203.0.113.8"
    # A peer that is no trusted proxy is the client, whatever it forwards.
    assert _ip("198.51.100.4", "203.0.113.7") == "198.51.100.4"
    # Garbage from the proxy stops the walk at the last address known good.
    assert _ip(PROXY, "not-an-ip") == PROXY
    assert _ip(PROXY, "203.0.113.7, 10.0.0.3, <script>") == PROXY
    assert _ip(PROXY, "") == PROXY
    assert _ip("not-an-ip") is None


@pytest.mark.parametrize("trusted", [[], [PROXY]])
def test_an_audited_write_with_a_forged_or_bad_header_succeeds_with_a_true_address(
    tree: Any, trusted: list[str]
) -> None:
    """The forged address never reaches the audit; a non-IP value made every audited write
    on PostgreSQL a 500 (inet column) and was stored as is on SQLite."""
    user = testing.make_user(Role.CITY_BUREAU, tree["C1"])
    key = api_token_create(actor=SYSTEM, user=user, name="集成")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    with override_settings(CIVTRAIN_TRUSTED_PROXIES=trusted):
        # From an untrusted peer the header is the client's word; from our proxy, its own.
        cases = [("6.6.6.6", "6.6.6.6" if trusted else PROXY), ("not-an-ip, also-bad", PROXY)]
        for n, (forwarded, expected) in enumerate(cases):
            response = client.post(
                "/api/v1/orgs",
                {"code": f"U9{n}", "name": "新单位", "kind": "unit", "parent_id": tree["D1"].id},
                content_type="application/json",
                HTTP_X_FORWARDED_FOR=forwarded,
                REMOTE_ADDR=PROXY,
            )
            assert response.status_code == 201, response.content
            event = AuditEvent.objects.get(action="org.create", object_label__contains=f"U9{n}")
            assert event.ip_address == expected
