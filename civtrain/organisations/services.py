"""Writes to the organisation tree: create, update, move a subtree, deactivate."""

from collections import Counter
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from civtrain.accounts.api import Role, actor_scope, is_system, staff_role_count_under
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_org_paths_move, audit_record, audit_record_many
from civtrain.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from civtrain.organisations.data import ALLOWED_PARENT, ORG_KIND_LABELS, OrgKind
from civtrain.organisations.models import OrgNode, path_segment
from civtrain.organisations.selectors import NOT_FOUND_MESSAGE, org_read_paths

CODE_MAX, NAME_MAX = 32, 100


def check_org_write(actor: Actor, node: OrgNode | None) -> None:
    """Only a city bureau changes the tree, inside its own subtree (CQ-O2).

    The system (accounts.SYSTEM: CLI imports, demo data, fixtures) changes any node. A node
    the actor cannot read is NotFound, the same as a missing one; one it reads but may not
    change is PermissionDenied.
    """
    if is_system(actor):
        return
    if node is None:
        # A new top-level node needs the whole tree, which no user's role covers.
        if not actor_scope(actor).covers("", Role.CITY_BUREAU):
            raise PermissionDenied("只有系统管理员可以新建顶层机构")
        return
    if not any(node.path.startswith(p) for p in org_read_paths(actor)):
        raise NotFound(NOT_FOUND_MESSAGE)
    if not actor_scope(actor).covers(node.path, Role.CITY_BUREAU):
        raise PermissionDenied("只有市公务员局可以调整机构设置")


class OrgInUse(ApplicationError):
    """Deactivating a node that people or staff accounts still depend on (#8 item 10): an
    operation refused (400, as the API documents its refusals)."""

    status = 400

    def __init__(self, message: str, extra: dict[str, Any]) -> None:
        super().__init__("org_in_use", message, extra)


def check_org_deactivate(actor: Actor, node: OrgNode) -> None:
    """A deactivated node takes the roles bound in its subtree with it, and nothing in the
    application gives them back (#8 item 10). So: never the node of one of the actor's own
    roles or an ancestor of it (a bureau locking itself out), and never a subtree in which
    active people work or staff hold roles — they are transferred first, each move an audited
    career event or role change, and then the empty node can go."""
    if not is_system(actor):
        own = [p for paths in actor_scope(actor).paths.values() for p in paths]
        if any(p.startswith(node.path) for p in own):
            raise PermissionDenied(
                "不能停用您本人角色所在的机构或其上级机构：停用后您将失去这些权限，且无法在系统中恢复"
            )
    # People are counted through the reverse relation of their unit: the people app sits
    # above organisations (layers contract), so its vocabulary is named, not imported.
    people = OrgNode.objects.filter(path__startswith=node.path, people__status="active").count()
    roles = staff_role_count_under(node.path)
    if people or roles:
        raise OrgInUse(
            f"“{node.name}”及其下级机构仍有 {people} 名在职人员、{roles} 个管理角色账号："
            "请先将人员调出、将角色移交到其他机构，再停用",
            {"people": people, "roles": roles},
        )


def _check_parent(kind: OrgKind, parent: OrgNode | None) -> None:
    parent_kind = OrgKind(parent.kind) if parent else None
    if parent_kind not in ALLOWED_PARENT[kind]:
        where = ORG_KIND_LABELS[parent_kind] if parent_kind else "顶层"
        raise ValidationFailed(f"“{ORG_KIND_LABELS[kind]}”不能设在“{where}”之下")


@transaction.atomic
def org_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    kind: OrgKind,
    parent: OrgNode | None = None,
    active: bool = True,
) -> OrgNode:
    check_org_write(actor, parent)
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise ValidationFailed("编码和名称不能为空")
    if len(code) > CODE_MAX or len(name) > NAME_MAX:
        raise ValidationFailed(f"编码最多 {CODE_MAX} 个字符，名称最多 {NAME_MAX} 个字符")
    if OrgNode.objects.filter(code=code).exists():
        raise ValidationFailed(f"编码 {code} 已存在")
    _check_parent(kind, parent)
    node = OrgNode(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        active=active,
        path=f"tmp-{code}",
        depth=(parent.depth + 1) if parent else 0,
    )
    node.save()
    node.path = (parent.path if parent else "") + path_segment(node.pk)
    node.save(update_fields=["path"])
    audit_record(
        actor=actor,
        action="org.create",
        object_type="org",
        object_id=node.pk,
        object_label=str(node),
        org_path=node.path,
        changes={"code": code, "name": name, "kind": kind.value},
    )
    return node


