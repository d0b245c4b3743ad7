"""The generic spreadsheet reader and import report (issue 2 item 5)."""

import datetime as dt
import io
import json
import re
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from civtrain.core.tabular import (
    Column,
    ImportReport,
    RowError,
    TabularError,
    error_workbook,
    parse_date,
    parse_yes_no,
    read_table,
    write_table,
)

COLUMNS = (
    Column("name", "姓名", ("名字",), required=True),
    Column("when", "日期", ("出生日期",)),
    Column("flag", "是否基层", ()),
)


@pytest.mark.parametrize(
    "value",
    [
        "2015-03-01",
        "2015/3/1",
        "2015.3.1",
        "2015年3月1日",
        "２０１５年３月１日",
        " 2015 - 03 - 01 ",
        "20150301",
        42064,
        42064.0,
        "42064",
        dt.date(2015, 3, 1),
        dt.datetime(2015, 3, 1, 0, 0, tzinfo=dt.UTC),
        "2015-03-01 00:00:00",
    ],
)
def test_every_date_spelling_reads_as_the_same_day(value: object) -> None:
    assert parse_date(value) == dt.date(2015, 3, 1)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2015-02-30", "日期不存在：2015年2月30日"),
        ("2015-13-01", "日期不存在：2015年13月1日"),
        ("三月一日", "无法识别的日期“三月一日”，请写成 2015-03-01 这样的格式"),
        (-5, "无法识别的日期“-5”"),
    ],
)
def test_bad_dates_say_why(value: object, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_date(value)


def test_empty_date_is_none() -> None:
    assert parse_date("") is None
    assert parse_date(None) is None


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)))
def test_excel_serials_round_trip(day: dt.date) -> None:
    serial = (day - dt.date(1899, 12, 30)).days
    assert parse_date(serial) == day
    assert parse_date(day.strftime("%Y年%m月%d日")) == day


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("n", False),
        ("", False),
        (None, False),
        (1.0, True),
    ],
)
def test_yes_no(value: object, expected: bool) -> None:
    assert parse_yes_no(value) is expected


def test_yes_no_rejects_other_words() -> None:
    with pytest.raises(ValueError, match="不是 是/否"):
        parse_yes_no("可能")


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_headers_by_name_with_aliases_in_any_order_below_a_title_row() -> None:
    data = _xlsx(
        [
            ["2026年度名册"],  # row 1: a title above the header
            ["备注", "出生日期（yyyy-mm-dd）", "名字 *"],  # row 2: the header
            ["x", dt.date(1990, 1, 2), "王五"],  # row 3
            [None, None, None],  # row 4: blank, skipped
            ["", "1990/1/3", "李四"],  # row 5
        ]
    )
    table = read_table(data, filename="a.xlsx", columns=COLUMNS)
    assert table.columns == {"when": 1, "name": 2}
    assert table.ignored_headers == ["备注"]
    assert [(r.number, r.values["name"]) for r in table.rows] == [(3, "王五"), (5, "李四")]
    assert table.header_of("when") == "出生日期(yyyy-mm-dd)"


def test_csv_utf8_bom_and_gb18030_read_the_same() -> None:
    text = "姓名,日期\n王五,2015/3/1\n"
    for data in (("\ufeff" + text).encode(), text.encode("gb18030")):
        table = read_table(data, filename="a.csv", columns=COLUMNS)
        assert [(r.number, r.values) for r in table.rows] == [
            (2, {"name": "王五", "when": "2015/3/1"})
        ]


def test_missing_required_column_and_wrong_type_are_file_errors() -> None:
    with pytest.raises(TabularError, match="找不到表头"):
        read_table("日期\n2015-03-01\n".encode(), filename="a.csv", columns=COLUMNS)
    with pytest.raises(TabularError, match=re.escape("不支持的文件类型“.pdf”")):
        read_table(b"%PDF", filename="a.pdf", columns=COLUMNS)
    with pytest.raises(TabularError, match="无法读取该表格文件"):
        read_table(b"not a zip", filename="a.xlsx", columns=COLUMNS)


def test_report_json_table_and_error_workbook() -> None:
    data = _xlsx([["姓名", "日期"], ["王五", "2015-02-30"], ["李四", "2015-03-01"]])
    table = read_table(data, filename="a.xlsx", columns=COLUMNS)
    report = ImportReport(kind="test", rows_read=2, valid=1)
    report.errors.append(RowError(2, "日期", "2015-02-30", "日期不存在：2015年2月30日"))
    as_json = json.loads(report.to_json())
    assert as_json["errors"] == [
        {"row": 2, "column": "日期", "value": "2015-02-30", "reason": "日期不存在：2015年2月30日"}
    ]
    assert as_json["summary"] == (
        "读取 2 行，有效 1 行，错误 1 行；未写入任何数据（存在错误行，整批未导入）"
    )
    assert ImportReport.from_dict(as_json) == report
    back = read_table(
        error_workbook(report, table),
        filename="e.xlsx",
        columns=(*COLUMNS, Column("why", "错误原因"), Column("row", "原行号")),
    )
    assert [r.values for r in back.rows] == [
        {"name": "王五", "when": "2015-02-30", "why": "日期：日期不存在：2015年2月30日", "row": 2.0}
    ]


def test_render_table_on_a_console() -> None:
    from rich.console import Console

    out = io.StringIO()
    report = ImportReport(kind="t", rows_read=1)
    report.errors.append(RowError(7, "姓名", "", "姓名不能为空"))
    report.render_table(Console(file=out, width=120))
    text = out.getvalue()
    assert "读取 1 行，有效 0 行，错误 1 行" in text
    assert "7" in text and "姓名不能为空" in text


def test_write_table_csv_has_a_bom_and_xlsx_reads_back() -> None:
    csv_bytes = write_table(["姓名", "日期"], [["王五", dt.date(2015, 3, 1)]], fmt="csv")
    assert csv_bytes.decode("utf-8") == "\ufeff姓名,日期\r\n王五,2015-03-01\r\n"
    xlsx = write_table(["姓名", "日期"], [["王五", dt.date(2015, 3, 1)]], fmt="xlsx")
    table = read_table(xlsx, filename="x.xlsx", columns=COLUMNS)
    assert parse_date(table.rows[0].values["when"]) == dt.date(2015, 3, 1)


@pytest.mark.django_db
def test_an_import_leaves_the_cyclic_collector_on_except_in_its_command(tmp_path: Any) -> None:
    """#9 item 7: the collector switch is process-wide, so the shared import flow (what a
    page's job runs on a web worker's thread) never turns it off; the import command does,
    for its own process, and turns it back on."""
    import gc

    from django.core.management.base import BaseCommand

    from civtrain.core.tabular import Table, run_cli_import, run_import

    seen: list[tuple[str, bool]] = []

    def validate(table: Table) -> list[dict]:
        seen.append(("page", gc.isenabled()))
        return []

    source = "姓名\n张三\n".encode()
    page = ImportReport(kind="t", filename="people.csv")
    run_import(page, source, columns=COLUMNS, validate=validate, write=print)

    def command_run(data: bytes, **kwargs: Any) -> tuple[ImportReport, Table | None]:
        seen.append(("command", gc.isenabled()))
        return ImportReport(kind="t"), None

    path = tmp_path / "people.csv"
    path.write_bytes(source)
    run_cli_import(BaseCommand(), {"file": str(path), "verbosity": 0}, command_run, actor=None)
    assert seen == [("page", True), ("command", False)]
    assert gc.isenabled()
