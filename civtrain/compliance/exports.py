"""Excel exports: compliance results, 年度考核登记表 and 干部任免审批表 training lists (CQ-M3)."""

import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Q
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from civtrain.catalogue.data import TRAINING_TYPE_LABELS, TrainingType
from civtrain.compliance import bindings
from civtrain.compliance.data import STATUS_LABELS, OutcomeStatus, PersonResult, fmt_number
from civtrain.compliance.kinds import add_months
from civtrain.core.actors import Actor
from civtrain.core.exports import Table
from civtrain.core.text import spreadsheet_safe
from civtrain.credits.api import entry_rows
from civtrain.credits.data import converted, recorded
from civtrain.people.api import person_rows

OFF_THE_JOB = "off_the_job"


def _sheet(wb: Workbook, title: str, header: list[str], rows: Iterable[list[Any]]) -> None:
    ws = wb.active  # every export is one sheet
    assert ws is not None  # noqa: S101 - a new Workbook always has one
    ws.title = title
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    widths = [len(h) * 2 + 2 for h in header]
    for row in rows:
        # Names and free text are never written as a live formula (issue 8 item 5).
        ws.append([spreadsheet_safe(v) for v in row])
        for i, v in enumerate(row):
            widths[i] = min(60, max(widths[i], len(str(v)) + 2))
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def results_xlsx(results: Iterable[PersonResult]) -> bytes:
    """One row per person and rule, as the CLI's table."""
    wb = Workbook()
    header = ["姓名", "身份证号", "单位编码", "规则", "条款", "要求", "已完成", "单位", "状态",
              "截止日期", "说明"]  # fmt: skip
    rows = (
        [
            r.name,
            r.id_number_masked,
            r.unit_code,
            o.title,
            o.clause,
            fmt_number(o.required),
            fmt_number(o.achieved),
            o.unit,
            STATUS_LABELS[OutcomeStatus(o.status)],
            o.deadline.isoformat() if o.deadline else "",
            o.explanation,
        ]
        for r in results
        for o in r.outcomes
    )
    _sheet(wb, "培训达标情况", header, rows)
    return _save(wb)


def _off_the_job(people_q: Q, since: dt.date | None, until: dt.date) -> list[dict[str, Any]]:
    # Reversed entries and reversals are left out: a corrected record counts as never written.
    qs = (
        entry_rows()
        .filter(mode=OFF_THE_JOB, date__lte=until, reversed_by__isnull=True)
        .exclude(source_type="reversal")
        .filter(person__in=person_rows().filter(people_q).values("id"))
    )
    if since is not None:
        qs = qs.filter(date__gte=since)
    fields = ("person_id", "title", "start_date", "date", "days", "hours", "derived")
    rows = list(qs.order_by("person_id", "date").values(*fields, "training_type", "result"))
    for e in rows:
        _amounts(e)
    return rows


def _amounts(e: dict[str, Any]) -> None:
    """An entry's 学时 and days as the documents show them (`hours_text`, `days_text`, and
    `days_value` for arithmetic): what it recorded; what it did not, converted with the
    学时-per-day of the set governing its date and marked 折算 (REQUIREMENTS §8, issue #10
    item 6; bindings.governing, the one resolver)."""
    hours, days = recorded(e["hours"], e["days"], e["derived"])
    per_day = None
    if hours is None or days is None:
        found = bindings.governing(e["person_id"], e["date"])
        per_day = found.spec.hours_per_day if found else None
    conv_hours, conv_days = converted(hours, days, per_day)

    def text(value: Decimal | None, conv: Decimal | None) -> str:
        if value is not None:
            return fmt_number(float(value))
        return f"{fmt_number(float(conv))}（折算）" if conv is not None else ""

    e["hours_text"], e["days_text"] = text(hours, conv_hours), text(days, conv_days)
    known = days if days is not None else conv_days
    e["days_value"] = None if known is None else float(known)


def _people(people_q: Q) -> dict[int, dict[str, Any]]:
    """The people of the forms, each with `unit`: the label people recognise (#11 item 3:
    "渝中区司法局 · 办公室", not a bare 办公室), read for every unit at once."""
    from civtrain.organisations.api import org_labels

    people = {
        p["id"]: p
        for p in person_rows().filter(people_q).values("id", "name", "id_number_masked", "unit_id")
    }
    labels = org_labels({p["unit_id"] for p in people.values()})
    for p in people.values():
        p["unit"] = labels.get(p["unit_id"], "")
    return people


def _type_label(code: str) -> str:
    try:
        return TRAINING_TYPE_LABELS[TrainingType(code)]
    except ValueError:
        return code


