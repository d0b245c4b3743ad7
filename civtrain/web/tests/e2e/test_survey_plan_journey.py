"""Journey of issue #16 (CQ-M1 → ZZ-O1), the loop's first step: the district bureau surveys
its units' training needs for next year; a unit answers on a phone; the bureau sees the
response rate and the results; the unit drafts its plan citing the survey, whose findings it
answers with a class; the bureau returns the plan with a reason, the unit resubmits, the
bureau files it; units that have not filed this year's plan by the deadline are overdue."""

from playwright.sync_api import expect

from civtrain.demo.steps import DemoContext
from civtrain.web.tests.e2e.conftest import AS_OF, Web

DISTRICT = ("cq_yuzhong", "Cq-Yuzhong#2026demo")
UNIT_HR = ("cq_unit_hr", "Cq-UnitHR#2026demo")
PHONE = {"width": 390, "height": 844}
TITLE = "渝中区下一年度培训需求调查"
NEXT = AS_OF.year + 1


def test_a_unit_plans_after_the_needs_survey_and_the_plan_is_returned_then_filed(
    demo: DemoContext, web: Web
) -> None:
    bureau = web.new_page()
    web.login(bureau, *DISTRICT)
    bureau.goto(f"/surveys/?year={NEXT}")
    form = bureau.locator("#survey-form")
    form.locator("#sv-title").fill(TITLE)
    form.locator("#sv-respondent").select_option(label="各单位填报")
    form.locator("#survey-create").click()
    expect(bureau.locator("#survey-status")).to_have_text("草稿")
    expect(bureau.locator("#survey-questions li")).to_have_count(6)  # the standard template
    bureau.locator("#survey-open").click()
    expect(bureau.locator("#survey-status")).to_have_text("调查中")
    rate = bureau.locator("#survey-rate")
    expect(rate).to_contain_text("0 / ")

    # The unit's HR officer answers for the unit on a phone, from the inbox message.
    phone = web.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    web.login(phone, *UNIT_HR)
    phone.goto("/inbox/")
    expect(phone.locator("body")).to_contain_text(f"请填写培训需求调查：{TITLE}")
    phone.get_by_text("前往处理").first.tap()
    row = phone.locator("#my-surveys .list-group-item", has_text=TITLE)
    row.get_by_role("link", name="去填写").tap()
    groups = phone.locator("#survey-answer fieldset")
    expect(groups).to_have_count(6)
    groups.nth(0).locator("select").nth(0).select_option(label="公文写作")
    groups.nth(0).locator("select").nth(1).select_option(label="法治")
    groups.nth(1).get_by_text("公文写作", exact=True).tap()
    groups.nth(2).get_by_text("群众工作", exact=True).tap()
    groups.nth(3).get_by_text("专题讲座").tap()
    groups.nth(4).get_by_text("2–3 天").tap()
    groups.nth(5).locator("textarea").fill("希望多安排公文写作实训")
    phone.locator("#survey-submit").tap()
    expect(phone.locator(".alert-success")).to_contain_text("调查问卷已提交")
    expect(row).to_contain_text("已填报")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    bureau.reload()
    expect(rate).to_contain_text("1 / ")
    bureau.locator("#survey-results").click()
    demand = bureau.locator("#demand-table tbody tr").first
    expect(demand).to_contain_text("公文写作")
    expect(demand).to_contain_text("100.0%")
    expect(bureau.locator("body")).to_contain_text("希望多安排公文写作实训")
    expect(bureau.locator("#demand-chart canvas")).to_have_count(1)

    # The unit drafts next year's plan citing the survey: 公文写作 asked for, not yet planned.
    unit = web.new_page()
    web.login(unit, *UNIT_HR)
    unit.goto(f"/plans/?year={NEXT}")
    unit.locator("#plan-open").click()
    unit.locator("#plan-survey-select").select_option(label=f"{TITLE}（{NEXT}）")
    unit.locator("#plan-survey-attach").click()
    findings = unit.locator("#survey-findings")
    writing = findings.locator("tr", has_text="公文写作")
    expect(writing).to_contain_text("未安排")
    form = unit.locator("#planned-form")
    form.locator("#pc-title").fill("公文写作能力提升班")
    form.locator("#pc-size").fill("40")
    form.locator("#pc-hours").fill("16")
    form.locator("#pc-subjects").select_option(label="公文写作")
    form.get_by_role("button", name="添加").click()
    expect(writing).to_contain_text("1")
    expect(writing).not_to_contain_text("未安排")
    unit.locator("#plan-submit").click()
    expect(unit.locator("#plan-status")).to_have_text("已报送")
    plan_url = unit.url

    bureau.goto(plan_url)
    expect(bureau.locator("#plan-survey")).to_contain_text(TITLE)
    bureau.locator("#return-reason").fill("调查中法治需求未安排，请补充")
    bureau.locator("#plan-return").click()
    expect(bureau.locator("#plan-status")).to_have_text("已退回")

    unit.reload()
    expect(unit.locator("#plan-history")).to_contain_text("调查中法治需求未安排")
    form.locator("#pc-title").fill("依法行政专题班")
    form.locator("#pc-size").fill("40")
    form.locator("#pc-hours").fill("8")
    form.locator("#pc-subjects").select_option(label="法治")
    form.get_by_role("button", name="添加").click()
    expect(findings.locator("tr", has_text="法治")).not_to_contain_text("未安排")
    unit.locator("#plan-submit").click()
    expect(unit.locator("#plan-status")).to_have_text("已报送")

    bureau.reload()
    bureau.locator("#plan-file").click()
    expect(bureau.locator("#plan-status")).to_have_text("已备案")

    # This year's deadline (27 June) has passed: the district's units without a filed plan.
    bureau.goto(f"/plans/overdue/?year={AS_OF.year}")
    overdue = bureau.locator("#overdue-table tbody tr")
    expect(overdue.filter(has_text="未编制").first).to_be_visible()
    web.assert_clean()
