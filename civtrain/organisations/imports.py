"""Org-tree import (编码, 名称, 上级编码, 类型): parents may follow children; all-or-nothing."""

from collections.abc import Callable, Sequence
from typing import IO

from civtrain.accounts.api import Role, actor_scope
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record_under
from civtrain.core.tabular import (
    Column,
    ImportReport,
    RowError,
    SourceRow,
    Table,
    cell_code,
    cell_text,
    run_import,
)
from civtrain.organisations import services
from civtrain.organisations.data import ALLOWED_PARENT, ORG_KIND_LABELS, OrgKind
from civtrain.organisations.models import OrgNode

# implements CQ-O2: the jurisdiction tree from a spreadsheet (issue 2 item 3).
ORG_COLUMNS = (
    Column("code", "编码", ("机构编码", "单位编码", "代码"), required=True),
    Column("name", "名称", ("机构名称", "单位名称"), required=True),
    Column("parent_code", "上级编码", ("上级机构编码", "上级单位编码", "上级代码")),
    Column("kind", "类型", ("机构类型", "层级"), required=True),
)
# Roles that may shape the tree inside their subtree.
# Only the city bureau changes the tree (CQ-O2), the same rule as services.check_org_write.
TREE_ROLES = (Role.CITY_BUREAU,)
PARENT_NOT_FOUND = "上级编码不存在或不在您的管辖范围内"


def parse_kind(text: str) -> OrgKind:
    key = cell_code(text)
    for kind, label in ORG_KIND_LABELS.items():
        if key in (label, kind.value, {"区县": "区", "内设机构": "内设"}.get(label, label)):
            return kind
    if key in ("县", "区/县"):
        return OrgKind.DISTRICT
    raise ValueError(f"类型应为 市/区县/单位/内设机构，而不是“{text}”")


class _Node:
    def __init__(self, row: SourceRow, code: str, name: str, kind: OrgKind, parent: str) -> None:
        self.row, self.code, self.name, self.kind, self.parent = row, code, name, kind, parent


