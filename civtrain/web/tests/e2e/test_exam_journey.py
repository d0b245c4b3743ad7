"""Journey: a candidate's connection drops mid-exam (issue #14 must-show). On a phone-sized
page the candidate starts a 30-minute paper, answers two questions (each saved as given),
and the page is closed; seven minutes later it is opened again: both answers are there and
the time left is the server's, 23 minutes. Left open past the deadline, the attempt is
submitted by the server, and the candidate's page says so."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from civtrain import testing
from civtrain.accounts.api import SYSTEM, user_password_set
from civtrain.core import clock
from civtrain.demo.steps import DemoContext
from civtrain.exams import api as exams
from civtrain.web.tests.e2e.conftest import Web

PASSWORD = "Kandidat-2026#exam"
START = dt.datetime(2026, 11, 23, 10, 0, tzinfo=clock.TZ)
GIFT = """::宪法:: 我国的根本大法是 {=宪法 ~刑法 ~民法典}

::施行:: 公务员法自{=2019 =二〇一九}年6月1日起施行。

::培训:: 公务员每年参加培训的时间累计不少于12天。{T}
"""


@pytest.fixture
def sitting(demo: DemoContext) -> dict[str, object]:
    """A paper of three questions, 30 minutes, and a candidate with a password (built before
    the browser starts: see the conftest)."""
    district = demo.orgs["500103"]
    bank = exams.bank_create(actor=SYSTEM, name="宪法与公务员法", org_id=district.id)
    exams.questions_import(
        actor=SYSTEM, bank_id=bank.pk, parsed=exams.parse_file(GIFT.encode(), "gift")
    )
    ids = [q.pk for q in bank.questions.order_by("id")]  # type: ignore[attr-defined]
    paper = exams.paper_create(
        actor=SYSTEM, title="宪法知识测试", org_id=district.id, pass_mark=Decimal(2),
        questions=[(qid, Decimal(1)) for qid in ids], time_limit_minutes=30,
        shuffle_questions=False,
    )  # fmt: skip
    person = testing.make_person(demo.orgs["500103003"], "应考生")
    exams.candidates_add(actor=SYSTEM, paper_id=paper.pk, person_ids=[person.id])
    user = user_password_set(actor=SYSTEM, user_id=person.user_id or 0, password=PASSWORD)
    clock.freeze(START)
    return {"paper": paper.pk, "username": user.username}


def test_candidate_resumes_after_the_page_is_closed(sitting: dict[str, object], web: Web) -> None:
    page = web.new_page(viewport={"width": 390, "height": 844})  # a phone
    web.login(page, str(sitting["username"]), PASSWORD)
    page.goto("/exams/")
    page.locator("#my-exams").get_by_text("宪法知识测试").click()
    page.locator("#start-attempt").click()
    expect(page.locator("#time-left")).to_have_text(re.compile(r"^(30:00|29:[0-5]\d)$"))
    first = page.locator(".question").nth(0)
    first.get_by_label("宪法").check()
    expect(page.locator("#save-status")).to_contain_text("已保存")
    page.locator("#save-status").evaluate("e => e.textContent = ''")
    page.locator(".question").nth(1).locator("input").fill("2019")
    expect(page.locator("#save-status")).to_contain_text("已保存")
    context = page.context
    page.close()  # the connection drops: the page is gone

    clock.freeze(START + dt.timedelta(minutes=7))
    again = context.new_page()
    again.goto(f"/exams/take/{sitting['paper']}/")
    expect(again.locator("#exam-sheet")).to_have_attribute("data-remaining", str(23 * 60))
    expect(again.locator("#time-left")).to_have_text(re.compile(r"^2[23]:\d\d$"))
    expect(again.locator(".question").nth(0).get_by_label("宪法")).to_be_checked()
    expect(again.locator(".question").nth(1).locator("input")).to_have_value("2019")
    again.close()

    clock.freeze(START + dt.timedelta(minutes=31))  # left open past the deadline
    last = context.new_page()
    last.goto(f"/exams/take/{sitting['paper']}/")
    expect(last.locator("#my-attempts")).to_contain_text("到时由系统自动交卷")
    web.assert_clean()
