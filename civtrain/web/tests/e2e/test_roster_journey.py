"""Journey 2: a unit HR officer uploads a roster with bad rows, reads each one's Excel row
number and reason, nothing is written; the corrected file adds the people (issue 2 item 5)."""

import datetime as dt
import io
import re
from typing import Any

from openpyxl import Workbook
from playwright.sync_api import expect

from civtrain.demo.steps import DemoContext
from civtrain.testing import make_id_number
from civtrain.web.tests.e2e.conftest import Web

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HR_UNIT = "500103003"  # cq_unit_hr's unit in the demo data (渝中区司法局)
OTHER_CITY_UNIT = "410105001"  # 郑州 — outside the officer's jurisdiction
HEADER = ["姓名", "身份证号", "性别", "单位编码", "人员类别", "职级", "报到日期"]
SURNAME = "欧阳"  # no demo name starts with it, so a search finds only these rows


def _people() -> list[dict[str, str]]:
    """Five valid rows for the officer's own unit."""
    return [
        {
            "姓名": f"{SURNAME}{given}",
            "身份证号": make_id_number(dt.date(1992, 4, day), "500103", 800 + day),
            "性别": "男" if day % 2 else "女",
            "单位编码": HR_UNIT,
            "人员类别": "综合管理类",
            "职级": "一级科员",
            "报到日期": "2015-03-01",
        }
        for day, given in enumerate(["明远", "思齐", "文博", "雅琴", "浩然"], start=1)
    ]


def _roster(rows: list[dict[str, str]]) -> dict[str, Any]:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append([row[column] for column in HEADER])
    buffer = io.BytesIO()
    book.save(buffer)
    return {"name": "名册.xlsx", "mimeType": XLSX, "buffer": buffer.getvalue()}


def _upload(page: Any, roster: dict[str, Any]) -> None:
    page.goto("/people/import/")
    expect(page.locator("h1.page-title")).to_have_text("名册导入")
    page.set_input_files("#id_file", files=[roster])
    page.locator("#import-form button[type=submit]").click()
    expect(page.locator("#import-summary")).to_be_visible()


def _search(page: Any, text: str) -> Any:
    page.goto("/people/")
    page.fill("#id_q", text)
    page.press("#id_q", "Enter")
    page.wait_for_url("**/people/?q=*")
    return page.locator("#people-table tbody tr")


def test_unit_hr_sees_every_bad_row_then_imports_the_corrected_roster(
    demo: DemoContext, web: Web
) -> None:
    good = _people()
    bad = [dict(row) for row in good]
    id_number = bad[1]["身份证号"]
    bad[1]["身份证号"] = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")  # row 3
    bad[2]["单位编码"] = OTHER_CITY_UNIT  # Excel row 4
    bad[4]["报到日期"] = "2015-02-30"  # Excel row 6

    page = web.new_page()
    web.login(page, "cq_unit_hr", "Cq-UnitHR#2026demo")
    _upload(page, _roster(bad))

    expect(page.locator("#import-summary")).to_have_class(re.compile(r"\balert-danger\b"))
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(3)
    table = [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in errors.all()]
    where = [(row[0], row[1]) for row in table]  # Excel row number, column header
    assert where == [("3", "身份证号"), ("4", "单位编码"), ("6", "报到日期")]
    assert "校验位" in table[0][3]
    assert "管辖范围" in table[1][3]
    assert "2015-02-30" in table[2][2] and "不存在" in table[2][3]
    # The report masks the ID number it quotes.
    assert bad[1]["身份证号"] not in page.content()

    # All or nothing: not even the two good rows were written.
    rows = _search(page, SURNAME)
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_text("没有符合条件的人员。")

    _upload(page, _roster(good))
    expect(page.locator("#import-summary")).to_have_class(re.compile(r"\balert-success\b"))
    expect(page.locator("#import-errors")).to_have_count(0)

    rows = _search(page, SURNAME)
    expect(rows).to_have_count(len(good))
    names = rows.locator("td.person-name").all_inner_texts()
    assert sorted(names) == sorted(r["姓名"] for r in good)
    # Listed with their ID numbers masked.
    assert sorted(rows.locator("td.person-id").all_inner_texts()) == sorted(
        r["身份证号"][:2] + "*" * 16 for r in good
    )
    web.assert_clean()
