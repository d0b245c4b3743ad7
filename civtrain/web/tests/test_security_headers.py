"""Security headers (#8 item 14): a Content-Security-Policy that allows no inline script
(and templates that need none), a Permissions-Policy, and HTTPS settings in production."""

import importlib
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import civtrain

TEMPLATES = sorted(Path(civtrain.__file__).parent.glob("*/templates/**/*.html"))


def test_every_answer_carries_the_policies(client: Client, actors: Any) -> None:
    # Before the fix no answer had either header.
    client.force_login(actors["city"])
    for url in ("/", "/login/", "/orgs/", "/api/v1/orgs", "/no-such-page/"):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
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
