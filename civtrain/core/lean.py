"""Lean endpoints (ADR 0029): the two hottest JSON writes answered without Django's request
stack, for requests that carry a capability of their own.

A learner's player beats every 15 seconds and a city's candidates save an answer per click:
#12 and #14 ask 2,000 beats and 1,500 saves a second of two cores, the load generator
included — about a CPU millisecond a request for everything. Django's request stack (the
session and user reads, the second factor, the middleware, the URL resolver, ninja) costs
several times that before a view starts (docs/benchmarks.md). These requests need none of
it: each carries a capability — the play session's token, the attempt's token — that a
signed-in page was given and that names exactly one learner's one session or one attempt.

`LeanApp` sits in front of the site (config/wsgi.py). A request it recognises (method and
path of a `Route`, the capability present) and that is plain — a host the site accepts, a
scheme the site would not redirect, a JSON body of at most MAX_BODY bytes without NUL that
the route's schema validates — is answered by the route's handler. Anything else goes to
the site, unchanged, which answers it as before: a wrong host, an unreadable body or a
missing field get the site's own answer (the same structured errors), never a second kind.

The answer is the API's: the handler's data (or an ApplicationError, in the API's error
shape), JSON as ninja writes it, with the security headers every answer of the site has.
The database connection is kept or closed as Django's handler does (its request signals),
and the request context names the client address for any audit record a handler writes.
"""

import functools
import io
import json
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import DEFAULT_DB_ALIAS, connections
from django.http.request import split_domain_port, validate_host
from ninja.responses import NinjaJSONEncoder
from pydantic import BaseModel, ValidationError

from civtrain.core.audit import RequestContext, request_context
from civtrain.core.errors import ApplicationError
from civtrain.core.middleware import client_ip, policy_headers

logger = logging.getLogger(__name__)

MAX_BODY = 4096  # a beat or an answer is a few hundred bytes; more goes the full way

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class LeanRequest:
    """What a handler may read: the path's named numbers, the validated body, the
    capability header (when the route names one) and the client address."""

    params: dict[str, int]
    payload: Any
    capability: str
    client_ip: str | None


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # a regular expression with named groups of digits, anchored at both ends
    schema: type[BaseModel]
    # The answer's data, exactly the fields of the endpoint's response schema (the test of
    # each route compares its answers with the site's); None for an answer without a body.
    handle: Callable[[LeanRequest], dict[str, Any] | None]
    # The header that carries the capability (a WSGI key such as HTTP_X_ATTEMPT_TOKEN), or ""
    # when the body carries it: a request without the header is the site's to answer.
    capability_header: str = ""
    status: int = 200

    def under(self, prefix: str) -> "Route":
        """The route with its path under the router's mount point."""
        return replace(self, path=re.escape(prefix) + self.path)

    def match(self, method: str, path: str) -> dict[str, int] | None:
        if method != self.method:
            return None
        found = re.fullmatch(self.path, path)
        return None if found is None else {k: int(v) for k, v in found.groupdict().items()}


class _Meta:
    """request.META for client_ip(): the WSGI environ is the same mapping."""

    def __init__(self, environ: dict[str, Any]) -> None:
        self.META = environ


def run(sql: str, params: Sequence[Any], *, rows: bool = False) -> tuple[list[Any], int]:
    """One statement of a lean endpoint on Django's connection (its transaction, if any):
    (its rows when `rows`, else [], and its rowcount). On PostgreSQL a prepared statement —
    parsed and planned once per connection: planning the heartbeat's six-table read cost
    more than running it."""
    db = connections[DEFAULT_DB_ALIAS]  # looked up once (django.db.connection: every read)
    db.ensure_connection()
    if db.vendor == "postgresql":
        import psycopg

        with psycopg.Cursor(db.connection) as cursor:  # server-side binding
            cursor.execute(sql, params, prepare=True)  # type: ignore[arg-type]
            if db.queries_logged:  # what a test or DEBUG counts, as Django's cursor
                db.queries_log.append({"sql": sql, "time": "0.000"})
            return (cursor.fetchall() if rows else []), cursor.rowcount
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return (cursor.fetchall() if rows else []), cursor.rowcount


