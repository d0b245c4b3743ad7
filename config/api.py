"""The JSON API at /api/v1/: session or bearer-token auth, structured errors everywhere."""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import ConfigDict

from civtrain.accounts.api import api_token_authenticate
from civtrain.core.errors import ApplicationError
from civtrain.core.lean import error_body

logger = logging.getLogger(__name__)


class CsrfFailed(ApplicationError):
    status = 403

    def __init__(self) -> None:
        super().__init__("csrf_failed", "CSRF 校验失败：请刷新页面后重试，或改用 API 令牌")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer ct_…` for integrations; the token's user is the actor."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class BrowserSessionAuth(APIKeyCookie):
    """The logged-in browser session; unsafe methods must carry the CSRF token.

    Unlike ninja's SessionAuth, the CSRF check runs only when a session user exists, so a
    request without a session falls through to the 401 answer instead of a CSRF failure.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise CsrfFailed()
        return request.COOKIES.get(self.param_name, "")

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user if key is not None and request.user.is_authenticated else None


def _has_nul(request: HttpRequest) -> bool:
    # PostgreSQL text cannot hold NUL; caught here, it is the client's error, not a 500.
    if any("\x00" in v for values in request.GET.lists() for v in values[1]):
        return True
    if request.content_type == "multipart/form-data":
        # An uploaded file's bytes hold NULs (a PDF, a .docx, an image): only the text fields
        # are text. Reading request.body here would also refuse every binary upload.
        return any("\x00" in v for values in request.POST.lists() for v in values[1])
    return b"\x00" in request.body or b"\\u0000" in request.body


def _json_guard(view: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
    """Refuses NUL characters up front, and says ninja's plain-text 405 in our error shape."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if _has_nul(request):
            return _error(
                request, 422, "validation_error", "请求数据不正确：含有不允许的空字符（NUL）"
            )
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = _error(
                request,
                405,
                "method_not_allowed",
                f"不支持 {request.method} 方法，可用：{allowed}",
                {"allowed": [m.strip() for m in allowed.split(",")]},
            )
            response["Allow"] = allowed
        return response

    return wrapper


@csrf_exempt  # it changes nothing, and must answer JSON to any method
def _unknown_path(request: HttpRequest, rest: str) -> HttpResponse:
    return _error(request, 404, "not_found", "没有这个 API 地址，请查看 /api/v1/docs")


class FieldErrorOut(Schema):
    field: str
    message: str
    type: str


class ErrorDetailsOut(Schema):
    model_config = ConfigDict(extra="allow")  # e.g. `allowed` methods of a 405

    fields: list[FieldErrorOut] = []


class ErrorBodyOut(Schema):
    code: str
    message: str
    details: ErrorDetailsOut


class ErrorOut(Schema):
    """Every error answer of the API: `{"error": {"code", "message", "details"}}`;
    `details.fields` (a list of FieldErrorOut) names the offending fields."""

    error: ErrorBodyOut


# The error statuses the handlers below answer, and which operations can meet each (#8 item
# 11: the schema documented 2xx only). Added to every operation in one place, so an endpoint
# added later is documented too; a domain error's status must be one of these (tested).
ERROR_RESPONSES: dict[int, str] = {
    400: "请求体无法解析，或操作被拒绝（bad_request 等）",
    401: "未登录或 API 令牌无效（authentication_required）",
    403: "没有执行此操作的权限，或 CSRF 校验失败（permission_denied、csrf_failed）",
    404: "对象不存在或不在您的管辖范围内（not_found）：两者的回答完全相同",
    409: "与现有数据冲突，例如停用仍有人员或角色的机构（conflict 等）",
    422: "请求数据不正确（validation_error；details.fields 列出字段）",
    429: "请求过于频繁（rate_limited）：每分钟的次数已用完，Retry-After 说明几秒后再试",
}


def _error_statuses(operation: dict[str, Any], method: str, url: str) -> list[int]:
    statuses = [422, 429]  # validation and the NUL guard; the rate limit (core.middleware)
    # A capability in the body (x-capability: the play token, ADR 0029) is a credential too.
    if operation.get("security") or operation.get("x-capability"):
        statuses += [401, 403, 404]  # every scoped read can answer "missing or out of scope"
    elif "{" in url:
        statuses.append(404)
    if method != "get":
        statuses += [400, 409]  # a body that cannot be read; a write that meets other data
    return sorted(statuses)


def document_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Adds the shared error schema and the error statuses to every operation."""
    definition = ErrorOut.model_json_schema(ref_template=REF_TEMPLATE)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(definition.pop("$defs", {}))
    components["ErrorOut"] = definition
    ref = {"$ref": REF_TEMPLATE.format(model="ErrorOut")}
    for url, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in _error_statuses(operation, method, url):
                responses.setdefault(
                    status,
                    {
                        "description": ERROR_RESPONSES[status],
                        "content": {"application/json": {"schema": ref}},
                    },
                )
    return schema


def document_files_not_empty(schema: dict[str, Any]) -> dict[str, Any]:
    """A file field of a multipart body takes at least one byte: Django's parser drops an
    empty file part, and the endpoint answers that the file is missing (422)."""

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "string" and node.get("format") == "binary":
                node.setdefault("minLength", 1)
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(schema)
    return schema


class CivtrainAPI(NinjaAPI):
    """NinjaAPI whose every answer under /api/v1/, even for a wrong path or method, is JSON."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_error_responses(schema)
        document_files_not_empty(schema)
        return schema

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        patterns = super()._get_urls()
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_guard(pattern.callback)
        # Last, so it only catches what no endpoint matched (e.g. /orgs/abc, /orgs/-1).
        patterns.append(path("<path:rest>", _unknown_path))
        return patterns


api = CivtrainAPI(
    title="civtrain API",
    version="1",
    description=(
        "公务员培训管理平台 API。认证：浏览器会话（写操作需 CSRF 令牌）或 "
        "`Authorization: Bearer ct_…`（`civtrain create-token 用户名 名称` 生成）。"
        '错误统一为 {"error": {"code", "message", "details"}}。'
    ),
    # A bearer token is tried first: it is explicit, and needs no CSRF token.
    auth=[TokenAuth(), BrowserSessionAuth()],
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
    return api.create_response(request, error_body(exc), status=exc.status)


# pydantic's error types, said in Chinese; `{…}` placeholders come from the error's ctx.
_PYDANTIC_MESSAGES = {
    "missing": "必填",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "enum": "取值应为 {expected} 之一",
    "literal_error": "取值应为 {expected} 之一",
    "date_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_from_datetime_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期，格式 YYYY-MM-DD",
    "date_type": "应为日期，格式 YYYY-MM-DD",
    "datetime_parsing": "应为日期时间（ISO 8601）",
    "datetime_type": "应为日期时间（ISO 8601）",
    "greater_than_equal": "应不小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "应不大于 {le}",
    "less_than": "应小于 {lt}",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "extra_forbidden": "不允许的字段",
    "json_invalid": "不是有效的 JSON",
}


def _field_message(err: dict[str, Any]) -> str:
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])  # our own validators raise Chinese messages
    template = _PYDANTIC_MESSAGES.get(kind)
    if template is None:
        return "格式不正确"
    try:
        return template.format(**{k: str(v) for k, v in ctx.items()})
    except (KeyError, IndexError):
        return template.split("{")[0].strip() or "格式不正确"


def _field_name(loc: tuple[Any, ...]) -> str:
    # loc is ("body", "payload", "name") or ("query", "limit"); callers want "name" / "limit".
    parts = [str(p) for p in loc[1:]]
    if loc and loc[0] == "body" and parts and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = [
        {
            "field": _field_name(tuple(e.get("loc", ()))),
            "message": _field_message(e),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors
    ]
    summary = "；".join(f"{f['field'] or '请求'}：{f['message']}" for f in fields[:5])
    return _error(
        request, 422, "validation_error", f"请求数据不正确：{summary}", {"fields": fields}
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "authentication_required", "请先登录或提供有效的 API 令牌")


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "对象不存在或无权访问")


_HTTP_MESSAGES = {
    400: ("bad_request", "请求体无法解析：请发送 UTF-8 编码的 JSON 对象"),
    403: ("permission_denied", "没有执行此操作的权限"),
    405: ("method_not_allowed", "不支持此请求方法"),
}


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code, message = _HTTP_MESSAGES.get(exc.status_code, ("http_error", "请求无法处理"))
    return _error(request, exc.status_code, code, message)


@api.exception_handler(Exception)
def unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled API error on %s", request.path)
    return _error(request, 500, "internal_error", "服务器内部错误，已记录，请稍后重试")


def _register_routers() -> None:
    # Each app's rest_api module exposes `router`; listed explicitly, in URL order.
    from civtrain.accounts.rest_api import router as accounts
    from civtrain.catalogue.rest_api import router as catalogue
    from civtrain.classes.rest_api import router as classes
    from civtrain.compliance.api import hours_per_day_for
    from civtrain.compliance.rest_api import router as compliance
    from civtrain.credits.rest_api import reading_router
    from civtrain.credits.rest_api import router as credits
    from civtrain.documents.rest_api import router as documents
    from civtrain.enrolment.rest_api import router as enrolment
    from civtrain.evaluation.rest_api import router as evaluation
    from civtrain.exams.rest_api import router as exams
    from civtrain.faculty.rest_api import router as faculty
    from civtrain.institutions.rest_api import router as institutions
    from civtrain.learning.rest_api import router as learning
    from civtrain.materials.rest_api import router as materials
    from civtrain.organisations.rest_api import router as orgs
    from civtrain.people.rest_api import router as people
    from civtrain.plans.rest_api import router as plans
    from civtrain.surveys.rest_api import router as surveys

    api.add_router("/me", accounts)
    api.add_router("/orgs", orgs)
    api.add_router("/people", people)
    api.add_router("/credits", reading_router(hours_per_day_for))  # passed in: #10 item 6
    api.add_router("/credits", credits)
    api.add_router("/catalogue", catalogue)
    api.add_router("/institutions", institutions)
    api.add_router("/teachers", faculty)
    api.add_router("/classes", classes)
    api.add_router("/enrolment", enrolment)
    api.add_router("/compliance", compliance)
    api.add_router("/exams", exams)
    api.add_router("/documents", documents)
    api.add_router("/evaluation", evaluation)
    api.add_router("/learning", learning)
    api.add_router("/materials", materials)
    api.add_router("/surveys", surveys)
    api.add_router("/plans", plans)


_register_routers()
