"""Puts the acting user and client address where audit_record() can find them."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from civtrain.core.audit import RequestContext, request_context


def client_ip(request: HttpRequest) -> str | None:
    # Behind the intranet reverse proxy the first X-Forwarded-For hop is the client.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


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
            return self.get_response(request)
