"""Journey (issue #11 item 2): a city official pages through the compliance list, filters it,
saves the filter under a name and applies it again later."""

import datetime as dt
import re
from typing import Any

import pytest
from django.db import transaction
from playwright.sync_api import expect

from civtrain import testing
from civtrain.core import clock
from civtrain.demo.steps import DemoContext, run_all
from civtrain.web.tests.e2e.conftest import AS_OF, Web

PEOPLE = 240  # enough for 重庆 to fill more than one page of 50


@pytest.fixture
def demo(live_server: Any, settings: Any) -> DemoContext:
    """The conftest's demo, larger."""
    settings.CIVTRAIN_JOBS_INLINE = True
    clock.freeze(dt.datetime(AS_OF.year, AS_OF.month, AS_OF.day, 10, 0, tzinfo=clock.TZ))
    with transaction.atomic():
        testing.reseed_migration_data()
        return run_all(DemoContext(seed=1, people=PEOPLE, as_of=AS_OF))


def _total(page: Any) -> int:
    text = page.locator("#compliance-count").inner_text()
    found = re.search(r"共 (\d+) 人", text)
    assert found, text
    return int(found.group(1))


def test_city_pages_filters_and_saves_the_compliance_list(demo: DemoContext, web: Web) -> None:
    page = web.new_page(viewport={"width": 1366, "height": 768})
    web.login(page, "cq_city", "Cq-City#2026demo")
    page.locator("#sidebar-menu").get_by_role("link", name="培训达标").click()
    expect(page.locator("#compliance-count")).to_contain_text("共")
    total = _total(page)
    assert total > 50
    expect(page.get_by_text(f"第 1–50 条，共 {total} 条")).to_be_visible()
    assert page.locator("#compliance-people tbody tr").count() == 50

    page.get_by_role("link", name="下一页").click()
    expect(page.get_by_text(re.compile(rf"第 51–\d+ 条，共 {total} 条"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"page=2"))

    page.select_option("#f-risk", "not_yet")
    expect(page).to_have_url(re.compile(r"risk=not_yet"))
    expect(page.locator("#compliance-count")).not_to_have_text(f"共 {total} 人")
    behind = _total(page)
    assert 0 < behind < total
    rows = page.locator("#compliance-people tbody tr")
    assert all("还差" in text for text in rows.all_inner_texts())

    page.fill("#saved-filter-form input[name=name]", "有未完成")
    page.locator("#saved-filter-form button[type=submit]").click()
    expect(page.get_by_text("已保存筛选条件“有未完成”")).to_be_visible()

    page.goto("/compliance/")
    assert _total(page) == total
    page.locator("#saved-filters").get_by_role("link", name="有未完成").click()
    expect(page.locator("#f-risk")).to_have_value("not_yet")
    assert _total(page) == behind
