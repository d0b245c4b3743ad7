"""Hostile files through the generic reader (issue 8 items 4 and 6): each one a clear
error, never a crash, and the bombs read within a 1 GB address space.

Every file is generated here; nothing binary is committed.
"""

import csv
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from civtrain.core import spreadsheets
from civtrain.core.tabular import Column, TabularError, read_table

COLUMNS = (Column("name", "姓名", required=True), Column("note", "备注"))
GIB = 1024 * 1024 * 1024

_OOXML = "http://schemas.openxmlformats.org"
_PKG_RELS = f"{_OOXML}/package/2006/relationships"
_DOC_RELS = f"{_OOXML}/officeDocument/2006/relationships"
_SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    f'<Types xmlns="{_OOXML}/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_SHEET_CT}.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    f'ContentType="{_SHEET_CT}.worksheet+xml"/></Types>'
)
_ROOT_RELS = (
    f'<Relationships xmlns="{_PKG_RELS}"><Relationship Id="rId1" '
    f'Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    f'<workbook xmlns="{_OOXML}/spreadsheetml/2006/main" xmlns:r="{_DOC_RELS}">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    f'<Relationships xmlns="{_PKG_RELS}"><Relationship Id="rId1" '
    f'Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def cell(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def xlsx(sheet_data: Iterable[bytes], *, dimension: str | None = None) -> bytes:
    """A minimal .xlsx whose first sheet's <sheetData> is `sheet_data` (streamed in)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<worksheet xmlns="{_OOXML}/spreadsheetml/2006/main">'.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for chunk in sheet_data:
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def dimension_bomb(*, declared: bool) -> bytes:
    """The issue's 4.9 KB file: cells at A1 and XFD1048576 (a 512 GiB dense block)."""
    rows = [
        b'<row r="1">' + cell("A1", "姓名") + b"</row>",
        b'<row r="1048576">' + cell("XFD1048576", "x") + b"</row>",
    ]
    return xlsx(rows, dimension="A1:XFD1048576" if declared else None)


def decompression_bomb(megabytes: int = 500) -> bytes:
    """A header row, then `megabytes` MB of XML whitespace: about 0.5 MB zipped."""
    chunk = b" " * (1024 * 1024)
    return xlsx(
        [b'<row r="1">' + cell("A1", "姓名") + b"</row>", *(chunk for _ in range(megabytes))]
    )


def read_in_limited_process(tmp_path: Path, data: bytes, filename: str) -> dict[str, Any]:
    """read_table in a fresh interpreter whose address space is capped at 1 GiB: it must
    come back with an answer (no abort, no MemoryError)."""
    path = tmp_path / filename
    path.write_bytes(data)
    program = f"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({GIB}, {GIB}))
from civtrain.core.errors import ApplicationError
from civtrain.core.tabular import Column, read_table
try:
    columns = [Column("name", "姓名", required=True)]
    table = read_table(sys.argv[1], filename=sys.argv[2], columns=columns)
    print(json.dumps({{"rows": len(table.rows)}}))
except ApplicationError as exc:
    print(json.dumps({{"code": exc.code, "message": exc.message}}, ensure_ascii=False))
"""
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed program
        [sys.executable, "-c", program, str(path), filename],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_the_dimension_bomb_is_refused_with_a_clear_message_in_1_gib(tmp_path: Path) -> None:
    data = dimension_bomb(declared=True)
    assert len(data) < 5000
    answer = read_in_limited_process(tmp_path, data, "bomb.xlsx")
    assert answer["code"] == "tabular.too_large"
    assert answer["message"].startswith("表格的使用范围有 1048576 行 × 16384 列，超出导入上限")


def test_a_dimension_bomb_that_hides_its_extent_dies_in_the_child_not_here(
    tmp_path: Path,
) -> None:
    # No <dimension>: nothing to check before parsing; the child's memory limit stops it.
    answer = read_in_limited_process(tmp_path, dimension_bomb(declared=False), "bomb.xlsx")
    assert answer["code"] == "tabular.too_large"
    assert "单元格范围过大" in answer["message"]


def test_the_decompression_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    data = decompression_bomb()
    assert len(data) < 1024 * 1024
    answer = read_in_limited_process(tmp_path, data, "bomb.xlsx")
    assert answer["code"] == "tabular.too_large"
    assert "压缩比异常" in answer["message"]
    assert "xl/worksheets/sheet1.xml" in answer["message"]


def test_too_much_xml_in_all_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheets, "MAX_UNZIPPED_BYTES", 1024)
    data = xlsx([b'<row r="1">' + cell("A1", "姓名") + b"</row>"] * 20)
    with pytest.raises(TabularError) as caught:
        read_table(data, filename="a.xlsx", columns=COLUMNS)
    assert caught.value.code == "tabular.too_large"
    assert "文件解压后有" in caught.value.message


def test_a_non_spreadsheet_renamed_xlsx_xls_or_ods_is_unreadable() -> None:
    for filename in ("a.xlsx", "a.xls", "a.ods"):
        with pytest.raises(TabularError) as caught:
            read_table(b"%PDF-1.4 not a spreadsheet\n" * 50, filename=filename, columns=COLUMNS)
        assert caught.value.code == "tabular.unreadable"
        assert "不是改了扩展名的其他文件" in caught.value.message


def test_row_and_column_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 5)
    rows = [b'<row r="1">' + cell("A1", "姓名") + b"</row>"]
    rows += [f'<row r="{n}">'.encode() + cell(f"A{n}", "王五") + b"</row>" for n in range(2, 40)]
    with pytest.raises(TabularError) as caught:
        read_table(xlsx(rows), filename="a.xlsx", columns=COLUMNS)
    assert caught.value.message.startswith("表格的使用范围有 39 行 × 1 列")
    text = "姓名\n" + "王五\n" * 38
    with pytest.raises(TabularError) as caught:
        read_table(text.encode(), filename="a.csv", columns=COLUMNS)
    assert caught.value.message.startswith("表格的使用范围有 16 行 × 1 列")
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 200_000)
    wide = "姓名" + "," * 300 + "\n王五\n"
    with pytest.raises(TabularError) as caught:
        read_table(wide.encode(), filename="a.csv", columns=COLUMNS)
    assert "1 行 × 301 列" in caught.value.message


def test_a_file_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheets, "MAX_FILE_BYTES", 100)
    with pytest.raises(TabularError) as caught:
        read_table(b"\xe5\xa7\x93\xe5\x90\x8d\n" * 40, filename="a.csv", columns=COLUMNS)
    assert caught.value.code == "tabular.too_large"


def test_a_200_kb_csv_field_is_a_clear_error_not_a_traceback() -> None:
    text = "姓名,备注\n王五," + "长" * 200_000 + "\n"
    with pytest.raises(TabularError) as caught:
        read_table(text.encode(), filename="a.csv", columns=COLUMNS)
    assert caught.value.message == (
        f"CSV 文件第 2 行有单元格超过 {csv.field_size_limit()} 个字符，无法导入"
    )


def test_gbk_and_utf8_with_bom_csv_read_the_same() -> None:
    text = "姓名,备注\n欧阳修,醉翁亭记\n"
    for data in (text.encode("gbk"), ("\ufeff" + text).encode("utf-8")):
        table = read_table(data, filename="a.csv", columns=COLUMNS)
        assert [r.values for r in table.rows] == [{"name": "欧阳修", "note": "醉翁亭记"}]


def test_nul_and_other_control_characters_reject_the_row_and_name_it() -> None:
    text = "姓名,备注\n王五,好\n张\x00三,好\n李四,坏\x07\n赵六,换\t行\n"
    table = read_table(text.encode(), filename="a.csv", columns=COLUMNS)
    assert [r.number for r in table.rows] == [2, 5]  # a tab is allowed
    assert [r.number for r in table.rejected] == [3, 4]
    assert [(e.row, e.column, e.value) for e in table.errors] == [
        (3, "姓名", ""),
        (4, "备注", ""),
    ]
    assert table.errors[0].reason == "含有不可见的控制字符（如 NUL），请删除后重新输入"


def test_a_nul_escaped_in_xlsx_xml_is_rejected_too() -> None:
    # Excel's XML escape _x0000_ decodes to NUL.
    rows = [b'<row r="1">' + cell("A1", "姓名") + b"</row>"]
    rows += [b'<row r="2">' + cell("A2", "张_x0000_三") + b"</row>"]
    table = read_table(xlsx(rows), filename="a.xlsx", columns=COLUMNS)
    assert table.rows == []
    assert [(e.row, e.column) for e in table.errors] == [(2, "姓名")]


def test_a_plain_workbook_still_reads_with_leading_blank_rows_and_columns() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["C3"] = "姓名"
    ws["D3"] = "备注"
    ws["C4"] = "王五"
    ws["D5"] = 1.5
    out = io.BytesIO()
    wb.save(out)
    table = read_table(out.getvalue(), filename="a.xlsx", columns=COLUMNS)
    assert [(r.number, r.values) for r in table.rows] == [
        (4, {"name": "王五", "note": ""}),
        (5, {"name": "", "note": 1.5}),
    ]
