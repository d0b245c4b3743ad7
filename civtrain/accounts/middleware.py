"""What a signed-in session must satisfy before it reaches anything (#11 item 1, #17 item 1):
the city's session lifetimes, the second factor of administrative roles, a password of the
holder's own choosing that has not expired. The super-user's every request is audited."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from civtrain.accounts import sessions
from civtrain.accounts.models import User
from civtrain.core import clock
from civtrain.core.audit import audit_record
from civtrain.core.errors import SignInEnded

Handler = Callable[[HttpRequest], HttpResponse]

# What a user who has not passed the second factor may still reach: the second-factor page
# and its WebAuthn calls, the logout, the language switch. Static files are served before
# any of this (WhiteNoise).
_SECOND_FACTOR_OPEN = (
    "accounts:second_factor",
    "accounts:webauthn_register_begin",
    "accounts:webauthn_register_finish",
    "accounts:webauthn_login_begin",
    "accounts:webauthn_login_finish",
    "web:logout",
    "set_language",
)
# What a user who must change their password may still reach (after the second factor).
_PASSWORD_OPEN = ("accounts:password_change", "web:logout", "set_language")


def _refuse(request: HttpRequest, url: str, message: str, code: str, status: int) -> HttpResponse:
    """Pages go to `url`; the JSON API answers a structured error; htmx follows."""
    if request.path.startswith("/api/"):
        body = {"error": {"code": code, "message": message, "details": {}}}
        return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


class _OpenPaths:
    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self._paths: frozenset[str] | None = None

    def __contains__(self, path: str) -> bool:
        if self._paths is None:
            self._paths = frozenset(reverse(name) for name in self.names)
        return path in self._paths


class SessionLifetimeMiddleware:
    """Ends a session idle longer than the city allows or older than its absolute lifetime
    (#17 item 1, GB/T 22239 8.1.4.1 d), measured on the platform clock; audited."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, User):
            ended = sessions.session_check(request.session, user, clock.now())
            if ended is not None:
                audit_record(
                    actor=user,
                    action=f"auth.session_{ended}",
                    object_type="user",
                    object_id=user.pk,
                    object_label=user.username,
                )
                logout(request)
                message = SignInEnded.IDLE if ended == "idle" else SignInEnded.EXPIRED
                messages.warning(request, message)
                url = reverse("web:login") + "?" + urlencode({"next": request.get_full_path()})
                return _refuse(request, url, message, "not_authenticated", 401)
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """An account that must pass a second factor (accounts.sessions.second_factor_required)
    reaches nothing but the second-factor page until it has: pages redirect there, the JSON
    API refuses a browser session with a structured 403. Bearer tokens are untouched: a
    token is made by a user already verified, and no session stands behind it."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.open = _OpenPaths(_SECOND_FACTOR_OPEN)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            isinstance(user, User)
            and not user.is_verified()  # type: ignore[attr-defined]  # OTPMiddleware
            and sessions.second_factor_required(request.session, user)
            and request.path not in self.open
        ):
            url = reverse("accounts:second_factor")
            if request.method == "GET" and not request.path.startswith("/api/"):
                url += "?" + urlencode({"next": request.get_full_path()})
            return _refuse(request, url, "请先完成第二重身份验证", "second_factor_required", 403)
        if isinstance(user, User) and user.is_superuser:
            # The super-user is not used in operation (#17 item 2): each use is evidence.
            audit_record(
                actor=user,
                action="superuser.request",
                object_type="user",
                object_id=user.pk,
                object_label=user.username,
                changes={"method": request.method, "path": request.path[:200]},
            )
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """A user holding a password issued by HR (#11 item 1) or one past the city's expiry
    (#17 item 1) changes it before anything else: pages redirect to the password change; the
    JSON API refuses a browser session with a structured 403. Bearer tokens are untouched."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.open = _OpenPaths(_PASSWORD_OPEN)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, User) and request.path not in self.open:
            if user.must_change_password:
                return _refuse(
                    request,
                    reverse("accounts:password_change"),
                    "请先修改组织人事部门发放的初始密码",
                    "permission_denied",
                    403,
                )
            if sessions.password_expired(request.session, user, clock.now()):
                return _refuse(
                    request,
                    reverse("accounts:password_change"),
                    "密码已过期，请先设置新密码",
                    "password_expired",
                    403,
                )
        return self.get_response(request)
