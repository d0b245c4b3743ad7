"""Public interface of the organisation tree for other apps."""

from collections.abc import Iterable

from django.db.models import Q

from civtrain.accounts.api import Role, actor_scope
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.organisations import pickers, selectors, services
from civtrain.organisations.data import OrgChoice, OrgKind, OrgNodeData
from civtrain.organisations.models import OrgNode
from civtrain.organisations.pickers import OrgPickerField, OrgPickForm, UnitPickForm, org_search

__all__ = [
    "OrgChoice",
    "OrgKind",
    "OrgNodeData",
    "OrgPickForm",
    "OrgPickerField",
    "UnitPickForm",
    "org_by_codes",
    "org_create",
    "org_data",
    "org_data_many",
    "org_in_scope",
    "org_label",
    "org_labels",
    "org_move",
    "org_search",
    "subtree_q",
]


to_data = selectors.node_data


def subtree_q(paths: Iterable[str], field: str = "path") -> Q:
    """Q for rows whose org path `field` lies under any of `paths` (use e.g. "unit__path")."""
    return selectors.paths_filter(paths, field)


def org_data(node_id: int) -> OrgNodeData:
    return to_data(OrgNode.objects.get(pk=node_id))


OUT_OF_SCOPE = "所属组织不存在或不在您的管辖范围内"


def org_in_scope(
    actor: Actor, org_id: int, roles: Iterable[Role], *, message: str = OUT_OF_SCOPE
) -> OrgNodeData:
    """The node, if one of the actor's `roles` covers it. An unknown id answers the same
    NotFound as a node outside the scope (STYLE.md §3): never a 500, never a hint that it
    exists."""
    node = OrgNode.objects.filter(pk=org_id).first()
    if node is None or not actor_scope(actor).covers(node.path, *roles):
        raise NotFound(message)
    return to_data(node)


def org_data_many(node_ids: Iterable[int]) -> dict[int, OrgNodeData]:
    return {pk: to_data(n) for pk, n in OrgNode.objects.in_bulk(list(node_ids)).items()}


def org_labels(node_ids: Iterable[int]) -> dict[int, str]:
    """A name people recognise for each node (issue #11 item 3): a department with its unit
    ("渝中区司法局 · 法规科"), since every bureau has an 办公室; any other node by its name.
    Every page and export that shows a unit takes its label from here (pickers.labels)."""
    return pickers.labels(OrgNode.objects.filter(pk__in=set(node_ids)))


def org_label(node_id: int | None) -> str:
    """org_labels for one node ("" for none)."""
    return org_labels([node_id]).get(node_id, "") if node_id else ""


def org_by_codes(codes: Iterable[str] | None = None) -> dict[str, OrgNodeData]:
    """Nodes by code (all of them when `codes` is None); for imports."""
    qs = OrgNode.objects.all() if codes is None else OrgNode.objects.filter(code__in=set(codes))
    return {n.code: to_data(n) for n in qs}


def org_ancestors(node_id: int) -> list[OrgNodeData]:
    return [to_data(n) for n in selectors.org_ancestors(OrgNode.objects.get(pk=node_id))]


def org_create(
    *,
    actor: Actor,
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


def org_move(*, actor: Actor, code: str, new_parent_code: str) -> OrgNodeData:
    node = OrgNode.objects.get(code=code)
    parent = OrgNode.objects.get(code=new_parent_code)
    return to_data(services.org_move(actor=actor, node=node, new_parent=parent))


# --- pages (web, people) -------------------------------------------------------------


def org_count_by_kind(paths: Iterable[str]) -> dict[str, int]:
    """Active nodes per kind inside the subtrees rooted at `paths` (home-page counts)."""
    from django.db.models import Count

    rows = (
        OrgNode.objects.filter(selectors.paths_filter(paths), active=True)
        .values("kind")
        .annotate(n=Count("id"))
    )
    return {row["kind"]: row["n"] for row in rows}


def org_list_data(
    *, scope_paths: Iterable[str], kinds: Iterable[OrgKind] | None = None
) -> list[OrgNodeData]:
    """Nodes inside the subtrees in tree order, e.g. for a unit picker."""
    qs = OrgNode.objects.filter(selectors.paths_filter(scope_paths))
    if kinds is not None:
        qs = qs.filter(kind__in=[k.value for k in kinds])
    return [to_data(n) for n in qs.order_by("path")]


def org_update(
    *, actor: Actor, node_id: int, name: str | None = None, active: bool | None = None
) -> OrgNodeData:
    """Rename and/or (de)activate a node (the tree page's forms)."""
    node = OrgNode.objects.get(pk=node_id)
    return to_data(services.org_update(actor=actor, node=node, name=name, active=active))


# --- bulk creation (demo data, large imports) ---------------------------------------------


def org_bulk_create(
    *, actor: Actor, rows: list[tuple[str, str, OrgKind, str | None]]
) -> list[OrgNodeData]:
    """Create many nodes: rows are (code, name, kind, parent code), parents first or existing."""
    return [to_data(n) for n in services.org_bulk_create(actor=actor, rows=rows)]
