"""A user holding a password issued by HR changes it before anything else (#11 item 1)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from civtrain.accounts.models import User

# What a user who must change their password may still reach: the change page itself, the
# logout, the language switch. Static files are served before any of this (WhiteNoise).
_OPEN_URL_NAMES = ("accounts:password_change", "web:logout", "set_language")


class PasswordChangeRequiredMiddleware:
    """Pages redirect to the password change; the JSON API refuses a browser session with a
    structured 403. Bearer tokens are untouched: a token is issued to an integration by a
    user who has already chosen their own password, and no session exists behind it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open_paths: frozenset[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.must_change_password and not self._is_open(request):
            return self._refuse(request)
        return self.get_response(request)

    def _is_open(self, request: HttpRequest) -> bool:
        if self._open_paths is None:
            self._open_paths = frozenset(reverse(name) for name in _OPEN_URL_NAMES)
        return request.path in self._open_paths

    def _refuse(self, request: HttpRequest) -> HttpResponse:
        message = "请先修改组织人事部门发放的初始密码"
        if request.path.startswith("/api/"):
            body = {"error": {"code": "permission_denied", "message": message, "details": {}}}
            return JsonResponse(body, status=403, json_dumps_params={"ensure_ascii": False})
        url = reverse("accounts:password_change")
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
