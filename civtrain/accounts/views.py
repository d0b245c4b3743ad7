"""The user's own account: API tokens listed without their keys and revoked with one click
(#8 item 13); the password changed, first of all after HR issued one (#11 item 1)."""

import base64
import json
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import password_validation, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import login as otp_login

from civtrain.accounts import selectors, services
from civtrain.accounts import webauthn as webauthn_flow
from civtrain.accounts.data import TOKEN_STATUS_LABELS
from civtrain.core.errors import ValidationFailed


def _user_id(request: HttpRequest) -> int:
    user_id = request.user.pk
    assert user_id is not None  # noqa: S101 - login_required
    return int(user_id)


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    rows = [
        (t, TOKEN_STATUS_LABELS[t.status])
        for t in services.api_token_list(user_id=_user_id(request))
    ]
    return render(request, "accounts/tokens.html", {"tokens": rows})


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = services.api_token_revoke(
        actor=request.user, user_id=_user_id(request), token_id=token_id
    )
    messages.success(request, _("已吊销令牌 %(prefix)s…") % {"prefix": token.prefix})
    return redirect("accounts:tokens")


def _password_input(autocomplete: str) -> forms.PasswordInput:
    return forms.PasswordInput({"class": "form-control", "autocomplete": autocomplete})


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=gettext_lazy("当前密码"), strip=False, widget=_password_input("current-password")
    )
    new_password = forms.CharField(
        label=gettext_lazy("新密码"), strip=False, widget=_password_input("new-password")
    )
    new_password_again = forms.CharField(
        label=gettext_lazy("再次输入新密码"), strip=False, widget=_password_input("new-password")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password_again") != data["new_password"]:
            self.add_error("new_password_again", _("两次输入的新密码不一致"))
        return data


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Every user changes their own password here; a user holding one that HR issued is sent
    here by PasswordChangeRequiredMiddleware and may do nothing else first."""
    user = request.user
    forced = bool(getattr(user, "must_change_password", False))
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_password_change(
                user=user,  # type: ignore[arg-type]
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationFailed as exc:
            field = exc.extra.get("field")
            form.add_error(field if field in form.fields else None, _(exc.message))
        else:
            update_session_auth_hash(request, user)  # type: ignore[arg-type]
            messages.success(request, _("密码已修改，请牢记新密码。"))
            return redirect("web:home")
    context = {
        "form": form,
        "forced": forced,
        "rules": password_validation.password_validators_help_texts(),
    }
    return render(request, "accounts/password_change.html", context)


# --- the second factor (#17 item 1) ------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:home")


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("6 位动态验证码"),
        max_length=8,
        widget=forms.TextInput(
            {
                "class": "form-control form-control-lg text-center",
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
    )


def _secret_groups(device: Any) -> str:
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """After the password: the code of the user's authenticator app or their security key.
    A user who has none yet enrols one here, in the same login (audited); a reset by the
    security administrator brings them back to this enrolment."""
    user: Any = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    kinds = {row["kind"] for row in selectors.second_factor_rows(user_id=user.pk)}
    has_totp, has_key = "totp" in kinds, "webauthn" in kinds
    devices = bool(kinds)
    form = TokenForm(request.POST or None)
    pending = None if devices else services.totp_pending(user=user)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        try:
            if pending is not None:
                device = services.totp_confirm(user=user, device_id=pending.pk, token=token)
                messages.success(request, _("已绑定动态验证码，今后每次登录都需输入。"))
            else:
                device = services.totp_verify(user=user, token=token)
        except ValidationFailed as exc:
            form.add_error("token", _(exc.message))
        else:
            otp_login(request, device)
            return redirect(_next_url(request))
    context = {
        "form": form,
        "enrol": pending is not None,
        "has_totp": has_totp,
        "has_key": has_key,
        "next": _next_url(request),
    }
    if pending is not None:
        context["qr_svg"] = segno.make(pending.config_url, error="m").svg_inline(
            scale=4, title=_("扫描二维码绑定验证器")
        )
        context["secret"] = _secret_groups(pending)
    return render(request, "accounts/second_factor.html", context)


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise ValidationFailed("请求格式不正确") from None
    if not isinstance(body, dict):
        raise ValidationFailed("请求格式不正确")
    return body


def _json_error(exc: ValidationFailed) -> JsonResponse:
    body = {"error": {"code": "validation_failed", "message": exc.message, "details": {}}}
    return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})


def _may_register_key(user: Any) -> bool:
    """A verified session adds keys; an unverified one only while it has no factor at all
    (the enrolment of the first login)."""
    return bool(user.is_verified()) or not selectors.second_factor_rows(user_id=user.pk)


@login_required
@require_POST
def webauthn_register_begin(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not _may_register_key(user):
        return _json_error(ValidationFailed("请先完成第二重身份验证"))
    return HttpResponse(
        webauthn_flow.registration_options(request, user), content_type="application/json"
    )


@login_required
@require_POST
def webauthn_register_finish(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    try:
        if not _may_register_key(user):
            raise ValidationFailed("请先完成第二重身份验证")
        body = _json_body(request)
        key = webauthn_flow.registration_finish(
            request, user, body.get("credential"), str(body.get("name") or "")
        )
    except ValidationFailed as exc:
        return _json_error(exc)
    if not user.is_verified():
        otp_login(request, key)
    return JsonResponse({"ok": True, "next": _next_url(request)})


@login_required
@require_POST
def webauthn_login_begin(request: HttpRequest) -> HttpResponse:
    try:
        options = webauthn_flow.authentication_options(request, request.user)  # type: ignore[arg-type]
    except ValidationFailed as exc:
        return _json_error(exc)
    return HttpResponse(options, content_type="application/json")


@login_required
@require_POST
def webauthn_login_finish(request: HttpRequest) -> HttpResponse:
    try:
        body = _json_body(request)
        key = webauthn_flow.authentication_finish(
            request,
            request.user,  # type: ignore[arg-type]
            body.get("credential"),
        )
    except ValidationFailed as exc:
        return _json_error(exc)
    otp_login(request, key)
    return JsonResponse({"ok": True, "next": _next_url(request)})


@login_required
@require_safe
def security(request: HttpRequest) -> HttpResponse:
    """The user's own sign-in security: their second factors, adding a security key."""
    labels = {"webauthn": _("安全密钥"), "totp": _("动态验证码（TOTP）")}
    rows = [
        {**row, "kind": labels[row["kind"]]}
        for row in selectors.second_factor_rows(user_id=_user_id(request))
    ]
    return render(request, "accounts/security.html", {"devices": rows})
