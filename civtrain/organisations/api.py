"""Public interface of the organisation tree for other apps."""

from collections.abc import Iterable

from django.db.models import Q

from civtrain.organisations import selectors, services
from civtrain.organisations.data import OrgKind, OrgNodeData
from civtrain.organisations.models import OrgNode

__all__ = [
    "OrgKind",
    "OrgNodeData",
    "org_by_codes",
    "org_create",
    "org_data",
    "org_data_many",
    "org_move",
    "subtree_q",
]


def to_data(node: OrgNode) -> OrgNodeData:
    return OrgNodeData(
        id=node.pk,
        code=node.code,
        name=node.name,
        kind=OrgKind(node.kind),
        path=node.path,
        depth=node.depth,
        parent_id=node.parent_id,
        active=node.active,
    )


def subtree_q(paths: Iterable[str], field: str = "path") -> Q:
    """Q for rows whose org path `field` lies under any of `paths` (use e.g. "unit__path")."""
    return selectors.paths_filter(paths, field)


def org_data(node_id: int) -> OrgNodeData:
    return to_data(OrgNode.objects.get(pk=node_id))


def org_data_many(node_ids: Iterable[int]) -> dict[int, OrgNodeData]:
    return {pk: to_data(n) for pk, n in OrgNode.objects.in_bulk(list(node_ids)).items()}


def org_by_codes(codes: Iterable[str] | None = None) -> dict[str, OrgNodeData]:
    """Nodes by code (all of them when `codes` is None); for imports."""
    qs = OrgNode.objects.all() if codes is None else OrgNode.objects.filter(code__in=set(codes))
    return {n.code: to_data(n) for n in qs}


def org_ancestors(node_id: int) -> list[OrgNodeData]:
    return [to_data(n) for n in selectors.org_ancestors(OrgNode.objects.get(pk=node_id))]


def org_create(
    *,
    actor: object,
    code: str,
    name: str,
    kind: OrgKind,
    parent_code: str | None = None,
    active: bool = True,
) -> OrgNodeData:
    parent = OrgNode.objects.get(code=parent_code) if parent_code else None
    return to_data(
        services.org_create(
            actor=actor, code=code, name=name, kind=kind, parent=parent, active=active
        )
    )


def org_move(*, actor: object, code: str, new_parent_code: str) -> OrgNodeData:
    node = OrgNode.objects.get(code=code)
    parent = OrgNode.objects.get(code=new_parent_code)
    return to_data(services.org_move(actor=actor, node=node, new_parent=parent))
