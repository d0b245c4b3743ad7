"""Journey of issue #16 (ZZ-O1): a unit drafts next year's annual plan and submits it; the
city bureau returns it with a reason; the unit adds what was missing and resubmits; the
bureau files it. This year's plans are past their deadline (27 June; the demo's date is in
November): units that have not filed are on the overdue list, and the unit, whose plan the
demo filed, is not."""

from playwright.sync_api import expect

from civtrain.demo.steps import DemoContext
from civtrain.web.tests.e2e.conftest import AS_OF, Web

CITY = ("cq_city", "Cq-City#2026demo")
UNIT_HR = ("cq_unit_hr", "Cq-UnitHR#2026demo")
UNIT_CODE = "500103003"  # cq_unit_hr's unit
NEXT = AS_OF.year + 1  # the demo has filed this year's plan and begun next year's


def _add_class(page: object, title: str, subject: str) -> None:
    form = page.locator("#planned-form")  # type: ignore[attr-defined]
    form.locator("#pc-title").fill(title)
    form.locator("#pc-size").fill("40")
    form.locator("#pc-hours").fill("16")
    form.locator("#pc-budget").fill("20000")
    form.locator("#pc-subjects").select_option(label=subject)
    form.get_by_role("button", name="添加").click()
    expect(page.locator(".alert-success")).to_contain_text("计划班次已添加")  # type: ignore[attr-defined]


def test_plan_is_returned_resubmitted_filed_and_the_overdue_list_names_the_rest(
    demo: DemoContext, web: Web
) -> None:
    unit = web.new_page()
    web.login(unit, *UNIT_HR)
    unit.goto(f"/plans/?year={NEXT}")
    unit.locator("#plan-open").click()
    expect(unit.locator("h1.page-title")).to_contain_text(f"{NEXT} 年度培训计划")
    _add_class(unit, "依法行政专题培训班", "法治")
    unit.locator("#plan-submit").click()
    expect(unit.locator("#plan-status")).to_have_text("已报送")
    plan_url = unit.url

    bureau = web.new_page()
    web.login(bureau, *CITY)
    bureau.goto(plan_url)
    bureau.locator("#return-reason").fill("请补充公文写作培训")
    bureau.locator("#plan-return").click()
    expect(bureau.locator("#plan-status")).to_have_text("已退回")

    unit.reload()
    expect(unit.locator("#plan-history")).to_contain_text("请补充公文写作培训")
    _add_class(unit, "公文写作能力提升班", "公文写作")
    unit.locator("#plan-submit").click()
    expect(unit.locator("#plan-status")).to_have_text("已报送")

    bureau.reload()
    bureau.locator("#plan-file").click()
    expect(bureau.locator("#plan-status")).to_have_text("已备案")
    history = bureau.locator("#plan-history li")
    expect(history).to_have_count(4)

    bureau.goto(f"/plans/overdue/?year={AS_OF.year}")
    overdue = bureau.locator("#overdue-table tbody tr")
    expect(overdue.filter(has_text="未编制").first).to_be_visible()
    expect(bureau.locator("#overdue-table")).to_contain_text(f"{AS_OF.year}-06-27")
    expect(bureau.locator("#overdue-table")).not_to_contain_text(UNIT_CODE)
    web.assert_clean()
