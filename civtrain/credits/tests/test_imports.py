"""import-records: bad rows reported with Excel row numbers; re-import writes nothing."""

import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civtrain import testing
from civtrain.accounts.api import Role
from civtrain.core.tabular import write_table
from civtrain.credits.imports import RECORD_HEADERS, parse_subject_hours, records_import
from civtrain.credits.models import LedgerEntry, LedgerSubjectHours


@pytest.fixture
def ids(tree: Any) -> dict[str, str]:
    zhang = testing.make_id_number(serial=501)
    wang = testing.make_id_number(serial=502)
    testing.make_person(tree["U1"], "张三", id_number=zhang)
    testing.make_person(tree["U2"], "王五", id_number=wang)
    return {"zhang": zhang, "wang": wang}


def good(id_number: str, title: str = "初任培训班") -> list[Any]:
    return [
        id_number,
        title,
        "初任培训",
        "脱产",
        "2019-03-01",
        "2019-03-12",
        "12",
        "",
        "法治:4；职业道德：2",
        "合格",
        "88",
    ]


@pytest.mark.django_db  # names and codes come from the catalogue's table (issue 10 item 10)
def test_subject_hours_accept_names_codes_and_both_separators() -> None:
    assert parse_subject_hours("法治:4;职业道德：2, writing=1.5") == {
        "law": Decimal(4),
        "ethics": Decimal(2),
        "writing": Decimal("1.5"),
    }
    with pytest.raises(ValueError, match="科目“占星”不在科目目录中"):
        parse_subject_hours("占星:3")


def test_good_file_is_written_and_reimport_is_idempotent(ids: dict, actors: Any) -> None:
    data = write_table(RECORD_HEADERS, [good(ids["zhang"])], fmt="xlsx")
    report, _ = records_import(data, actor=actors["unit_hr"], filename="h.xlsx")
    assert report.ok and (report.created, report.written) == (1, True), report.errors
    e = LedgerEntry.objects.get()
    # The row gives days only: the ledger keeps them, nothing converted (§8, #10 item 6).
    assert (e.hours, e.days, e.year, e.source_type, e.result, e.score) == (
        None,
        Decimal("12.00"),
        2019,
        "historical_import",
        "passed",
        Decimal(88),
    )
    assert dict(LedgerSubjectHours.objects.values_list("subject", "hours")) == {
        "law": Decimal(4),
        "ethics": Decimal(2),
    }
    again, _ = records_import(data, actor=actors["unit_hr"], filename="h.xlsx")
    assert (again.created, again.unchanged) == (0, 1)
    assert LedgerEntry.objects.count() == 1


def test_bad_rows_are_reported_and_nothing_is_written(ids: dict, actors: Any) -> None:
    rows = [
        good(ids["zhang"]),
        [ids["zhang"], "", "初任培训", "脱产", "", "2019-13-01", "", "", "", "优秀", ""],
        [ids["wang"], "区外人员", "在职培训", "网络", "", "2019-05-01", "", "10", "", "", ""],
        [ids["zhang"], "科目超出", "在职培训", "网络", "", "2019-05-01", "", "3", "法治:4", "", ""],
        ["110101199001011234", "坏号码", "在职培训", "网络", "", "2019-05-01", "", "3", "", "", ""],
    ]
    data = write_table(RECORD_HEADERS, rows, fmt="xlsx")
    report, _ = records_import(data, actor=actors["unit_hr"], filename="h.xlsx")
    got = sorted((e.row, e.column, e.reason) for e in report.errors)
    assert got == [
        (3, "培训名称", "培训名称不能为空"),
        (3, "结束日期", "日期不存在：2019年13月1日"),
        (3, "考核结果", "应为 合格/不合格（或留空）"),
        (4, "身份证号", "系统中没有此人员，或不在您的管辖范围内"),
        (5, "", "科目学时合计 4.00 超过了总学时 3.00"),
        (6, "身份证号", "身份证号校验位错误"),
    ]
    assert report.written is False and LedgerEntry.objects.count() == 0
    skipped, _ = records_import(data, actor=actors["unit_hr"], filename="h.xlsx", skip_invalid=True)
    assert (skipped.created, skipped.bad_rows) == (1, 4)
    assert LedgerEntry.objects.count() == 1


def test_command_dry_run_writes_nothing(ids: dict, tmp_path: Path) -> None:
    path = tmp_path / "records.csv"
    path.write_bytes(write_table(RECORD_HEADERS, [good(ids["zhang"])], fmt="csv"))
    out = StringIO()
    call_command("import_records", str(path), "--dry-run", stdout=out)
    assert "将新增 1" in out.getvalue()
    assert LedgerEntry.objects.count() == 0
    call_command("import_records", str(path), stdout=StringIO())
    assert LedgerEntry.objects.count() == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        write_table(
            RECORD_HEADERS,
            [[ids["zhang"], "x", "午睡", "网络", "", "2019-01-01", "", "1", "", "", ""]],
            fmt="csv",
        )
    )
    with pytest.raises(CommandError, match="1 行有错误"):
        call_command("import_records", str(bad), stdout=StringIO())


@pytest.mark.django_db
def test_an_unknown_number_is_reported_with_the_province_only(tree: Any) -> None:
    # Issue 8 item 3: no more first-four/last-four masks in the import report.
    hr = testing.make_user(Role.UNIT_HR, tree["U1"])
    unknown = testing.make_id_number(dt.date(1970, 1, 1), serial=612)
    header = "身份证号,培训名称,培训类型,培训形式,开始日期,结束日期,天数,学时,科目学时"
    line = f"{unknown},专题班,thematic,off_the_job,2026-03-01,2026-03-02,,16,"
    credits, _ = records_import(f"{header}\n{line}\n".encode(), actor=hr, filename="c.csv")
    assert [e.value for e in credits.errors if e.value] == [unknown[:2] + "*" * 16]
    assert unknown not in str(credits.as_dict())
