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
    # #17 item 2: the audit administrator's search also by address, object and result.
    ip_address: str = ""
    object: str = ""  # the object's id exactly, or part of its label
    result: str = ""  # "ok" or "failed"


# Events that record something refused or failed (#17 item 3): the "result" of the search.
FAILED_ACTIONS = ("request.refused", "auth.lockout")


def _failed_q() -> Q:
    return Q(action__endswith="_failed") | Q(action__in=FAILED_ACTIONS)


def event_failed(action: str) -> bool:
    return action.endswith("_failed") or action in FAILED_ACTIONS


def _paths_q(paths: tuple[str, ...]) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(org_path__startswith=path)
    return q


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=clock.TZ)


def audit_event_list(*, actor: Actor, filters: AuditFilters | None = None) -> QuerySet[AuditEvent]:
    """Audit events for the audit page (issue 2 item 7, #17 item 2): the audit administrator
    and city bureau staff, events whose org path lies under one of the cities they hold. For
    the city bureau, events with no org path belong to no city and are not listed."""
    scope = actor_scope(actor)
    if scope.has(Role.AUDIT_ADMIN):
        # The audit administrator (#17 item 2) reads its city's events and the platform's
        # own (filed under no city: unknown login names, the super-user, commands).
        qs = AuditEvent.objects.filter(
            _paths_q(scope.paths_for(Role.AUDIT_ADMIN, Role.CITY_BUREAU)) | Q(org_path="")
        )
    elif scope.has(Role.CITY_BUREAU):
        qs = AuditEvent.objects.filter(_paths_q(scope.paths_for(Role.CITY_BUREAU)))
    else:
        raise PermissionDenied("只有审计管理员和市公务员局可以查看审计日志")
    f = filters or AuditFilters()
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
    if f.ip_address:
        qs = qs.filter(ip_address=f.ip_address.strip())
    if f.object:
        term = f.object.strip()
        qs = qs.filter(Q(object_id=term) | Q(object_label__icontains=term))
    if f.result == "failed":
        qs = qs.filter(_failed_q())
    elif f.result == "ok":
        qs = qs.exclude(_failed_q())
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