def annual_assessment_xlsx(people_q: Q, year: int) -> bytes:
    """年度考核登记表 (CQ-M3): every off-the-job training of the year, per person."""
    people = _people(people_q)
    rows = []
    for e in _off_the_job(people_q, dt.date(year, 1, 1), dt.date(year, 12, 31)):
        p = people[e["person_id"]]
        rows.append(
            [
                p["name"],
                p["id_number_masked"],
                p["unit"],
                e["title"],
                _type_label(e["training_type"]),
                e["start_date"].isoformat() if e["start_date"] else "",
                e["date"].isoformat(),
                e["days_text"],
                e["hours_text"],
                {"passed": "合格", "failed": "不合格"}.get(e["result"], ""),
            ]
        )
    wb = Workbook()
    header = ["姓名", "身份证号", "单位", "培训名称", "培训类型", "开始日期", "结束日期",
              "天数", "学时", "考核结果"]  # fmt: skip
    _sheet(wb, f"{year}年度脱产培训", header, rows)
    return _save(wb)


def over_two_months(start: dt.date | None, end: dt.date, days: float | None) -> bool:
    """Whether an off-the-job training goes onto the 干部任免审批表 (CQ-M3: "more than two
    months"): its end after start + 2 months; without a start date, at least 60 days."""
    return add_months(start, 2) < end if start else days is not None and days >= 60


def appointment_form_xlsx(people_q: Q, until: dt.date) -> bytes:
    """干部任免审批表 (CQ-M3): off-the-job trainings of more than two months (over_two_months),
    whole career."""
    people = _people(people_q)
    rows = []
    for e in _off_the_job(people_q, None, until):
        start = e["start_date"]
        if not over_two_months(start, e["date"], e["days_value"]):
            continue
        p = people[e["person_id"]]
        rows.append(
            [
                p["name"],
                p["id_number_masked"],
                p["unit"],
                f"{start.isoformat() if start else ''}—{e['date'].isoformat()}",
                e["title"],
                e["days_text"],
            ]
        )
    wb = Workbook()
    header = ["姓名", "身份证号", "单位", "起止时间", "培训名称", "天数"]
    _sheet(wb, "两个月以上脱产培训", header, rows)
    return _save(wb)


# -- the compliance list as the page filters it (issue #11 item 2) -------------------------
PEOPLE_HEADERS = [
    "姓名",
    "身份证号（脱敏）",
    "单位",
    "状态",
    "未完成的要求",
    "不得评为优秀",
    "暂缓确定等次",
    "不能任职定级",
]


def people_table(actor: Actor, params: dict[str, Any]) -> Table:
    """core.exports table source of the compliance list: the rows the page shows the actor
    for these filters, every page of them."""
    from civtrain.compliance import selectors
    from civtrain.organisations.api import org_labels

    code, path = selectors.list_root(actor=actor, unit_code=params.get("unit", ""))
    filters = selectors.ListFilters(
        risk=params.get("risk", ""),
        clause=params.get("clause", ""),
        search=params.get("search", ""),
        sort=params.get("sort", "risk"),
    )
    year = int(params["year"])
    rows, _clauses, _stored = selectors.list_rows(
        actor=actor, year=year, unit_code=code, root_path=path, filters=filters
    )
    count = len(rows) if isinstance(rows, list) else rows.count()

    unit_ids = (
        {r["unit_id"] for r in rows}
        if isinstance(rows, list)
        else set(rows.order_by().values_list("unit_id", flat=True).distinct())
    )
    labels = org_labels(unit_ids)  # one read for every unit, not one per unit met

    def lines() -> Iterable[list[Any]]:
        for row in rows if isinstance(rows, list) else rows.iterator():
            open_ = [o for o in row["outcomes"] if o["status"] in ("missed", "not_yet")]
            linkage = row["linkage"]
            yield [
                row["person__name"],
                row["person__id_number_masked"],
                labels.get(row["unit_id"], ""),
                _status_word(row, open_),
                "；".join(f"{o['title']}：{o['explanation']}" for o in open_),
                "否" if linkage["eligible_excellent"] else "是",
                "是" if linkage["grade_deferred"] else "否",
                "是" if linkage["appointment_blocked"] else "否",
            ]

    return Table(
        title=f"{year}年度培训达标情况",
        headers=PEOPLE_HEADERS,
        rows=lines(),
        count=count,
        org_path=path,
    )


def _status_word(row: dict[str, Any], open_: list[dict[str, Any]]) -> str:
    if any(o["status"] == "missed" for o in open_):
        return "逾期未完成"
    if open_:
        return "未完成"
    return "已全部完成" if row["outcomes"] else "无适用规则"


UNITS_HEADERS = ["单位", "人数", "已完成", "完成率（%）", "暂缓确定等次"]


def units_table(actor: Actor, params: dict[str, Any]) -> Table:
    """core.exports table source of the units page: its rows as the page shows them."""
    from civtrain.compliance import selectors
    from civtrain.organisations.api import OrgKind, org_by_codes

    code, path = selectors.list_root(actor=actor, unit_code=params.get("unit", ""))
    root = org_by_codes([code])[code]
    year = int(params["year"])
    city_direct = root.kind == OrgKind.CITY and bool(params.get("direct"))
    table = selectors.completion_table(actor=actor, year=year, root=root, city_direct=city_direct)
    return Table(
        title=f"{root.name}{year}年度各单位培训完成率",
        headers=UNITS_HEADERS,
        rows=[[t["name"], t["headcount"], t["complete"], t["rate"], t["deferred"]] for t in table],
        count=len(table),
        org_path=path,
    )
