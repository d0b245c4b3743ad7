"""Journey (issue #14 items 2 and 6; review item 1): the district's organiser makes, in the
pages, a fixed paper (questions ticked, points each) with candidates added by a unit typed by
name, and the year-end online test (ZZ-N3: a scope typed by name (#11 item 3), window, a
blueprint paper, retakes); a candidate on a
phone (390×844) finds both, sits the year-end test, submits it and sees that they passed."""

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from civtrain import testing
from civtrain.accounts.api import SYSTEM, user_password_set
from civtrain.core import clock
from civtrain.demo.steps import DemoContext
from civtrain.exams import api as exams
from civtrain.web.tests.e2e.conftest import Web, choose

ORGANISER, ORGANISER_PASSWORD = "cq_yuzhong", "Cq-Yuzhong#2026demo"
PASSWORD = "Kandidat-2026#forms"
START = dt.datetime(2026, 11, 23, 10, 0, tzinfo=clock.TZ)
GIFT = """::宪法:: 我国的根本大法是 {=宪法 ~刑法 ~民法典}

::施行:: 公务员法自{=2019 =二〇一九}年6月1日起施行。

::培训:: 公务员每年参加培训的时间累计不少于12天。{T}
"""


@pytest.fixture
def office(demo: DemoContext) -> dict[str, Any]:
    """The district's bank of three questions and a candidate with a password in one of its
    units (built before the browser starts: see the conftest)."""
    district, unit = demo.orgs["500103"], demo.orgs["500103003"]
    bank = exams.bank_create(actor=SYSTEM, name="年终测试题库", org_id=district.id, subject="宪法")
    exams.questions_import(
        actor=SYSTEM, bank_id=bank.pk, parsed=exams.parse_file(GIFT.encode(), "gift")
    )
    person = testing.make_person(unit, "年终考生")
    user = user_password_set(actor=SYSTEM, user_id=person.user_id or 0, password=PASSWORD)
    clock.freeze(START)
    return {
        "bank": bank.pk,
        "district": (district.code, district.name),
        "unit": (unit.code, unit.name),
        "user": user.username,
    }


def test_organiser_makes_a_paper_and_the_year_end_test_and_a_candidate_passes_it(
    office: dict[str, Any], web: Web
) -> None:
    page = web.new_page()
    web.login(page, ORGANISER, ORGANISER_PASSWORD)

    # a fixed paper: the bank's questions shown, all three ticked, 2 points each
    page.goto("/exams/")
    page.locator("#new-paper").click()
    page.fill("#f-title", "宪法知识小测")
    page.locator(f"button[data-bank='{office['bank']}']").click()
    for box in page.locator(f"[data-bank-questions='{office['bank']}'] input[name=q]").all():
        box.check()
    page.fill("#f-pass", "4")
    page.fill("#f-limit", "20")
    page.locator("#create-paper").click()
    expect(page.locator("h1")).to_have_text("宪法知识小测")
    expect(page.locator("#paper-rows tbody tr")).to_have_count(3)
    unit_code, unit_name = office["unit"]
    choose(page, "#c-org_id", unit_name, unit_code, keyboard=True)
    expect(page.locator("#c-org_id")).to_have_value(unit_name)
    page.locator("#add-candidates").click()
    expect(page.locator(".alert-success")).to_contain_text("已添加考生")

    # the year-end test: the district, a week's window, drawn from the bank, two attempts
    page.goto("/exams/")
    page.locator("#new-campaign").click()
    page.fill("#f-title", "2026年度网上学习测试（渝中区）")
    district_code, district_name = office["district"]
    choose(page, "#f-org_id", district_name, district_code, keyboard=False)
    expect(page.locator("#f-org_id")).to_have_value(district_name)
    page.fill("#f-opens", "2026-11-23T09:00")
    page.fill("#f-closes", "2026-11-30T18:00")
    page.locator("#kind-blueprint").check()
    page.locator("select[name=row0_bank]").select_option(str(office["bank"]))
    page.locator("select[name=row0_kind]").select_option("single")
    page.fill("input[name=row0_count]", "1")
    page.fill("input[name=row0_points]", "2")
    page.locator("select[name=row1_bank]").select_option(str(office["bank"]))
    page.locator("select[name=row1_kind]").select_option("true_false")
    page.fill("input[name=row1_count]", "1")
    page.fill("input[name=row1_points]", "2")
    page.fill("#f-pass", "3")
    page.fill("#f-attempts", "2")
    page.locator("#create-campaign").click()
    expect(page.locator("h1")).to_have_text("2026年度网上学习测试（渝中区）")
    expect(page.locator("#rate-table")).to_contain_text("合计")

    # the candidate, on a phone
    phone = web.new_page(viewport={"width": 390, "height": 844})
    web.login(phone, office["user"], PASSWORD)
    phone.goto("/exams/")
    mine = phone.locator("#my-exams")
    expect(mine).to_contain_text("宪法知识小测")
    mine.get_by_text("2026年度网上学习测试（渝中区）").click()
    phone.locator("#start-attempt").click()
    expect(phone.locator("#time-left")).to_have_text(re.compile(r"^(60:00|59:[0-5]\d)$"))
    expect(phone.locator(".question")).to_have_count(2)
    phone.locator(".question", has_text="根本大法").get_by_label("宪法").check()
    expect(phone.locator("#save-status")).to_contain_text("已保存")
    phone.locator("#save-status").evaluate("e => e.textContent = ''")
    phone.locator(".question", has_text="12天").get_by_label("正确").check()
    expect(phone.locator("#save-status")).to_contain_text("已保存")
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.locator("#submit-attempt").click()
    attempts = phone.locator("#my-attempts")
    expect(attempts).to_contain_text("通过")
    expect(attempts).to_contain_text("4 / 4")
    expect(phone.locator("#start-attempt")).to_have_text("再次作答")  # a retake is left
    web.assert_clean()
