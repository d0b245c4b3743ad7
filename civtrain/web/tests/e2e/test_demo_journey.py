"""Journey (issue #11 item 8 and the roster export of item 2): the demo shows the point.

The demo HR officer of 渝中区司法局 logs in, sees on the home page that people of the unit
are behind, opens the list of those who missed a deadline and the reasons it states, then a
person's page. The organiser (the 重庆市 bureau) opens the roster of the class whose results
are final, exports it and opens the file: one row per trainee, with the failed result and
the institution's withdrawal (退学) and its reason."""

import io
import re
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from civtrain.demo.accounts import STAFF
from civtrain.demo.steps import DemoContext
from civtrain.web.tests.e2e.conftest import Web

PASSWORDS = {username: password for _, username, password, _ in STAFF}
DESKTOP = {"width": 1366, "height": 768}


def test_hr_officer_sees_people_behind_and_their_reasons(demo: DemoContext, web: Web) -> None:
    page = web.new_page(viewport=DESKTOP)
    web.login(page, "cq_unit_hr", PASSWORDS["cq_unit_hr"])
    task = page.get_by_role("link", name=re.compile(r"^\d+ 人有培训要求逾期未完成"))
    expect(task).to_be_visible()
    missed = int(re.match(r"\d+", task.inner_text()).group(0))  # type: ignore[union-attr]
    expect(
        page.get_by_role("link", name=re.compile(r"^\d+ 人本年度还有培训要求未完成"))
    ).to_be_visible()
    task.click()
    expect(page.locator("#compliance-count")).to_have_text(f"共 {missed} 人")
    rows = page.locator("#compliance-people tbody tr")
    expect(rows).to_have_count(missed)
    # The overdue new hire: initial training missed, so no appointment and grading (NAT-1).
    hire = rows.filter(has_text="试用期内初任培训").first
    expect(hire).to_contain_text("不能任职定级")
    expect(hire.locator(".badge.bg-red-lt").first).to_be_visible()
    name = hire.locator("td a").first.inner_text()
    hire.locator("td a").first.click()
    expect(page.locator("h1.page-title")).to_contain_text(name)
    expect(page.get_by_text("渝中区司法局").first).to_be_visible()
    web.assert_clean()


def test_organiser_exports_a_class_roster_and_opens_it(demo: DemoContext, web: Web) -> None:
    page = web.new_page(viewport=DESKTOP, accept_downloads=True)
    web.login(page, "cq_city", PASSWORDS["cq_city"])
    page.goto("/classes/")
    page.locator("#class-table tr", has_text="成绩已确认").get_by_role("link").first.click()
    expect(page.locator("#class-status")).to_have_text("成绩已确认")
    title = page.locator("h1.page-title").evaluate("h => h.firstChild.textContent.trim()")
    page.get_by_role("link", name="学员名单").click()
    roster = page.locator("#roster-table tbody tr")
    expect(roster.first).to_be_visible()
    names = sorted(roster.evaluate_all("rows => rows.map(r => r.dataset.person)"))
    with page.expect_download() as download:
        page.locator("#roster-export button[type=submit]").click()
    assert download.value.suggested_filename == f"{title}学员名单.xlsx"
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    for column in (
        "姓名",
        "单位",
        "登录名",
        "状态",
        "出勤（次）",
        "请假学时",
        "结果",
        "退出/退学原因",
    ):
        assert column in header, header
    by_name = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert sorted(by_name) == names
    results = [r["结果"] for r in by_name.values()]
    assert "不合格" in results and "合格" in results
    dropped = [r for r in by_name.values() if r["状态"] == "退学"]
    assert len(dropped) == 1 and "连续两次无故缺课" in dropped[0]["退出/退学原因"]
    assert all(re.fullmatch(r"\d{2}\*{16}", r["身份证号（脱敏）"]) for r in by_name.values())
    assert all(r["登录名"].startswith("gwy") for r in by_name.values())
    web.assert_clean()
