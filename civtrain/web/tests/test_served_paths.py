"""The WSGI application granian serves (config/wsgi.py): the xAPI resources go through the
site's middleware less what only serves browsers (#13 throughput), and keep what protects
them — the audit of refused requests, security headers, the host check; every other path
keeps the whole chain."""

import base64
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings

from civtrain.accounts.api import SYSTEM
from civtrain.core.models import AuditEvent
from civtrain.organisations.api import OrgNodeData
from civtrain.xapi import api as xapi_api
from config import wsgi


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def call(
    path: str,
    body: bytes = b"",
    *,
    method: str = "POST",
    host: str = "testserver",
    query: str = "",
    **headers: str,
) -> Answer:
    """One request as granian hands it to the application (no test client in between)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_HOST": host,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in headers.items():
        key = name.upper()
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], *_: Any) -> None:
        seen["status"] = int(status.split()[0])
        seen["headers"] = {k.lower(): v for k, v in response_headers}

    # As Django's test client does: the test's transaction keeps its connection open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        chunks = wsgi.application(environ, start_response)
        try:
            content = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return Answer(seen["status"], seen["headers"], content)


def _basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


STATEMENT = {
    "actor": {"objectType": "Agent", "mbox": "mailto:learner@example.com"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted", "display": {"zh-CN": "尝试"}},
    "object": {"objectType": "Activity", "id": "http://example.com/course/1"},
}


def test_the_resources_take_the_short_chain_and_the_pages_the_whole(tree: Any) -> None:
    assert "/xapi/statements" in wsgi.LRS_PATHS and "/xapi/about" in wsgi.LRS_PATHS
    assert "/xapi/credentials/" not in wsgi.LRS_PATHS  # a page, for signed-in people
    short = {type(m).__name__ for m in _chain(wsgi.lrs)}
    whole = {type(m).__name__ for m in _chain(wsgi.site)}
    assert "SessionMiddleware" in whole and "SessionMiddleware" not in short
    assert {"RequestContextMiddleware", "SecurityHeadersMiddleware", "SecurityMiddleware"} <= short
    # The credentials page still wants a signed-in bureau officer: sent to the login page.
    answer = call("/xapi/credentials/", method="GET")
    assert answer.status == 302 and "/login" in answer.headers["location"]


def _chain(handler: Any) -> Iterator[Any]:
    layer = handler._middleware_chain
    while layer is not None:
        # convert_exception_to_response wraps each middleware; the innermost is the view call.
        inner = getattr(layer, "__wrapped__", None)
        if inner is None or not hasattr(inner, "get_response"):
            return
        yield inner
        layer = inner.get_response


def test_a_statement_is_stored_without_a_session_or_csrf_cookie(
    tree: dict[str, OrgNodeData],
) -> None:
    issued = xapi_api.credential_create(actor=SYSTEM, name="课件厂商", org_code=tree["C1"].code)
    answer = call(
        "/xapi/statements",
        json.dumps(STATEMENT).encode(),
        authorization=_basic(issued.credential.key, issued.secret),
        x_experience_api_version="2.0.0",
        content_type="application/json",
    )
    assert answer.status == 200, answer.body
    [statement_id] = json.loads(answer.body)
    assert len(statement_id) == 36
    assert "set-cookie" not in answer.headers
    assert answer.headers["x-experience-api-version"] == "2.0.0"
    # The same security headers as every page (#8 item 14).
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"


def test_a_wrong_credential_is_refused_and_the_refusal_audited(
    tree: dict[str, OrgNodeData],
) -> None:
    answer = call(
        "/xapi/statements",
        json.dumps(STATEMENT).encode(),
        authorization=_basic("nokey", "nosecret"),
        x_experience_api_version="2.0.0",
        content_type="application/json",
    )
    assert answer.status == 401
    assert json.loads(answer.body)["error"]["code"] == "xapi_unauthorised"
    [refusal] = AuditEvent.objects.filter(action="request.refused")
    assert refusal.object_label == "POST /xapi/statements"
    assert refusal.changes == {"status": 401}
    assert refusal.ip_address == "203.0.113.7"


@override_settings(ALLOWED_HOSTS=["lrs.example.gov.cn"])
def test_a_foreign_host_header_is_refused_on_the_short_chain(tree: dict[str, OrgNodeData]) -> None:
    answer = call("/xapi/about", method="GET", host="evil.example.com")
    assert answer.status == 400
    assert call("/xapi/about", method="GET", host="lrs.example.gov.cn").status == 200


def test_a_control_character_is_still_refused_at_the_edge(tree: dict[str, OrgNodeData]) -> None:
    issued = xapi_api.credential_create(actor=SYSTEM, name="课件厂商", org_code=tree["C1"].code)
    # The 1.0.3 alternate syntax posts a form, which the guard reads field by field (#8 item 6).
    auth = _basic(issued.credential.key, issued.secret).replace(" ", "+")
    form = f"X-Experience-API-Version=1.0.3&Authorization={auth}&statementId=a%00b"
    answer = call(
        "/xapi/statements",
        form.encode(),
        query="method=GET",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status == 422
