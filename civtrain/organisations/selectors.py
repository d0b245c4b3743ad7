"""Reads of the organisation tree, scoped to what the actor may see."""

import re
from collections.abc import Iterable

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.lookups import StartsWith

from civtrain.accounts.api import Role, actor_scope
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.organisations.data import OrgKind, OrgNodeData
from civtrain.organisations.models import OrgNode

# Pages and endpoints name the rows these selectors return as selectors.OrgNode: they never
# import the models (pyproject.toml, #9 item 5).

NOT_FOUND_MESSAGE = "机构不存在或不在您的管辖范围内"

# How well a node matches a picker's query (org_search), best first.
MATCH_EXACT, MATCH_PREFIX, MATCH_CONTAINS = 0, 1, 2


def node_data(node: OrgNode) -> OrgNodeData:
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


def paths_filter(paths: Iterable[str], field: str = "path") -> Q:
    """Q matching rows whose `field` lies in any of the subtrees rooted at `paths`."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def org_read_paths(actor: Actor) -> tuple[str, ...]:
    """Subtree roots the actor may read: every role sees the subtree it is bound to (CQ-O2)."""
    return actor_scope(actor).paths_for(*Role)


def org_list(
    *,
    scope_paths: Iterable[str],
    kind: str | None = None,
    under: OrgNode | None = None,
    search: str = "",
    active: bool | None = None,
) -> QuerySet[OrgNode]:
    qs = OrgNode.objects.filter(paths_filter(scope_paths))
    if under is not None:
        qs = qs.filter(path__startswith=under.path)
    if kind:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(active=active)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search))
    return qs.order_by("path")


def org_page(
    *,
    scope_paths: Iterable[str],
    offset: int,
    limit: int,
    kind: str | None = None,
    under: OrgNode | None = None,
    search: str = "",
    active: bool | None = None,
) -> tuple[int, list[OrgNode]]:
    """One page of org_list, by path, and how many nodes the whole list holds."""
    qs = org_list(scope_paths=scope_paths, kind=kind, under=under, search=search, active=active)
    return qs.count(), list(qs[offset : offset + limit])


def org_get(
    *, scope_paths: Iterable[str], node_id: int | None = None, code: str | None = None
) -> OrgNode:
    qs = OrgNode.objects.filter(paths_filter(scope_paths))
    node = qs.filter(pk=node_id).first() if node_id is not None else qs.filter(code=code).first()
    if node is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return node


def access_org_by_id(actor: Actor, node_id: int) -> OrgNode:
    """The node if the actor may read it; NotFound otherwise, the same as a missing one."""
    return org_get(scope_paths=org_read_paths(actor), node_id=node_id)


def access_org_by_ref(actor: Actor, ref: str) -> OrgNode:
    """A node named by id (all digits) or by code, within the actor's read scope."""
    ref = ref.strip()
    paths = org_read_paths(actor)
    if ref.isdigit():
        try:
            return org_get(scope_paths=paths, node_id=int(ref))
        except NotFound:
            pass  # codes may be all digits too (e.g. administrative division codes)
    return org_get(scope_paths=paths, code=ref)


# What separates the words of a picker's query: spaces, and the separators of the labels
# and paths pickers show ("渝中区司法局 · 办公室", "重庆市 / 渝中区"): a label typed back finds
# its node.
QUERY_SEPARATORS = re.compile(r"[\s·/]+")


ABOVE_BY_PATH = 50  # nodes an earlier word may name for the search to go by their paths


def _below_a_node_named(term: str) -> Q:
    """Q for nodes strictly below a node whose name contains `term`. Usually `term` names a
    few nodes ("渝中区司法局"): their subtrees are read by the path index. A word that many
    names contain ("局") is tested row by row instead."""
    above = list(
        OrgNode.objects.filter(name__contains=term).values_list("path", flat=True)[
            : ABOVE_BY_PATH + 1
        ]
    )
    if len(above) <= ABOVE_BY_PATH:
        return paths_filter(above) & ~Q(path__in=above)
    return Q(
        Exists(
            OrgNode.objects.filter(name__contains=term)
            .filter(StartsWith(OuterRef("path"), F("path")))
            .exclude(pk=OuterRef("pk"))
        )
    )


def org_search(
    *,
    scope_paths: Iterable[str],
    query: str,
    kinds: Iterable[str] = (),
    limit: int = 20,
    only: Q | None = None,
) -> list[OrgNode]:
    """Active nodes inside the subtrees whose name contains `query` or whose code starts with
    it: the type-ahead pickers' matches (#11 item 3), best first and bounded by `limit`.

    Ranked in SQL so that the node a user names exactly is never pushed off the page by the
    many whose names merely contain it ("司法局" among hundreds of "…区司法局"): an exact name or
    code, then a name or code starting with `query`, then a name containing it; within a
    rank the shallowest, then by name. Homonyms (every bureau has an 办公室) are told apart by
    naming what they are in: with several words ("司法局 办公室", or a label pasted back) the
    last names the node and each earlier one must be part of the name of a node above it.

    On PostgreSQL the name tests are served by the trigram index (migration 0002, pg_trgm)
    for words of three characters or more; shorter ones scan the subtree (its path index)."""
    qs = OrgNode.objects.filter(paths_filter(scope_paths), active=True)
    if only is not None:  # a purpose narrower than whole subtrees (pickers.NARROWED)
        qs = qs.filter(only)
    kinds = list(kinds)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    *above, word = QUERY_SEPARATORS.split(query.strip()) or [""]
    if not word:
        return list(qs.order_by("depth", "path")[:limit])
    for term in filter(None, above):
        qs = qs.filter(_below_a_node_named(term))
    rank = Case(
        When(Q(name=word) | Q(code=word), then=Value(MATCH_EXACT)),
        When(Q(name__startswith=word) | Q(code__startswith=word), then=Value(MATCH_PREFIX)),
        default=Value(MATCH_CONTAINS),
        output_field=IntegerField(),
    )
    qs = qs.filter(Q(name__contains=word) | Q(code__startswith=word))
    return list(qs.alias(match=rank).order_by("match", "depth", "name", "path")[:limit])


def org_names_by_id(ids: Iterable[int]) -> dict[int, str]:
    """Names of the nodes `ids` in one read (the paths shown beside picker matches)."""
    return dict(OrgNode.objects.filter(pk__in=set(ids)).values_list("pk", "name"))


def org_children(node: OrgNode) -> QuerySet[OrgNode]:
    return OrgNode.objects.filter(parent=node).order_by("sort_order", "code")


def org_child_count(node: OrgNode) -> int:
    return OrgNode.objects.filter(parent=node).count()


def _with_child_counts(qs: QuerySet[OrgNode]) -> list[OrgNode]:
    """The nodes, each with `n_children` (its direct children), in the tree's order."""
    return list(qs.annotate(n_children=Count("children")).order_by("sort_order", "code"))


def org_tree_roots(*, scope_paths: Iterable[str]) -> list[OrgNode]:
    """The tree page's roots: the nodes at `scope_paths`, each with `n_children`."""
    return _with_child_counts(OrgNode.objects.filter(path__in=list(scope_paths)))


def org_tree_children(node: OrgNode) -> list[OrgNode]:
    """A node's children for the tree pages, each with `n_children`."""
    return _with_child_counts(OrgNode.objects.filter(parent=node))


def org_ancestors(node: OrgNode) -> list[OrgNode]:
    ids = [int(seg) for seg in node.path.strip("/").split("/")]
    by_id = OrgNode.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]
