"""Thin HTTP layer over the organisation selectors and services; scoping lives below."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from civtrain.core.errors import NotFound
from civtrain.organisations import selectors, services
from civtrain.organisations.data import ORG_KIND_LABELS, OrgKind
from civtrain.organisations.rest_api.schemas import (
    OrgCreateIn,
    OrgDetailOut,
    OrgFilters,
    OrgMoveIn,
    OrgOut,
    OrgPage,
    OrgRef,
    OrgUpdateIn,
)
from civtrain.organisations.selectors import OrgNode, access_org_by_id

router = Router(tags=["organisations"])


def _actor(request: HttpRequest) -> Any:
    """The authenticated user (session or token) that ninja put on the request."""
    return request.auth  # type: ignore[attr-defined]


def _out(node: OrgNode) -> OrgOut:
    return OrgOut(
        id=node.pk,
        code=node.code,
        name=node.name,
        kind=OrgKind(node.kind),
        kind_label=ORG_KIND_LABELS[OrgKind(node.kind)],
        parent_id=node.parent_id,
        depth=node.depth,
        active=node.active,
    )


def _detail(node: OrgNode) -> OrgDetailOut:
    ancestors = [
        OrgRef(id=a.pk, code=a.code, name=a.name, kind=OrgKind(a.kind))
        for a in selectors.org_ancestors(node)
        if a.pk != node.pk
    ]
    return OrgDetailOut(
        **_out(node).model_dump(),
        ancestors=ancestors,
        children_count=selectors.org_child_count(node),
    )


@router.get("", response=OrgPage, summary="机构列表")
def org_list(request: HttpRequest, filters: Query[OrgFilters]) -> OrgPage:
    actor = _actor(request)
    paths = selectors.org_read_paths(actor)
    under = None
    if filters.under:
        try:
            under = selectors.access_org_by_ref(actor, filters.under)
        except NotFound:
            return OrgPage(count=0, items=[])
    count, page = selectors.org_page(
        scope_paths=paths,
        offset=filters.offset,
        limit=filters.limit,
        kind=filters.kind.value if filters.kind else None,
        under=under,
        search=(filters.q or "").strip(),
        active=filters.active,
    )
    return OrgPage(count=count, items=[_out(n) for n in page])


@router.get("/{int:org_id}", response=OrgDetailOut, summary="机构详情（含上级链）")
def org_detail(request: HttpRequest, org_id: int) -> OrgDetailOut:
    return _detail(access_org_by_id(_actor(request), org_id))


@router.get("/{int:org_id}/children", response=list[OrgOut], summary="直接下级机构")
def org_children(request: HttpRequest, org_id: int) -> list[OrgOut]:
    node = access_org_by_id(_actor(request), org_id)
    return [_out(c) for c in selectors.org_children(node)]


@router.post("", response={201: OrgDetailOut}, summary="新建机构（市公务员局，在其管辖范围内）")
def org_create(request: HttpRequest, payload: OrgCreateIn) -> Status[OrgDetailOut]:
    parent = access_org_by_id(_actor(request), payload.parent_id)
    node = services.org_create(
        actor=_actor(request),
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        parent=parent,
        active=payload.active,
    )
    return Status(201, _detail(node))


@router.patch("/{int:org_id}", response=OrgDetailOut, summary="改名或启用/停用")
def org_update(request: HttpRequest, org_id: int, payload: OrgUpdateIn) -> OrgDetailOut:
    node = access_org_by_id(_actor(request), org_id)
    node = services.org_update(
        actor=_actor(request), node=node, name=payload.name, active=payload.active
    )
    return _detail(node)


@router.post("/{int:org_id}/move", response=OrgDetailOut, summary="把机构及其下级整体移到新的上级")
def org_move(request: HttpRequest, org_id: int, payload: OrgMoveIn) -> OrgDetailOut:
    node = access_org_by_id(_actor(request), org_id)
    parent = access_org_by_id(_actor(request), payload.parent_id)
    return _detail(services.org_move(actor=_actor(request), node=node, new_parent=parent))
