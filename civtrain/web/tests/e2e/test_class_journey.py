"""Journey: the city bureau edits a planned class in Chinese and the class keeps its dates
(#11 item 4: the edit form showed the dates as 2026/12/23, which a date field discards)."""

import datetime as dt
from typing import Any

from playwright.sync_api import expect

from civtrain.demo.steps import DemoContext
from civtrain.web.tests.e2e.conftest import AS_OF, Web

PLANNED_CODE = f"CQ{AS_OF.year}-ZT-02"  # the demo's planned class, 30–31 days after as-of


def _open_class(page: Any, code: str, title: str) -> None:
    """From the class list, searched by code, to the class's page."""
    page.goto("/classes/")
    page.fill("#id_q", code)
    page.press("#id_q", "Enter")
    page.locator("#class-table a, table a", has_text=title).first.click()
    expect(page.locator("h1.page-title")).to_contain_text(title)


def test_edited_class_keeps_its_dates_in_chinese(demo: DemoContext, web: Web) -> None:
    start, end = AS_OF + dt.timedelta(days=30), AS_OF + dt.timedelta(days=31)
    page = web.new_page()
    web.login(page, "cq_city", "Cq-City#2026demo")
    _open_class(page, PLANNED_CODE, f"{AS_OF.year}年公文写作能力提升班")
    page.get_by_role("link", name="修改").click()
    expect(page.locator("h1.page-title")).to_contain_text("修改培训班")
    # The date fields show the class's dates (an ISO value; the browser formats it).
    expect(page.locator("#id_start_date")).to_have_value(start.isoformat())
    expect(page.locator("#id_end_date")).to_have_value(end.isoformat())

    page.locator("#id_title").fill(f"{AS_OF.year}年公文写作能力提升班（第二期）")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("培训班已保存")
    expect(page.locator("h1.page-title")).to_contain_text("（第二期）")
    expect(page.locator("dd", has_text=" ~ ")).to_contain_text(f"{start:%Y-%m-%d} ~ {end:%Y-%m-%d}")
    # Opened again, the form still holds both dates.
    page.get_by_role("link", name="修改").click()
    expect(page.locator("#id_start_date")).to_have_value(start.isoformat())
    expect(page.locator("#id_end_date")).to_have_value(end.isoformat())
    web.assert_clean()
