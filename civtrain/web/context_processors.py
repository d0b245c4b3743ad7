"""Template context every page needs: the actor's roles and the navigation they allow."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from civtrain.accounts.api import actor_scope
from civtrain.inbox.api import unread_count
from civtrain.web.navigation import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "actor_roles": []}
    scope = actor_scope(user)
    return {
        "nav_items": menu_for(scope, request.path, {"inbox:list": unread_count(user)}),
        "actor_roles": sorted(_(r.label) for r in scope.roles),
    }