@transaction.atomic
def org_update(
    *, actor: Actor, node: OrgNode, name: str | None = None, active: bool | None = None
) -> OrgNode:
    check_org_write(actor, node)
    before = {"name": node.name, "active": node.active}
    if name is not None:
        if not name.strip() or len(name.strip()) > NAME_MAX:
            raise ValidationFailed(f"名称不能为空，最多 {NAME_MAX} 个字符", {"field": "name"})
        node.name = name.strip()
    if active is False and node.active:
        check_org_deactivate(actor, node)
    if active is not None:
        node.active = active
    node.save(update_fields=["name", "active"])
    after = {"name": node.name, "active": node.active}
    if before != after:
        audit_record(
            actor=actor,
            action="org.update",
            object_type="org",
            object_id=node.pk,
            object_label=str(node),
            org_path=node.path,
            changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
        )
    return node


@transaction.atomic
def org_move(*, actor: Actor, node: OrgNode, new_parent: OrgNode) -> OrgNode:
    """Re-hang `node` and its whole subtree under `new_parent`, in one UPDATE; the audit rows
    filed under the subtree follow it (the new holder's audit page shows the unit's history),
    and the move is itself audited with the old and new paths."""
    check_org_write(actor, node)
    check_org_write(actor, new_parent)
    node = OrgNode.objects.select_for_update().get(pk=node.pk)
    new_parent = OrgNode.objects.get(pk=new_parent.pk)
    if new_parent.path.startswith(node.path):
        raise ValidationFailed("不能把机构移到它自己或它的下级之下")
    _check_parent(OrgKind(node.kind), new_parent)
    if node.parent_id == new_parent.pk:
        return node
    old_prefix, old_parent = node.path, node.parent
    new_prefix = new_parent.path + path_segment(node.pk)
    depth_delta = new_parent.depth + 1 - node.depth
    OrgNode.objects.filter(path__startswith=old_prefix).update(
        path=Concat(Value(new_prefix), Substr("path", len(old_prefix) + 1)),
        depth=F("depth") + depth_delta,
    )
    OrgNode.objects.filter(pk=node.pk).update(parent=new_parent)
    node.refresh_from_db()
    # Re-file the subtree's audit rows before recording the move, which is filed under the
    # new path already.
    refiled = audit_org_paths_move(old_prefix=old_prefix, new_prefix=new_prefix)
    audit_record(
        actor=actor,
        action="org.move",
        object_type="org",
        object_id=node.pk,
        object_label=str(node),
        org_path=node.path,
        changes={
            "parent": [old_parent.code if old_parent else None, new_parent.code],
            "path": [old_prefix, new_prefix],
            "audit_rows_refiled": refiled,
        },
    )
    return node


@transaction.atomic
def org_bulk_create(
    *, actor: Actor, rows: Sequence[tuple[str, str, OrgKind, str | None]]
) -> list[OrgNode]:
    """Create many nodes at once (demo data, large imports), checked as org_create checks
    each one. Rows are (code, name, kind, parent code); a parent is an earlier row or an
    existing node. One INSERT and one UPDATE per tree level, one audit row per node."""
    rows = [(c.strip(), n.strip(), k, p) for c, n, k, p in rows]
    codes = [r[0] for r in rows]
    if any(not c or not n or len(c) > CODE_MAX or len(n) > NAME_MAX for c, n, _, _ in rows):
        raise ValidationFailed(
            f"编码和名称不能为空，编码最多 {CODE_MAX} 个字符，名称最多 {NAME_MAX} 个字符"
        )
    clash = [c for c, seen in Counter(codes).items() if seen > 1]
    clash += list(OrgNode.objects.filter(code__in=codes).values_list("code", flat=True)[:1])
    if clash:
        raise ValidationFailed(f"编码 {clash[0]} 已存在")
    known = {n.code: n for n in OrgNode.objects.filter(code__in={p for *_, p in rows if p})}
    for above in known.values():
        check_org_write(actor, above)
    if any(p is None for *_, p in rows):
        check_org_write(actor, None)
    created: list[OrgNode] = []
    pending = rows
    while pending:
        level = [r for r in pending if r[3] is None or r[3] in known]
        if not level:
            raise ValidationFailed(f"上级编码 {pending[0][3]} 不存在")
        nodes = []
        for code, name, kind, parent_code in level:
            parent = known[parent_code] if parent_code else None
            _check_parent(kind, parent)
            depth = parent.depth + 1 if parent else 0
            nodes.append(
                OrgNode(
                    code=code, name=name, kind=kind, parent=parent, path=f"tmp-{code}", depth=depth
                )
            )
        OrgNode.objects.bulk_create(nodes)
        for node in nodes:
            node.path = (node.parent.path if node.parent else "") + path_segment(node.pk)
        OrgNode.objects.bulk_update(nodes, ["path"])
        known.update({n.code: n for n in nodes})
        created += nodes
        placed = {r[0] for r in level}
        pending = [r for r in pending if r[0] not in placed]
    audit_record_many(
        actor=actor,
        action="org.create",
        object_type="org",
        items=[
            (n.pk, str(n), n.path, {"code": n.code, "name": n.name, "kind": str(n.kind)})
            for n in created
        ],
    )
    return created
