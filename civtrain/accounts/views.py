"""The user's own account: API tokens listed without their keys and revoked with one click
(#8 item 13); the password changed, first of all after HR issued one (#11 item 1)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import password_validation, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from civtrain.accounts import services
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
