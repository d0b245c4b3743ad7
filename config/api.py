"""The JSON API at /api/v1/: session or bearer-token auth, structured errors everywhere."""

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from civtrain.accounts.api import api_token_authenticate
from civtrain.core.errors import ApplicationError

logger = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer ct_…` for integrations; the token's user is the actor."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="civtrain API",
    version="1",
    description='公务员培训管理平台 API. Errors: {"error": {"code", "message", "details"}}.',
    auth=[SessionAuth(), TokenAuth()],
    urls_namespace="api",
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    return api.create_response(
        request,
        {"error": {"code": code, "message": message, "details": details or {}}},
        status=status,
    )


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return _error(request, exc.status, exc.code, exc.message, exc.extra)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = [
        {"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "message": e.get("msg", "")}
        for e in exc.errors
    ]
    summary = "；".join(f"{f['field'] or '请求'}: {f['message']}" for f in fields[:5])
    return _error(
        request, 422, "validation_error", f"请求数据不正确：{summary}", {"fields": fields}
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "authentication_required", "请先登录或提供有效的 API 令牌")


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "对象不存在或无权访问")


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(Exception)
def unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled API error on %s", request.path)
    return _error(request, 500, "internal_error", "服务器内部错误，已记录，请稍后重试")


def _register_routers() -> None:
    # Each app's rest_api module exposes `router`; listed explicitly, in URL order.
    from civtrain.organisations.rest_api import router as orgs
    from civtrain.people.rest_api import router as people

    api.add_router("/orgs", orgs)
    api.add_router("/people", people)


_register_routers()
