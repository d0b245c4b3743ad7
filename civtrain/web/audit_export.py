"""The audit search as a file (#17 item 2): the core.exports table source for .xlsx and the
CSV built in the request. Same scope and filters as the audit page; cells are neutralised
against formulas by core.tabular; each export is audited."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.exports import Table
from civtrain.core.tabular import write_table
from civtrain.people.data import remask_changes, remask_legacy
from civtrain.web.selectors import AuditFilters, audit_event_list, event_failed

HEADERS = (
    "时间",
    "操作人",
    "操作人ID",
    "地址",
    "操作",
    "对象类型",
    "对象ID",
    "对象",
    "结果",
    "变更",
)
CSV_MAX_ROWS = 200_000


def _filters(params: dict[str, Any]) -> AuditFilters:
    def day(value: Any) -> dt.date | None:
        return dt.date.fromisoformat(value) if value else None

    return AuditFilters(
        action=str(params.get("action") or ""),
        object_type=str(params.get("object_type") or ""),
        actor=str(params.get("actor") or ""),
        date_from=day(params.get("date_from")),
        date_to=day(params.get("date_to")),
        ip_address=str(params.get("ip_address") or ""),
        object=str(params.get("object") or ""),
        result=str(params.get("result") or ""),
    )


def audit_table(actor: Actor, params: dict[str, Any]) -> Table:
    events = audit_event_list(actor=actor, filters=_filters(params))

    def rows() -> Iterable[list[Any]]:
        for e in events.iterator(chunk_size=2000):
            yield [
                e.at.astimezone(clock.TZ).strftime("%Y-%m-%d %H:%M:%S"),
                e.actor_label,
                e.actor_id or "",
                e.ip_address or "",
                e.action,
                e.object_type,
                e.object_id,
                remask_legacy(e.object_label),
                "失败" if event_failed(e.action) else "成功",
                str(remask_changes(e.changes) or ""),
            ]

    return Table(
        title="审计日志",
        headers=HEADERS,
        rows=rows(),
        count=events.count(),
        org_path="",
        personal_data=True,
    )


def audit_csv(*, actor: Actor, params: dict[str, Any]) -> tuple[bytes, str]:
    """The CSV export, built in the request (UTF-8 with BOM, Excel-safe cells)."""
    table = audit_table(actor, params)
    rows = (row for i, row in enumerate(table.rows) if i < CSV_MAX_ROWS)
    content = write_table(table.headers, rows, fmt="csv")
    audit_record(
        actor=actor,
        action="audit.export",
        object_type="audit",
        changes={"format": "csv", "rows": min(table.count, CSV_MAX_ROWS), "filters": params},
    )
    return content, f"审计日志-{clock.now().astimezone(clock.TZ):%Y%m%d-%H%M}.csv"
