"""Journey: a learner studies SCORM courseware in Chromium (issue #12 must-show, ADR 0017).

A SCORM 1.2 and a SCORM 2004 package, built by the test suite (civtrain/scorm/tests/builders.py:
a four-page SCO that calls Initialize, GetValue/SetValue of location and suspend data, status
and score, Commit, Terminate), are published as courses. The learner opens one, reads two
pages, leaves; opens it again and resumes on page 2; finishes it; the training record shows
exactly one entry for the course, also after the learner opens and finishes it once more."""

import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from civtrain.accounts.api import Role, User
from civtrain.demo.accounts import LEARNER_PASSWORDS
from civtrain.demo.steps import DemoAccount, DemoContext
from civtrain.organisations.api import org_data
from civtrain.people.api import person_for_user
from civtrain.scorm.api import ScormVersion, course_from_package
from civtrain.scorm.tests.builders import package_zip
from civtrain.web.tests.e2e.conftest import Web


@dataclass(frozen=True)
class Published:
    account: DemoAccount
    item_id: int
    title: str


def publish(demo: DemoContext, version: ScormVersion) -> Published:
    """The course, published by the learner's city bureau (before the browser starts)."""
    learners = [a for a in demo.accounts if a.role_label == Role.LEARNER.label]
    account = next(a for a in learners if a.password == LEARNER_PASSWORDS[0])
    person = person_for_user(User.objects.get(username=account.username).pk)
    assert person is not None
    city = org_data(int(person.unit_path.split("/")[0]))
    title = f"SCORM 测试课程（{version.label}）"
    data = package_zip(version)
    created = course_from_package(
        actor=User.objects.get(username="cq_city"),
        upload=io.BytesIO(data),
        size=len(data),
        title=title,
        org_code=city.code,
        hours=Decimal("2"),
    )
    return Published(account, created.item_id, title)


@pytest.fixture(params=list(ScormVersion), ids=lambda v: v.value)
def published(request: Any, demo: DemoContext) -> Published:
    return publish(demo, request.param)


def test_learner_completes_leaves_halfway_and_resumes_a_scorm_course(
    published: Published, web: Web
) -> None:
    page = web.new_page(viewport={"width": 1366, "height": 768})
    web.login(page, published.account.username, published.account.password)
    player = f"/scorm/items/{published.item_id}/"

    # First visit: pages 1 and 2, then leave (exit = suspend, Terminate).
    page.goto(player)
    sco = page.frame_locator("#scorm-content")
    expect(sco.locator("#sco-page")).to_have_text("1")
    expect(sco.locator("#sco-resumed")).to_be_hidden()
    sco.locator("#sco-next").click()
    expect(sco.locator("#sco-page")).to_have_text("2")
    sco.locator("#sco-exit").click()
    expect(sco.locator("#sco-status")).to_have_text("已退出")
    page.goto("/")

    # Second visit: resumed where they left off, then finished.
    page.goto(player)
    expect(sco.locator("#sco-resumed")).to_have_text("从第 2 页继续（已看过：pages=2）")
    expect(sco.locator("#sco-page")).to_have_text("2")
    sco.locator("#sco-next").click()
    sco.locator("#sco-next").click()
    expect(sco.locator("#sco-page")).to_have_text("4")
    expect(sco.locator("#sco-status")).to_have_text("已完成")
    sco.locator("#sco-exit").click()
    expect(sco.locator("#sco-status")).to_have_text("已退出")

    # The training record: exactly one entry for the course, online, 2 学时.
    record_rows = page.locator("#record-table tbody tr").filter(has_text=published.title)
    page.goto("/")
    page.locator("#sidebar-menu").get_by_role("link", name="我的培训档案").click()
    expect(record_rows).to_have_count(1)
    expect(record_rows.first).to_contain_text(re.compile(r"2(\.0+)?"))

    # Finishing it once more adds nothing.
    page.goto(player)
    expect(sco.locator("#sco-page")).to_have_text("4")
    sco.locator("#sco-exit").click()
    expect(sco.locator("#sco-status")).to_have_text("已退出")
    page.locator("#sidebar-menu").get_by_role("link", name="我的培训档案").click()
    expect(record_rows).to_have_count(1)
    web.assert_clean()
