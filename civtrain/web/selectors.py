"""Reads of the site shell: the audit log for the audit page, scoped by the actor, and the
health check's database round trip."""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet

from civtrain.accounts.api import Role, actor_scope
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.errors import PermissionDenied
from civtrain.core.models import AuditEvent


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    object_type: str = ""
    actor: str = ""  # login name or display name, as shown in the list
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive


def _paths_q(paths: tuple[str, ...]) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(org_path__startswith=path)
    return q


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=clock.TZ)


def audit_event_list(*, actor: Actor, filters: AuditFilters | None = None) -> QuerySet[AuditEvent]:
    """Audit events for the audit page (issue 2 item 7): city bureau staff only, and only
    events whose org path lies under one of the cities they hold. Events with no org path
    (accounts, tokens) belong to no city and are not listed."""
    scope = actor_scope(actor)
    if not scope.has(Role.CITY_BUREAU):
        raise PermissionDenied("只有市公务员局可以查看审计日志")
    f = filters or AuditFilters()
    qs = AuditEvent.objects.filter(_paths_q(scope.paths_for(Role.CITY_BUREAU)))
    if f.action:
        qs = qs.filter(action=f.action)
    if f.object_type:
        qs = qs.filter(object_type=f.object_type)
    if f.actor:
        qs = qs.filter(actor_label__icontains=f.actor.strip())
    if f.date_from:
        qs = qs.filter(at__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(at__lt=_day_start(f.date_to + dt.timedelta(days=1)))
    return qs.order_by("-at", "-id")


def audit_choices(*, actor: Actor) -> dict[str, list[str]]:
    """Distinct actions and object types in the actor's audit scope, for the filter selects."""
    qs = audit_event_list(actor=actor).order_by()
    return {
        "actions": sorted(qs.values_list("action", flat=True).distinct()),
        "object_types": sorted(qs.values_list("object_type", flat=True).distinct()),
    }


def database_vendor() -> str:
    """The database's vendor, after a round trip to it (the health check)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return connection.vendor
