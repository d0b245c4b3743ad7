"""Recording audit events from services (the request middleware supplies actor and address),
and reading one object's trail back for the app that owns the object to scope."""

import contextvars
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.bulk import CopyWriter, insert_rows
from civtrain.core.models import AuditEvent


@dataclass(frozen=True)
class RequestContext:
    actor_id: int | None
    actor_label: str
    ip_address: str | None


_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "civtrain_request_context", default=None
)


@contextmanager
def request_context(ctx: RequestContext) -> Iterator[None]:
    token = _context.set(ctx)
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> RequestContext | None:
    return _context.get()


def _actor_fields(actor: Actor | None) -> dict[str, Any]:
    ctx = _context.get()
    if actor is not None and getattr(actor, "pk", None) is not None:
        fields = {"actor_id": actor.pk, "actor_label": str(actor)}
    elif ctx is not None:
        fields = {"actor_id": ctx.actor_id, "actor_label": ctx.actor_label}
    else:
        fields = {"actor_id": None, "actor_label": "system"}
    fields["ip_address"] = ctx.ip_address if ctx else None
    return fields


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as {field: [before, after]}."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def audit_record(
    *,
    actor: Actor | None,  # None: no actor, e.g. the anonymous client of a failed login
    action: str,
    object_type: str,
    object_id: object = "",
    object_label: str = "",
    org_path: str = "",
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        at=clock.now(),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_label=object_label[:200],
        org_path=org_path,
        changes=dict(changes or {}),
        **_actor_fields(actor),
    )


def audit_record_many(
    *,
    actor: Actor | None,
    action: str,
    object_type: str,
    items: Iterable[tuple[object, str, str, Mapping[str, Any]]],
    writer: CopyWriter | None = None,
) -> int:
    """Bulk form for imports: items are (object_id, label, org_path, changes). With a
    `writer` (core.bulk.copy_in_background) the rows are COPYed on its thread."""
    at = clock.now()
    fields = _actor_fields(actor)
    names = ["at", "action", "object_type", *fields, "object_id", "object_label", "org_path"]
    head = [at, action, object_type, *fields.values()]
    # Plain value rows straight into COPY/executemany: imports write 10⁵ audit rows here.
    return insert_rows(
        AuditEvent,
        [*names, "changes"],
        (
            [*head, str(oid), label[:200], path, dict(changes)]
            for oid, label, path, changes in items
        ),
        writer=writer,
    )


def audit_events_of(*, object_type: str, object_id: object, limit: int = 50) -> list[AuditEvent]:
    """An object's audit trail, newest first. Unscoped: the app owning the object decides
    who may see it (e.g. people.selectors.person_audit_trail)."""
    return list(
        AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id)).order_by(
            "-at", "-id"
        )[:limit]
    )


def org_paths_covering(paths: Iterable[str]) -> list[str]:
    """Where to file one event about objects under `paths` (#8 item 9): for each top-level
    subtree touched (a city), the deepest node above all of its paths, so the bureaus above
    the objects see the event and those beside them do not. No paths: no place ([])."""
    groups: dict[str, list[list[str]]] = {}
    for path in paths:
        segments = [s for s in path.split("/") if s]
        if segments:
            groups.setdefault(segments[0], []).append(segments)
    covering = []
    for members in groups.values():
        common = members[0]
        for segments in members[1:]:
            n = 0
            while n < min(len(common), len(segments)) and common[n] == segments[n]:
                n += 1
            common = common[:n]
        covering.append("".join(f"{s}/" for s in common))
    return sorted(covering)


def audit_record_under(
    *,
    actor: Actor | None,
    action: str,
    object_type: str,
    org_paths: Iterable[str],
    object_id: object = "",
    object_label: str = "",
    changes: Mapping[str, Any] | None = None,
) -> int:
    """One event about objects under several org paths (an import, an account with roles in
    two cities): one row under each covering path of `org_paths`, so every bureau concerned
    sees it; a single row with no path (the operators' view only) when there is none."""
    where = org_paths_covering(org_paths) or [""]
    for path in where:
        audit_record(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_label=object_label,
            org_path=path,
            changes=changes,
        )
    return len(where)


def audit_org_paths_move(*, old_prefix: str, new_prefix: str) -> int:
    """Re-scope the audit rows of a moved org subtree: every `org_path` under `old_prefix`
    now starts with `new_prefix`. Returns the number of rows re-scoped.

    Called by the org-tree move inside its transaction, so the audit page (scoped by subtree)
    keeps showing a unit's history to whoever holds the unit now. Only the scoping column
    changes — never what the row says happened (see `AuditEvent`) — and the caller records
    the move itself, with this count, as an audit event.
    """
    if not old_prefix or old_prefix == new_prefix:
        return 0
    # A plain QuerySet, not AuditEvent.objects: the append-only manager refuses every UPDATE,
    # and this is the one maintained column. One statement, as the org tree itself moves.
    return (
        models.QuerySet(AuditEvent)
        .filter(org_path__startswith=old_prefix)
        .update(
            org_path=Concat(
                Value(new_prefix),
                Substr("org_path", len(old_prefix) + 1),
                output_field=models.CharField(),
            )
        )
    )
