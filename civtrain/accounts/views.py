"""The user's own API tokens: listed without their keys, revoked with one click (#8 item 13)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civtrain.accounts import services
from civtrain.accounts.data import TOKEN_STATUS_LABELS


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
