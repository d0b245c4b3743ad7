"""The inbox page: a user's own messages, newest first, unread marked; opening one marks it read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from civtrain.inbox.selectors import messages_of
from civtrain.inbox.services import inbox_read_all, message_read

PAGE_SIZE = 30


@login_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(messages_of(request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "inbox/list.html",
        {"page": page, "unread_only": unread_only, "query": "unread=1" if unread_only else ""},
    )


@login_required
@require_POST
def open_message(request: HttpRequest, message_id: int) -> HttpResponse:
    """Mark read, then go where the message points (or back to the inbox)."""
    message = message_read(actor=request.user, message_id=message_id)
    return redirect(message.url or "inbox:list")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    inbox_read_all(actor=request.user)
    return redirect("inbox:list")
