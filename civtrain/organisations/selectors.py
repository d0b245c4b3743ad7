"""Reads of the organisation tree, scoped to what the actor may see."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from civtrain.core.errors import NotFound
from civtrain.organisations.models import OrgNode


def paths_filter(paths: Iterable[str], field: str = "path") -> Q:
    """Q matching rows whose `field` lies in any of the subtrees rooted at `paths`."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def org_list(
    *,
    scope_paths: Iterable[str],
    kind: str | None = None,
    under: OrgNode | None = None,
    search: str = "",
) -> QuerySet[OrgNode]:
    qs = OrgNode.objects.filter(paths_filter(scope_paths))
    if under is not None:
        qs = qs.filter(path__startswith=under.path)
    if kind:
        qs = qs.filter(kind=kind)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search))
    return qs.order_by("path")


def org_get(
    *, scope_paths: Iterable[str], node_id: int | None = None, code: str | None = None
) -> OrgNode:
    qs = OrgNode.objects.filter(paths_filter(scope_paths))
    node = qs.filter(pk=node_id).first() if node_id is not None else qs.filter(code=code).first()
    if node is None:
        raise NotFound("机构不存在或不在您的管辖范围内")
    return node


def org_ancestors(node: OrgNode) -> list[OrgNode]:
    ids = [int(seg) for seg in node.path.strip("/").split("/")]
    by_id = OrgNode.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]
