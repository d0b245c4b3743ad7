"""Journey 3: a learner on a phone sees this year's compliance progress bars and their
training record (issue 4 §6 the learner's own progress: NAT-3 "… / 90 学时", NAT-5 online
hours; ZZ-M3 the record of type, time and credits)."""

import re

from playwright.sync_api import expect

from civtrain.accounts.api import Role
from civtrain.demo.accounts import LEARNER_PASSWORDS
from civtrain.demo.steps import DemoContext
from civtrain.web.tests.e2e.conftest import AS_OF, Web

PHONE = {"width": 390, "height": 844}
# "12 / 90 学时", "0 / 1 次": achieved / required and the rule's unit.
BAR_LABEL = re.compile(r"^(?P<achieved>\d+(\.\d+)?) / (?P<required>\d+(\.\d+)?) \S+$")


def test_learner_on_a_phone_sees_progress_bars_and_training_record(
    demo: DemoContext, web: Web
) -> None:
    # The law-enforcement learner whose login `demo-data` prints ("唐清倩，行政执法类").
    learners = [a for a in demo.accounts if a.role_label == Role.LEARNER.label]
    account = next(a for a in learners if a.password == LEARNER_PASSWORDS[0])
    learner_name = account.note.split("，")[0]

    page = web.new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=3)
    web.login(page, account.username, account.password)

    progress = page.locator("#learner-progress")
    expect(progress).to_be_visible()
    expect(progress.locator(".card-title")).to_have_text(f"{AS_OF.year} 年度培训达标进度")
    bars = progress.locator(".compliance-bar")
    labels = [t.strip() for t in bars.locator(".fw-bold").all_inner_texts()]
    assert labels, "no progress bar shown"
    assert any(label.endswith(" 学时") for label in labels), labels
    for i, label in enumerate(labels):
        # The bar is as full as the label says (capped at 100 %).
        match = BAR_LABEL.match(label)
        assert match, label
        achieved, required = float(match["achieved"]), float(match["required"])
        percent = 100 if required <= 0 else min(100, round(100 * achieved / required))
        bar = bars.nth(i).locator("[role=progressbar]")
        expect(bar).to_have_attribute("aria-valuenow", str(percent))
    # Each bar fits the phone's width (no sideways scrolling).
    for box in (bars.nth(i).bounding_box() for i in range(bars.count())):
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"]

    # The menu is folded on a phone: open it, then the training record.
    page.locator(".navbar-toggler").tap()
    page.locator("#sidebar-menu").get_by_role("link", name="我的培训档案").tap()
    expect(page.locator("h1.page-title")).to_have_text(f"培训档案：{learner_name}")
    totals = page.locator("#year-totals .card")
    expect(totals.first).to_contain_text("学时")
    expect(page.locator("#record-table tbody tr").first).to_be_visible()
    web.assert_clean()
