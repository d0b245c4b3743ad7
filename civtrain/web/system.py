"""The system administrator's page (#17 item 2): how the platform runs — database, pending
migrations, background jobs, open sessions, versions. It shows no personal data and grants
nothing; the system administrator holds no other role."""

import datetime as dt
import platform
from typing import Any

import django
from django.contrib.auth.decorators import login_required
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from civtrain.accounts.api import Role, actor_scope
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.errors import PermissionDenied
from civtrain.core.models import BackgroundJob


def system_status(*, actor: Actor) -> dict[str, Any]:
    """What the system administrator watches; PermissionDenied for every other role."""
    if not actor_scope(actor).has(Role.SYSTEM_ADMIN):
        raise PermissionDenied("只有系统管理员可以查看系统运行状态")
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    since = clock.now() - dt.timedelta(days=1)
    jobs = dict(
        BackgroundJob.objects.filter(created_at__gte=since)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    failed = list(
        BackgroundJob.objects.filter(status=BackgroundJob.Status.FAILED)
        .order_by("-created_at")
        .values("id", "kind", "created_at", "message")[:20]
    )
    return {
        "database": connection.vendor,
        "database_version": _database_version(),
        "pending_migrations": [f"{m.app_label}.{m.name}" for m, _backwards in pending],
        "jobs": jobs,
        "failed_jobs": failed,
        "sessions": Session.objects.filter(expire_date__gt=clock.now()).count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "now": clock.now(),
    }


def _database_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version"
        )
        return str(cursor.fetchone()[0])


@login_required
@require_safe
def system(request: HttpRequest) -> HttpResponse:
    return render(request, "web/system.html", {"status": system_status(actor=request.user)})
