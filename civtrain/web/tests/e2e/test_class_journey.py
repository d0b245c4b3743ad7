"""Journeys of classes (#11 items 4 and 5): the city bureau edits a planned class in Chinese
and the class keeps its dates (the edit form showed them as 2026/12/23, which a date field
discards); a waitlisted trainee is admitted when the class gets more places, and the unit
reads it in its inbox; leave marked on the attendance sheet and leave approved as requests
end alike, each withdrawal confirmed with the reason shown (NAT-6)."""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.classes.api import (
    ClassInput,
    ClassStatus,
    SessionInput,
    class_create,
    class_transition,
    session_create,
    sessions_of,
)
from civtrain.demo.geography import CHONGQING
from civtrain.demo.steps import DemoContext
from civtrain.enrolment.api import leave_request_create, nominations_create
from civtrain.people.data import Category
from civtrain.web.tests.e2e.conftest import AS_OF, Web

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def _shot(page: Any, name: str) -> None:
    """A screenshot for review (issue #11 item 9), beside the main pages' ones."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"journey-classes-{name}.png"), full_page=True)


PLANNED_CODE = f"CQ{AS_OF.year}-ZT-02"  # the demo's planned class, 30–31 days after as-of


def _open_class(page: Any, code: str, title: str) -> None:
    """From the class list, searched by code, to the class's page."""
    page.goto(f"/classes/?q={code}")
    page.locator("table a", has_text=title).first.click()
    expect(page.locator("h1.page-title")).to_contain_text(title)


def test_edited_class_keeps_its_dates_in_chinese(demo: DemoContext, web: Web) -> None:
    start, end = AS_OF + dt.timedelta(days=30), AS_OF + dt.timedelta(days=31)
    page = web.new_page()
    web.login(page, "cq_city", "Cq-City#2026demo")
    _open_class(page, PLANNED_CODE, f"{AS_OF.year}年公文写作能力提升班")
    page.get_by_role("link", name="修改", exact=True).click()
    expect(page.locator("h1.page-title")).to_contain_text("修改培训班")
    # The date fields show the class's dates (an ISO value; the browser formats it).
    expect(page.locator("#id_start_date")).to_have_value(start.isoformat())
    expect(page.locator("#id_end_date")).to_have_value(end.isoformat())
    _shot(page, "edit-form")

    page.locator("#id_title").fill(f"{AS_OF.year}年公文写作能力提升班（第二期）")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("培训班已保存")
    expect(page.locator("h1.page-title")).to_contain_text("（第二期）")
    expect(page.locator("dd", has_text=" ~ ")).to_contain_text(f"{start:%Y-%m-%d} ~ {end:%Y-%m-%d}")
    # Opened again, the form still holds both dates.
    page.get_by_role("link", name="修改", exact=True).click()
    expect(page.locator("#id_start_date")).to_have_value(start.isoformat())
    expect(page.locator("#id_end_date")).to_have_value(end.isoformat())
    web.assert_clean()


# --- the waitlist and the one leave rule (#11 items 4 and 5) ----------------------------------

HR_UNIT = "500103003"  # cq_unit_hr's unit in the demo data (渝中区司法局)
INSTITUTION = ("cq_institution", "Cq-Inst#2026demo")
CITY = ("cq_city", "Cq-City#2026demo")
UNIT_HR = ("cq_unit_hr", "Cq-UnitHR#2026demo")


@dataclass
class Classes:
    waitlist_title: str
    waiting: str  # the waitlisted trainee's name
    leave_title: str
    by_sheet: str  # the trainee whose leave is marked on the attendance sheet
    by_request: str  # the trainee whose leave requests are approved


