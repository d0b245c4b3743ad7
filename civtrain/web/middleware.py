"""Page middleware: ApplicationError as a page or htmx partial; Chinese-first language."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from civtrain.core.errors import ApplicationError

ERROR_TARGET = "#app-errors"


def error_heading(status: int) -> str:
    return {
        400: _("请求有误"),
        403: _("没有访问权限"),
        404: _("页面不存在"),
        422: _("提交的内容有误"),
        500: _("服务器内部错误"),
    }.get(status, _("出错了"))


API_ERROR_CODES = {400: "bad_request", 403: "permission_denied", 404: "not_found"}


def render_error_page(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        # Whatever the API's own router could not match still answers in the API's shape.
        code = API_ERROR_CODES.get(status, "internal_error")
        body = {"error": {"code": code, "message": message, "details": {}}}
        return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    context = {"status": status, "heading": error_heading(status), "message": message}
    return render(request, "web/error.html", context, status=status)


def render_application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    """Same message for a full page and an htmx swap; the status tells the two apart."""
    if getattr(request, "htmx", False):
        error = {**exc.as_dict(), "message": _(exc.message)}
        context = {"error": error, "status": exc.status}
        response = render(request, "web/partials/error.html", context, status=exc.status)
        # The partial lands in the page's error area, whatever the request targeted.
        response["HX-Retarget"] = ERROR_TARGET
        response["HX-Reswap"] = "innerHTML"
        return response
    return render_error_page(request, exc.status, _(exc.message))


class ApplicationErrorMiddleware:
    """Pages raise NotFound/PermissionDenied/ValidationFailed; people see a Chinese page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None  # the ninja handlers answer in JSON
        if isinstance(exc, ApplicationError):
            return render_application_error(request, exc)
        return None


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user picked another language with the switch.

    The browser's Accept-Language is ignored on purpose: intranet PCs often run
    English-language browsers, and the platform speaks Chinese first.
    """

    def process_request(self, request: HttpRequest) -> None:
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()
