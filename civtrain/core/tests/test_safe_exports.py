"""Every spreadsheet the platform writes shows text as text (issue 8 items 5–6): no cell a
spreadsheet would run as a formula, no control character that breaks an .xlsx."""

import csv
import io

import openpyxl
import pytest

from civtrain.core.tabular import (
    Column,
    ImportReport,
    RowError,
    error_workbook,
    read_table,
    write_table,
)
from civtrain.core.text import looks_like_formula, spreadsheet_safe

FORMULAS = ['=HYPERLINK("http://x.example/","点我")', "+SUM(1,2)", "-2+3", "@SUM(A1)", "\t=1"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_text_gets_an_apostrophe(text: str) -> None:
    assert looks_like_formula(text)
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["王五", "-5", "+86", "-", "1.5", "", 7, -2.5, None])
def test_plain_values_are_left_alone(value: object) -> None:
    assert spreadsheet_safe(value) == value


def test_control_characters_become_replacement_characters() -> None:
    assert spreadsheet_safe("张\x00三\x1b") == "张\ufffd三\ufffd"
    assert spreadsheet_safe("换\t行\n") == "换\t行\n"


def _xlsx_cells(content: bytes) -> list[list[openpyxl.cell.Cell]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows()]


def test_write_table_xlsx_and_csv_never_hold_a_live_formula_nor_a_nul() -> None:
    rows = [[name, -5, "1.5"] for name in FORMULAS] + [["张\x00三", 1, ""]]
    cells = _xlsx_cells(write_table(["姓名", "数", "文本"], rows, fmt="xlsx"))
    assert all(c.data_type != "f" for row in cells for c in row)
    assert [row[0].value for row in cells[1:]] == [*("'" + f for f in FORMULAS), "张\ufffd三"]
    assert cells[1][1].value == -5
    text = write_table(["姓名", "数", "文本"], rows, fmt="csv").decode("utf-8-sig")
    read_back = list(csv.reader(io.StringIO(text)))
    assert read_back[1:] == [
        *(["'" + f, "-5", "1.5"] for f in FORMULAS),
        ["张\ufffd三", "1", ""],
    ]


def test_the_error_workbook_keeps_formula_and_nul_rows_as_inert_text() -> None:
    data = "姓名,备注\n=1+1,x\n张\x00三,@SUM(A1)\n".encode()
    table = read_table(
        data,
        filename="a.csv",
        columns=(Column("name", "姓名", required=True), Column("note", "备注")),
    )
    report = ImportReport(kind="t", errors=[RowError(2, "姓名", "=1+1", "不行"), *table.errors])
    cells = _xlsx_cells(error_workbook(report, table))
    values = [[c.value for c in row] for row in cells]
    assert all(c.data_type != "f" for row in cells for c in row)
    assert values[1][:3] == ["'=1+1", "x", 2]
    assert values[2][:3] == ["张\ufffd三", "'@SUM(A1)", 3]
    assert values[2][3] == "姓名：含有不可见的控制字符（如 NUL），请删除后重新输入"
    flat = _xlsx_cells(error_workbook(report, None))
    assert [c.value for c in flat[1]] == [2, "姓名", "'=1+1", "不行"]


def test_every_module_that_writes_a_spreadsheet_neutralises_formulas() -> None:
    """#17 item 6, "in every export": a module that builds a workbook or CSV itself (not
    through core.tabular.write_table / core.spreadsheets, which neutralise) must pass its
    cells through spreadsheet_safe. Read as text, so a new export cannot escape the check."""
    from pathlib import Path

    import civtrain

    root = Path(civtrain.__file__).parent
    writers = ("Workbook(", "csv.writer(", "csv.DictWriter(", "add_worksheet(")
    unsafe = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if "/tests/" in rel or rel in ("core/tabular.py", "core/spreadsheets.py"):
            continue
        text = path.read_text(encoding="utf-8")
        if any(w in text for w in writers) and "spreadsheet_safe" not in text:
            unsafe.append(rel)
    assert unsafe == []
