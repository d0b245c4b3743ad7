"""Site shell pages: home per role, health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from civtrain.accounts.api import actor_scope


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = actor_scope(request.user)
    return render(request, "web/home.html", {"roles": sorted(scope.roles)})


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