@pytest.fixture
def classes(demo: DemoContext) -> Classes:
    """Two classes built before the browser starts (see conftest): an open one with one place
    taken and one trainee waiting; a running one (24 h, three 3-hour sessions before as-of
    and one after) with two trainees, one of whom has asked for two sessions' leave."""
    bureau = demo.actors[CHONGQING.code]
    hr = User.objects.get(username=UNIT_HR[0])
    school = testing.make_institution(demo.orgs[CHONGQING.code], name="重庆市行政学院（测试）")
    unit = demo.orgs[HR_UNIT]
    people = [testing.make_person(unit, name=n) for n in ("司马一", "司马二", "欧阳三", "欧阳四")]
    for name in ("上官甲", "上官乙"):  # law-enforcement staff for the batch nomination
        testing.make_person(
            unit, name=name, category=Category.LAW_ENFORCEMENT, law_enforcement=True
        )

    def make(title: str, start: dt.date, end: dt.date, capacity: int) -> int:
        tc = class_create(
            actor=bureau,
            data=ClassInput(
                code=f"E2E-{len(title)}-{start:%m%d}",
                title=title,
                training_type="thematic",
                mode="off_the_job",
                organiser_id=demo.orgs[CHONGQING.code].id,
                institution_id=school.id,
                start_date=start,
                end_date=end,
                days=Decimal(4),
                total_hours=Decimal(24),
                capacity=capacity,
                subject_hours={},
            ),
        )
        class_transition(actor=bureau, class_id=tc.id, to=ClassStatus.OPEN)
        return int(tc.id)

    waitlist = make(
        "候补递补测试班", AS_OF + dt.timedelta(days=20), AS_OF + dt.timedelta(days=22), 1
    )
    for p in people[:2]:
        nominations_create(actor=hr, class_id=waitlist, person_ids=[p.id])

    leave = make("请假规则测试班", AS_OF - dt.timedelta(days=6), AS_OF + dt.timedelta(days=4), 10)
    for day in (-6, -5, -4, 3):
        session_create(
            actor=bureau,
            class_id=leave,
            data=SessionInput(
                date=AS_OF + dt.timedelta(days=day),
                start_time=dt.time(9),
                end_time=dt.time(12),
                topic=f"专题{day}",
                hours=Decimal(3),
            ),
        )
    outcomes = nominations_create(actor=hr, class_id=leave, person_ids=[p.id for p in people[2:]])
    class_transition(actor=bureau, class_id=leave, to=ClassStatus.RUNNING)
    for s in sessions_of(leave)[:2]:
        leave_request_create(
            actor=hr,
            enrolment_id=outcomes[1].enrolment_id,
            hours=Decimal(3),
            reason="家中有事",
            session_id=s.id,
        )
    return Classes("候补递补测试班", "司马二", "请假规则测试班", "欧阳三", "欧阳四")


def _row(page: Any, name: str) -> Any:
    return page.locator(f"#roster-table tr[data-person='{name}']")


def test_waitlisted_trainee_admitted_when_places_grow(
    demo: DemoContext, classes: Classes, web: Web
) -> None:
    page = web.new_page()
    web.login(page, *CITY)
    _open_class(page, "E2E", classes.waitlist_title)
    page.get_by_role("link", name="学员名单").click()
    expect(page.locator("#roster-counts")).to_have_text("计划人数 1：已录取 1 人，候补 1 人")
    expect(_row(page, classes.waiting).locator(".enrolment-status")).to_have_text("候补")

    page.fill("#id_capacity", "2")
    page.get_by_role("button", name="调整名额").click()
    expect(page.locator(".alert-success")).to_contain_text(
        f"计划人数已改为 2，按候补顺序录取：{classes.waiting}"
    )
    expect(page.locator("#roster-counts")).to_have_text("计划人数 2：已录取 2 人，候补 0 人")
    expect(_row(page, classes.waiting).locator(".enrolment-status")).to_have_text("已录取")
    _shot(page, "roster-admitted")

    # The trainee's unit reads it in its inbox and acknowledges it.
    hr_page = web.new_page()
    web.login(hr_page, *UNIT_HR)
    hr_page.goto("/enrolment/inbox/?new=1")
    message = hr_page.locator(
        "#messages .list-group-item",
        has_text=f"{classes.waiting} · {classes.waitlist_title} 候补录取",
    )
    expect(message).to_be_visible()
    message.get_by_role("button", name="确认收到").click()
    expect(message).to_contain_text("已确认")
    web.assert_clean()


