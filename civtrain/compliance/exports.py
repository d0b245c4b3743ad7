"""Excel exports: compliance results, 年度考核登记表 and 干部任免审批表 training lists (CQ-M3)."""

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from civtrain.catalogue.data import TRAINING_TYPE_LABELS, TrainingType
from civtrain.compliance.data import STATUS_LABELS, OutcomeStatus, PersonResult, fmt_number
from civtrain.compliance.kinds import add_months
from civtrain.core.text import spreadsheet_safe
from civtrain.credits.api import entry_rows
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
    return list(
        qs.order_by("person_id", "date").values(
            "person_id", "title", "start_date", "date", "days", "hours", "training_type", "result"
        )
    )


def _people(people_q: Q) -> dict[int, dict[str, Any]]:
    return {
        p["id"]: p
        for p in person_rows()
        .filter(people_q)
        .values("id", "name", "id_number_masked", "unit__name", "unit__code")
    }


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
                p["unit__name"],
                e["title"],
                _type_label(e["training_type"]),
                e["start_date"].isoformat() if e["start_date"] else "",
                e["date"].isoformat(),
                fmt_number(float(e["days"])),
                fmt_number(float(e["hours"])),
                {"passed": "合格", "failed": "不合格"}.get(e["result"], ""),
            ]
        )
    wb = Workbook()
    header = ["姓名", "身份证号", "单位", "培训名称", "培训类型", "开始日期", "结束日期",
              "天数", "学时", "考核结果"]  # fmt: skip
    _sheet(wb, f"{year}年度脱产培训", header, rows)
    return _save(wb)


def appointment_form_xlsx(people_q: Q, until: dt.date) -> bytes:
    """干部任免审批表 (CQ-M3): off-the-job trainings of more than two months, whole career.
    "More than two months" is read as end date after start + 2 months; an entry without a
    start date counts when it records at least 60 days."""
    people = _people(people_q)
    rows = []
    for e in _off_the_job(people_q, None, until):
        start = e["start_date"]
        long = add_months(start, 2) < e["date"] if start else float(e["days"]) >= 60
        if not long:
            continue
        p = people[e["person_id"]]
        rows.append(
            [
                p["name"],
                p["id_number_masked"],
                p["unit__name"],
                f"{start.isoformat() if start else ''}—{e['date'].isoformat()}",
                e["title"],
                fmt_number(float(e["days"])),
            ]
        )
    wb = Workbook()
    header = ["姓名", "身份证号", "单位", "起止时间", "培训名称", "天数"]
    _sheet(wb, "两个月以上脱产培训", header, rows)
    return _save(wb)
