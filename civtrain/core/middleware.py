"""Puts the acting user and client address where audit_record() can find them."""

import functools
import hashlib
import ipaddress
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse

from civtrain.core.audit import RequestContext, audit_record, request_context

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[_Network, ...]:
    # Parsed once per distinct setting value (tests override it); a typo fails loudly.
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def _valid_ip(value: str) -> str | None:
    """`value` as a normalised IP address, or None when it is not one (#8 item 8: on
    PostgreSQL a non-IP string in the audit's inet column made every audited write a 500)."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _trusted(address: str, networks: Iterable[_Network]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in net for net in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The client address for the audit and the login throttle (#8 item 8).

    `X-Forwarded-For` is believed only when the peer (REMOTE_ADDR) is one of the proxies in
    CIVTRAIN_TRUSTED_PROXIES (empty by default: the peer itself is the client). Each trusted
    proxy appends the address it received from, so the hops are read from the right: the
    first one that is not a trusted proxy is the client; everything left of it was written
    by the client and could say anything. A hop that is not an IP address stops the walk at
    the last address known good.
    """
    peer = _valid_ip(request.META.get("REMOTE_ADDR") or "")
    networks = _networks(tuple(getattr(settings, "CIVTRAIN_TRUSTED_PROXIES", ())))
    if peer is None or not networks or not _trusted(peer, networks):
        return peer
    client = peer
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _valid_ip(hop)
        if address is None:
            break
        client = address
        if not _trusted(address, networks):
            break
    return client


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        authenticated = bool(user is not None and user.is_authenticated)
        ctx = RequestContext(
            actor_id=user.pk if authenticated and user is not None else None,
            actor_label=str(user) if authenticated else "anonymous",
            ip_address=client_ip(request),
        )
        with request_context(ctx):
            response = self.get_response(request)
            if _refused(response.status_code, authenticated):
                audit_refusal(request, response.status_code)
            return response


# A refusal is evidence (#17 item 3, GB/T 22239-2019 8.1.4.3): a signed-in user answered
# 403, or 404 — which is also how an object outside their scope answers (#8 item 2). An
# anonymous 404 is left out: it is what crawlers and typos produce, and logging each would
# let anyone fill the audit table; an anonymous 401/403 (a wrong API token) is kept.
def _refused(status: int, authenticated: bool) -> bool:
    return status in (401, 403) or (status == 404 and authenticated)


def audit_refusal(request: HttpRequest, status: int) -> None:
    audit_record(
        actor=None,  # the request context names the user and the address
        action="request.refused",
        object_type="request",
        object_label=f"{request.method} {request.path}"[:200],
        changes={"status": status},
    )


def policy_headers() -> list[tuple[str, str]]:
    """Content-Security-Policy and Permissions-Policy as set (CIVTRAIN_CSP,
    CIVTRAIN_PERMISSIONS_POLICY); also put on the lean endpoints' answers (core.lean)."""
    pairs = (
        ("Content-Security-Policy", getattr(settings, "CIVTRAIN_CSP", "")),
        ("Permissions-Policy", getattr(settings, "CIVTRAIN_PERMISSIONS_POLICY", "")),
    )
    return [(header, value) for header, value in pairs if value]


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every answer (#8 item 14).

    Django 5.2 has no CSP support of its own (it arrives in 6.0) and these are two fixed
    headers, so a few lines here instead of a dependency. The values are settings
    (CIVTRAIN_CSP, CIVTRAIN_PERMISSIONS_POLICY); a view that sets its own keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for header, value in policy_headers():
            if header not in response:
                response[header] = value
        return response


class ApiRateLimitMiddleware:
    """At most CIVTRAIN_API_RATE_PER_MINUTE requests a minute to /api/ per client (#17 item 6):
    per bearer token when one is sent (a script's budget does not depend on its address),
    per user for a signed-in browser session, else per client address (client_ip: trusted
    proxies only). Over the budget the answer is 429 in the API's error shape with
    Retry-After; 0 switches it off. Counted in the cache:
    per process with the default local-memory cache, shared with a Redis/Memcached CACHES."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = int(getattr(settings, "CIVTRAIN_API_RATE_PER_MINUTE", 0) or 0)
        if limit and request.path.startswith("/api/"):
            # Wall-clock minutes, not civtrain.core.clock: a frozen demo clock must not
            # turn the budget into one per eternity.
            now = time.time()
            minute = int(now // 60)
            credential = request.headers.get("Authorization", "")
            user = getattr(request, "user", None)
            if credential:
                who = "t:" + hashlib.sha256(credential.encode()).hexdigest()[:24]
            elif user is not None and user.is_authenticated:
                # A signed-in browser session counts for its user: candidates of one exam
                # room or one office share an address (NAT), and 200 of them saving answers
                # would otherwise share one budget (#14; the exams bench met it as 429s).
                who = f"u:{user.pk}"
            else:
                who = "a:" + (client_ip(request) or "")
            key = f"api-rate:{who}:{minute}"
            cache.add(key, 0, timeout=120)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                count = 1
            if count > limit:
                retry = 60 - int(now % 60)
                response = JsonResponse(
                    {
                        "error": {
                            "code": "rate_limited",
                            "message": f"请求过于频繁：每分钟最多 {limit} 次，请 {retry} 秒后再试",
                            "details": {"retry_after": retry, "limit_per_minute": limit},
                        }
                    },
                    status=429,
                    json_dumps_params={"ensure_ascii": False},
                )
                response["Retry-After"] = str(retry)
                return response
        return self.get_response(request)