def orgs_import(
    source: bytes | IO[bytes] | str,
    *,
    actor: Actor,
    filename: str,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[ImportReport, Table | None]:
    """Create new nodes and update the name or parent (a move) of existing ones, parents
    first. Any bad row → nothing written (the tree must stay whole)."""
    report = ImportReport(kind="orgs", filename=filename, dry_run=dry_run)

    def write(order: Sequence[_Node]) -> None:
        created = updated = unchanged = 0
        for i, node in enumerate(order, start=1):
            parent = OrgNode.objects.get(code=node.parent) if node.parent else None
            current = OrgNode.objects.filter(code=node.code).first()
            if current is None:
                services.org_create(
                    actor=actor, code=node.code, name=node.name, kind=node.kind, parent=parent
                )
                created += 1
            else:
                changed = False
                if current.name != node.name:
                    services.org_update(actor=actor, node=current, name=node.name)
                    changed = True
                if parent is not None and current.parent_id != parent.pk:
                    services.org_move(actor=actor, node=current, new_parent=parent)
                    changed = True
                updated += changed
                unchanged += not changed
            if progress is not None:
                progress(i, len(order))
        report.created, report.updated, report.unchanged = created, updated, unchanged
        # Filed under the nodes written, or the importer's own tree when none was (#8 item 9).
        written = OrgNode.objects.filter(code__in=[n.code for n in order])
        audit_record_under(
            actor=actor,
            action="org.import",
            object_type="import",
            object_label=filename,
            org_paths=list(written.values_list("path", flat=True))
            or actor_scope(actor).paths_for(*TREE_ROLES),
            changes={"rows": report.rows_read, "created": created, "updated": updated},
        )

    return run_import(
        report,
        source,
        columns=ORG_COLUMNS,
        validate=lambda table: validate_orgs(table, actor=actor, report=report),
        write=write,
        write_when_empty=True,  # an empty sheet is a (recorded) import of nothing
    )


def validate_orgs(table: Table, *, actor: Actor, report: ImportReport) -> list[_Node] | None:
    """Every row checked; returns the nodes to write, parents first. Refuses the whole file
    (report.message, None) when the actor may not shape the tree."""
    scope = actor_scope(actor)
    if not scope.has(*TREE_ROLES):
        report.message = "只有市公务员局可以导入机构设置"
        return None

    def error(row: SourceRow, key: str, reason: str) -> None:
        report.errors.append(
            RowError(
                row.number,
                table.header_of(key, key),
                cell_text(row.values.get(key, "")),
                reason,
            )
        )

    existing = {n.code: n for n in OrgNode.objects.all()}
    nodes: dict[str, _Node] = {}
    first_row: dict[str, SourceRow] = {}
    for row in table.rows:
        n_errors = len(report.errors)
        code = cell_code(row.values.get("code"))
        name = cell_text(row.values.get("name"))
        parent = cell_code(row.values.get("parent_code"))
        if not code:
            error(row, "code", "编码不能为空")
        elif len(code) > 32:
            error(row, "code", "编码过长（最多32个字符）")
        if not name:
            error(row, "name", "名称不能为空")
        kind: OrgKind | None = None
        try:
            kind = parse_kind(row.values.get("kind", ""))
        except ValueError as exc:
            error(row, "kind", str(exc))
        if code and code in first_row:
            other = first_row[code]
            error(row, "code", f"编码在文件中重复（与第 {other.number} 行相同）")
            error(other, "code", f"编码在文件中重复（与第 {row.number} 行相同）")
            nodes.pop(code, None)
            continue
        if code:
            first_row[code] = row
        old = existing.get(code)
        if old is not None and kind is not None and old.kind != kind:
            was = ORG_KIND_LABELS[OrgKind(old.kind)]
            error(row, "kind", f"已存在的机构不能改变类型（现为“{was}”）")
        if old is not None and not scope.covers(old.path, *TREE_ROLES):
            error(row, "code", "该编码已被管辖范围以外的机构使用")
        if parent and parent == code:
            error(row, "parent_code", "上级编码不能是自己")
        if len(report.errors) == n_errors and kind is not None:
            nodes[code] = _Node(row, code, name, kind, parent)

    # Resolve parents against the file and the tree; check kinds and scope.
    rows_by_code = {c: first_row[c] for c in first_row}
    for node in list(nodes.values()):
        if not node.parent:
            if node.kind != OrgKind.CITY:
                error(node.row, "parent_code", f"“{ORG_KIND_LABELS[node.kind]}”必须填写上级编码")
            elif not scope.covers("", *TREE_ROLES):
                error(node.row, "code", "只有系统管理员可以新增顶层的市")
            continue
        if node.parent in rows_by_code:
            parent_kind = nodes[node.parent].kind if node.parent in nodes else None
            if parent_kind is None:
                continue  # the parent row is itself bad; that row carries the error
        elif node.parent in existing:
            p = existing[node.parent]
            if not scope.covers(p.path, *TREE_ROLES):
                error(node.row, "parent_code", PARENT_NOT_FOUND)
                continue
            parent_kind = OrgKind(p.kind)
        else:
            error(node.row, "parent_code", PARENT_NOT_FOUND)
            continue
        if parent_kind not in ALLOWED_PARENT[node.kind]:
            error(
                node.row,
                "kind",
                f"“{ORG_KIND_LABELS[node.kind]}”不能设在“{ORG_KIND_LABELS[parent_kind]}”之下",
            )

    order = _parents_first(nodes, existing, report, error)
    bad = {e.row for e in report.errors}
    report.valid = sum(1 for n in nodes.values() if n.row.number not in bad)
    return order


def _parents_first(
    nodes: dict[str, _Node],
    existing: dict[str, OrgNode],
    report: ImportReport,
    error: Callable[[SourceRow, str, str], None],
) -> list[_Node]:
    """Topological order (parents before children); rows in a cycle are errors."""
    order: list[_Node] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(code: str, trail: list[str]) -> bool:
        if state.get(code) == 2:
            return True
        if state.get(code) == 1:
            return False
        state[code] = 1
        node = nodes[code]
        ok = True
        if node.parent in nodes:
            ok = visit(node.parent, [*trail, code])
        elif node.parent and node.parent not in existing:
            ok = False
        state[code] = 2
        if ok:
            order.append(node)
        elif (node.parent in nodes or node.parent in existing) and not any(
            e.row == node.row.number for e in report.errors
        ):
            error(node.row, "parent_code", "上级关系构成循环")
        return ok

    for code in nodes:
        visit(code, [])
    # A move of an existing node under one of its own descendants is a cycle too.
    for node in order:
        old = existing.get(node.code)
        parent = existing.get(node.parent)
        if old is not None and parent is not None and parent.path.startswith(old.path):
            error(node.row, "parent_code", "不能把机构移到它自己的下级之下")
    return order
