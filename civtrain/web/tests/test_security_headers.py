"""Security headers (#8 item 14): a Content-Security-Policy that allows no inline script
(and templates that need none), a Permissions-Policy, and HTTPS settings in production."""

import base64
import importlib
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

import civtrain

TEMPLATES = sorted(Path(civtrain.__file__).parent.glob("*/templates/**/*.html"))


def test_every_answer_carries_the_policies(client: Client, actors: Any) -> None:
    # Before the fix no answer had either header.
    client.force_login(actors["city"])
    for url in ("/", "/login/", "/orgs/", "/api/v1/orgs", "/no-such-page/"):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "unsafe-inline" not in csp  # neither script nor style (#17 item 6)
        assert "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
        assert response["Permissions-Policy"].startswith("camera=()")


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(p.parents[3])))
def test_no_template_has_an_inline_script_or_handler(path: Path) -> None:
    """What the policy would block: <script> without src (JSON data blocks are data, not
    script) and on…= handler attributes."""
    text = path.read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.findall(r"\son[a-z]+\s*=\s*[\"']", text)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(p.parents[3])))
def test_no_template_has_an_inline_style(path: Path) -> None:
    """What style-src 'self' would block (#17 item 6): a <style> element or a style=""
    attribute. (The PDF templates under pdf_templates/ are WeasyPrint's, never served.)"""
    text = path.read_text(encoding="utf-8")
    assert not re.findall(r"<style\b", text)
    assert not re.findall(r"\sstyle\s*=\s*[\"']", text)


def test_htmx_does_not_inject_its_indicator_style(client: Client, actors: Any) -> None:
    client.force_login(actors["city"])
    page = client.get("/").content.decode()
    assert '"includeIndicatorStyles":false' in page


def test_the_behaviour_moved_to_static_files_is_found() -> None:
    from django.contrib.staticfiles import finders

    for name in ("web/site.js", "compliance/units_chart.js"):
        assert finders.find(name), name


def _production(monkeypatch: Any, **env: str) -> Any:
    for name in ("DJANGO_SECRET_KEY", "CIVTRAIN_DATA_KEY", "CIVTRAIN_HASH_KEY"):
        monkeypatch.setenv(name, "x" * 44)
    monkeypatch.setenv("CIVTRAIN_SIGNING_KEY", "x" * 44)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # base.py read its variables when first imported; production.py reads its own now.
    for name in ("config.settings.production", "config.settings.base"):
        sys.modules.pop(name, None)
    try:
        return importlib.import_module("config.settings.production")
    finally:
        for name in ("config.settings.production", "config.settings.base"):
            sys.modules.pop(name, None)


def test_production_is_https_only_by_default(monkeypatch: Any) -> None:
    prod = _production(monkeypatch)
    assert prod.SECURE_HSTS_SECONDS == 365 * 24 * 3600
    assert prod.SECURE_SSL_REDIRECT is True
    assert getattr(prod, "SECURE_PROXY_SSL_HEADER", None) is None
    assert prod.SESSION_COOKIE_SECURE is True


def test_production_proxy_header_and_redirect_come_from_the_environment(monkeypatch: Any) -> None:
    prod = _production(
        monkeypatch,
        DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_HSTS_SECONDS="3600",
    )
    assert prod.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert (prod.SECURE_SSL_REDIRECT, prod.SECURE_HSTS_SECONDS) == (False, 3600)


def test_the_api_answers_429_past_the_rate_limit_per_token(
    client: Client, actors: Any, settings: Any
) -> None:
    """#17 item 6: a client over its budget is told to wait, in the API's error shape; another
    token keeps its own budget."""
    from django.core.cache import cache

    from civtrain.accounts.api import SYSTEM, api_token_create

    cache.clear()
    settings.CIVTRAIN_API_RATE_PER_MINUTE = 3
    token = api_token_create(actor=SYSTEM, user=actors["city"], name="rate")
    other = api_token_create(actor=SYSTEM, user=actors["district"], name="rate")
    answers = [client.get("/api/v1/orgs", HTTP_AUTHORIZATION=f"Bearer {token}") for _ in range(5)]
    # A minute may turn between two requests; within one minute the fourth is refused.
    assert [a.status_code for a in answers[:3]] == [200, 200, 200] or answers[3].status_code == 200
    refused = [a for a in answers if a.status_code == 429]
    assert refused, [a.status_code for a in answers]
    body = refused[0].json()
    assert body["error"]["code"] == "rate_limited" and "每分钟最多 3 次" in body["error"]["message"]
    assert 1 <= int(refused[0]["Retry-After"]) <= 60
    assert client.get("/api/v1/orgs", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 200
    # Pages are not counted.
    client.force_login(actors["city"])
    assert client.get("/").status_code == 200


def test_signed_in_sessions_from_one_address_each_keep_their_own_budget(
    actors: Any, settings: Any
) -> None:
    """#17 item 6 with #14: browser sessions count per user, not per address — an exam room
    behind one NAT address is many candidates, each with the whole budget; one of them past
    it is refused alone. (The exams bench's 200 candidates from 127.0.0.1 were answered 429.)"""
    from django.core.cache import cache

    cache.clear()
    settings.CIVTRAIN_API_RATE_PER_MINUTE = 3
    first, second = Client(REMOTE_ADDR="10.9.8.7"), Client(REMOTE_ADDR="10.9.8.7")
    first.force_login(actors["city"])
    second.force_login(actors["district"])
    answers = [first.get("/api/v1/orgs").status_code for _ in range(7)]  # 7: a turning minute too
    assert 429 in answers, answers
    assert second.get("/api/v1/orgs").status_code == 200
    # Anonymous requests still share their address's budget.
    anonymous = [Client(REMOTE_ADDR="10.9.8.6").get("/api/v1/orgs").status_code for _ in range(7)]
    assert 429 in anonymous, anonymous


def test_429_is_in_every_operations_documented_answers(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    for url, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "429" in operation["responses"], (method, url)


def test_production_refuses_a_malformed_previous_key_at_start(monkeypatch: Any) -> None:
    """Keys still read after a rotation (ADR 0003) are checked when the process starts, not
    when a learner's old row is first read."""
    good = base64.b64encode(b"k" * 32).decode()
    prod = _production(monkeypatch, CIVTRAIN_DATA_KEY_PREVIOUS=good)
    previous = prod.CIVTRAIN_DATA_KEY_PREVIOUS
    assert previous == [good]
    for name, bad in (
        ("CIVTRAIN_DATA_KEY_PREVIOUS", f"{good},not-base64"),
        ("CIVTRAIN_DATA_KEY_PREVIOUS", base64.b64encode(b"k" * 16).decode()),
        ("CIVTRAIN_HASH_KEY_PREVIOUS", base64.b64encode(b"k" * 8).decode()),
    ):
        with pytest.raises(ImproperlyConfigured, match=name):
            _production(monkeypatch, **{name: bad})
        monkeypatch.delenv(name)