def security_headers(secure: bool) -> list[tuple[str, str]]:
    """The headers Django's SecurityMiddleware, XFrameOptionsMiddleware and our
    SecurityHeadersMiddleware put on a JSON answer, from the same settings."""
    headers = [("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY"))]
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        headers.append(("Referrer-Policy", str(settings.SECURE_REFERRER_POLICY)))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    if secure and settings.SECURE_HSTS_SECONDS:
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            hsts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            hsts += "; preload"
        headers.append(("Strict-Transport-Security", hsts))
    headers.extend(policy_headers())
    return headers


def _secure(environ: dict[str, Any]) -> bool:
    """request.is_secure(), as Django reads it (the proxy's header when one is trusted)."""
    proxy = settings.SECURE_PROXY_SSL_HEADER
    if proxy:
        header, value = proxy
        forwarded = environ.get(header)
        if forwarded is not None:
            return bool(forwarded.split(",", 1)[0].strip() == value)
    return bool(environ.get("wsgi.url_scheme") == "https")


def _host_allowed(environ: dict[str, Any]) -> bool:
    """request.get_host() would not raise DisallowedHost (no X-Forwarded-Host: the site does
    not use it)."""
    if settings.USE_X_FORWARDED_HOST:
        return False  # let the site read it
    host = environ.get("HTTP_HOST") or ""
    if not host:
        return False
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return _host_valid(host, tuple(allowed))


@functools.lru_cache(maxsize=64)  # the few names a deployment is reached by
def _host_valid(host: str, allowed: tuple[str, ...]) -> bool:
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, allowed)


def _answer(
    start_response: Callable[..., Any], status: int, body: bytes, secure: bool
) -> list[bytes]:
    headers = [("Content-Length", str(len(body))), *security_headers(secure)]
    if body:
        headers.insert(0, ("Content-Type", "application/json; charset=utf-8"))
    start_response(f"{status} {HTTPStatus(status).phrase}", headers)
    return [body]


def _json(data: Any) -> bytes:
    return json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False).encode()


def error_body(exc: ApplicationError) -> dict[str, Any]:
    """An ApplicationError in the API's error shape (the site's handler, config/api.py, and
    the lean endpoints)."""
    details = dict(exc.extra)
    if "field" in details and "fields" not in details:
        # Services name one field; clients read details.fields for every validation error.
        details["fields"] = [
            {"field": str(details["field"]), "message": exc.message, "type": exc.code}
        ]
    return {"error": {"code": exc.code, "message": exc.message, "details": details}}


class LeanApp:
    """WSGI: the routes' plain requests answered here, every other request by `site`."""

    def __init__(self, site: WSGIApp, routes: Iterable[Route]) -> None:
        self.site = site
        self.routes = tuple(routes)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        for route in self.routes:
            params = route.match(method, path)
            if params is not None:
                return self._serve(route, params, environ, start_response)
        return self.site(environ, start_response)

    def _serve(
        self,
        route: Route,
        params: dict[str, int],
        environ: dict[str, Any],
        start_response: Callable[..., Any],
    ) -> Any:
        capability = environ.get(route.capability_header, "") if route.capability_header else ""
        secure = _secure(environ)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if (
            (route.capability_header and not capability)
            or not 0 < length <= MAX_BODY
            or not environ.get("CONTENT_TYPE", "").startswith("application/json")
            or (settings.SECURE_SSL_REDIRECT and not secure)
            or not _host_allowed(environ)
        ):
            return self.site(environ, start_response)
        body = environ["wsgi.input"].read(length)
        payload = None
        if b"\x00" not in body and b"\\u0000" not in body:
            try:
                payload = route.schema.model_validate_json(body)
            except ValidationError:
                payload = None
        if payload is None:  # the site says what is wrong, in its words
            environ["wsgi.input"] = io.BytesIO(body)
            return self.site(environ, start_response)
        request_started.send(sender=LeanApp, environ=environ)  # as Django's handler does
        try:
            ip = client_ip(_Meta(environ))  # type: ignore[arg-type]
            request = LeanRequest(params, payload, capability, ip)
            context = RequestContext(actor_id=None, actor_label="anonymous", ip_address=ip)
            with request_context(context):
                data = route.handle(request)
            status = route.status
            body = b"" if data is None else _json(data)
        except ApplicationError as exc:
            status, body = exc.status, _json(error_body(exc))
        except Exception:
            logger.exception("lean endpoint %s %s failed", route.method, route.path)
            status = 500
            message = "服务器内部错误，请稍后重试"
            body = _json({"error": {"code": "server_error", "message": message, "details": {}}})
        finally:
            request_finished.send(sender=LeanApp)
        return _answer(start_response, status, body, secure)