def test_leave_on_the_sheet_and_an_approved_request_end_alike(
    demo: DemoContext, classes: Classes, web: Web
) -> None:
    page = web.new_page()
    web.login(page, *INSTITUTION)
    _open_class(page, "E2E", classes.leave_title)
    page.get_by_role("link", name="考勤表").click()
    sheet = page.locator("#attendance-sheet")
    row = sheet.locator("tbody tr", has_text=classes.by_sheet)
    cells = row.locator("button")
    # The session after today cannot be marked.
    expect(cells.nth(3)).to_be_disabled()

    def mark_leave(cell: Any) -> None:
        for text in ("出勤", "缺勤"):
            cell.click()
            expect(cell).to_have_text(text)
        cell.click()

    mark_leave(cells.nth(0))
    expect(cells.nth(0)).to_have_text("请假")  # 3 h ≤ 24/7 h
    mark_leave(cells.nth(1))  # 6 h > 24/7 h: asks first, and says why
    reason = "累计请假 6 学时，超过总学时 24 的七分之一（3.43 学时），按规定退学"
    panel = page.locator("#drop-confirm-panel")
    expect(panel).to_contain_text(f"{classes.by_sheet}：{reason}")
    _shot(page, "attendance-confirm")
    panel.get_by_role("button", name="确认退学").click()
    expect(page.locator(".alert-warning")).to_contain_text(f"{classes.by_sheet}：{reason}")
    expect(sheet.locator("tbody tr", has_text=classes.by_sheet)).to_have_count(0)

    # The same leave as two approved requests.
    page.goto(page.url.replace("/attendance/", "/leave/"))
    requests = page.locator("#leave-table tbody tr", has_text=classes.by_request)
    requests.first.get_by_role("button", name="批准", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("已处理请假申请")
    page.locator("#leave-table tbody tr", has_text="待审批").get_by_role(
        "button", name="批准", exact=True
    ).click()
    panel = page.locator("#drop-confirm-panel")
    expect(panel).to_contain_text(f"{classes.by_request}：{reason}")
    panel.get_by_role("button", name="确认退学").click()
    expect(page.locator(".alert-warning")).to_contain_text(f"{classes.by_request}：{reason}")

    # The roster: both withdrawn alike, for the same reason.
    page.goto(page.url.replace("/leave/", "/roster/"))
    for name in (classes.by_sheet, classes.by_request):
        row = _row(page, name)
        expect(row.locator(".enrolment-status")).to_have_text("退学")
        expect(row.locator(".withdrawal-reason")).to_have_text("请假超过总学时七分之一")
        expect(row.locator(".status-reason")).to_have_text(reason)
    _shot(page, "roster-withdrawn")
    web.assert_clean()


def test_batch_nomination_and_training_notice(
    demo: DemoContext, classes: Classes, web: Web
) -> None:
    """Unit HR nominates all its law-enforcement staff after a preview of the count; the
    city bureau sends the class's 调训通知; the unit acknowledges it in its inbox."""
    hr_page = web.new_page()
    web.login(hr_page, *UNIT_HR)
    _open_class(hr_page, "E2E", classes.waitlist_title)
    hr_page.get_by_role("link", name="推荐学员").click()
    hr_page.select_option("#batch-category", label="行政执法类")
    hr_page.get_by_role("button", name="预览人数").click()
    count = hr_page.locator("#batch-count")
    expect(count).to_contain_text("符合条件")
    matching = int(re.search(r"符合条件 (\d+) 人", count.inner_text())[1])  # type: ignore[index]
    confirm = hr_page.locator("#batch-preview button[type=submit]")
    new = int(re.search(r"确认推荐 (\d+) 人", confirm.inner_text())[1])  # type: ignore[index]
    assert 2 <= new <= matching  # at least the fixture's two, none already on the class
    _shot(hr_page, "batch-preview")
    confirm.click()
    expect(hr_page.locator(".alert-success")).to_contain_text(f"已推荐 {new} 人")

    page = web.new_page()
    web.login(page, *CITY)
    _open_class(page, "E2E", classes.waitlist_title)
    page.get_by_role("link", name="调训通知").click()
    page.fill("#id_title", "关于参加候补递补测试班的通知")
    page.fill("#id_body", "请参训人员按时到市委党校报到。")
    page.get_by_role("button", name="发送").click()
    sent = re.compile(r"调训通知已发送到 \d+ 个单位")
    expect(page.locator(".alert-success")).to_contain_text(sent)

    hr_page.goto("/enrolment/inbox/?new=1")
    notice = hr_page.locator("#messages .list-group-item", has_text=classes.waiting).filter(
        has_text="调训通知 · 关于参加"
    )
    expect(notice).to_contain_text("本单位参训人员")
    notice.get_by_role("button", name="确认收到").click()
    expect(notice).to_contain_text("已确认")
    web.assert_clean()
