"""What pages share: a form's write run through its service, its outcome told as a message."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from civtrain.core.errors import ApplicationError


def act_then_redirect(
    request: HttpRequest, done: str, call: Callable[[], object], to: str
) -> HttpResponse:
    """Run `call`; say `done`, or the refusal's message, on the page `to` leads to."""
    try:
        call()
    except ApplicationError as exc:
        messages.error(request, _(exc.message))
    else:
        messages.success(request, done)
    return redirect(to)
