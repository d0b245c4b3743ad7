"""Journey 4: the city and district completion dashboard draws its ECharts bar chart from the
stored compliance snapshots, and drills down from the city into a district (issue 4 §6;
ZZ-O2/CQ-O1 progress per unit)."""

from typing import Any

from playwright.sync_api import expect

from civtrain.demo.steps import DemoContext
from civtrain.web.tests.e2e.conftest import AS_OF, Web

DISTRICT = "500103"  # 渝中区, cq_yuzhong's district in the demo data


def _chart_matches_table(page: Any) -> list[str]:
    """The chart is drawn (a canvas with a size) and shows the table's units in its order."""
    canvas = page.locator("#completion-chart canvas")
    expect(canvas.first).to_be_visible()
    box = canvas.first.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 200
    names = [
        n.strip() for n in page.locator("#completion-table tbody td:first-child").all_inner_texts()
    ]
    assert names
    on_chart = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('completion-chart'))"
        ".getOption().yAxis[0].data"
    )
    assert [n.replace("（本级）", "").strip() for n in names] == on_chart
    return on_chart


def test_city_and_district_dashboards_draw_the_completion_chart(
    demo: DemoContext, web: Web
) -> None:
    district = demo.orgs[DISTRICT]

    page = web.new_page()
    web.login(page, "cq_city", "Cq-City#2026demo")
    page.locator("#sidebar-menu").get_by_role("link", name="单位完成率").click()
    expect(page.locator("h1.page-title")).to_have_text(
        f"重庆市 · {AS_OF.year} 年度各单位培训完成率"
    )
    assert district.name in _chart_matches_table(page)

    row = page.locator("#completion-table tbody tr", has_text=district.name)
    row.get_by_role("link", name="下钻").click()
    expect(page.locator("h1.page-title")).to_have_text(
        f"{district.name} · {AS_OF.year} 年度各单位培训完成率"
    )
    city_view = _chart_matches_table(page)

    # The district's own official lands on the same view of their district.
    page = web.new_page()
    web.login(page, "cq_yuzhong", "Cq-Yuzhong#2026demo")
    page.locator("#sidebar-menu").get_by_role("link", name="单位完成率").click()
    expect(page.locator("h1.page-title")).to_have_text(
        f"{district.name} · {AS_OF.year} 年度各单位培训完成率"
    )
    assert _chart_matches_table(page) == city_view
    web.assert_clean()
