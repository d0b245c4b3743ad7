"""Journeys of the type-ahead pickers (#11 item 3), on a desktop (1366×768) and a phone
(390×844): a city official types part of a department's name, tells the homonyms apart by
their paths and filters the people list by the right one; an organiser creates a class
choosing its organiser by name and gives a session a teacher chosen by name; a unit's HR
officer begins the unit's annual plan, and a district bureau keeps a question bank and an
xAPI credential under units, each chosen by typing the unit's name."""

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from civtrain.demo.geography import CHONGQING
from civtrain.demo.steps import DemoContext
from civtrain.organisations.data import OrgKind
from civtrain.web.tests.e2e.conftest import AS_OF, Web
from civtrain.web.tests.e2e.conftest import choose as _choose

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"journey-picker-{name}.png"), full_page=True)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_official_picks_a_department_among_homonyms_by_its_path(
    demo: DemoContext, web: Web, device: str
) -> None:
    # A Chongqing department whose name other departments share (every bureau's 法规科),
    # with people in it.
    departments = [
        o
        for o in demo.orgs.values()
        if o.kind == OrgKind.DEPARTMENT and o.path.startswith(demo.orgs[CHONGQING.code].path)
    ]
    same_name = Counter(o.name for o in departments)
    staffed = Counter(p.unit_code for p in demo.persons)
    target = next(o for o in departments if same_name[o.name] >= 2 and staffed[o.code] > 0)
    parent = next(o for o in demo.orgs.values() if o.id == target.parent_id)
    label = f"{parent.name} · {target.name}"

    page = web.new_page(viewport=VIEWPORTS[device])
    web.login(page, "cq_city", "Cq-City#2026demo")
    page.goto("/people/")
    page.fill("#id_unit", target.name)
    # Every homonym is offered, each with the path that tells it apart.
    homonyms = page.locator(".picker-option", has_text=target.name)
    expect(homonyms.first).to_be_visible()
    assert homonyms.count() >= 2
    chosen = page.locator(f'.picker-option[data-value="{target.code}"]')
    expect(chosen).to_contain_text(label)
    expect(chosen.locator("small")).to_contain_text(parent.name)
    _shot(page, f"homonyms-{device}")
    _choose(page, "#id_unit", target.name, target.code, keyboard=device == "desktop")

    rows = page.locator("#people-table tbody tr")
    expect(rows).to_have_count(staffed[target.code])
    expect(rows.locator("td.person-unit")).to_have_text([label] * staffed[target.code])
    expect(page.locator("#id_unit")).to_have_value(label)
    expect(page).to_have_url(re.compile(rf"unit={re.escape(target.code)}"))
    # Drawn again from the address (a reload, a saved filter): the box names the unit.
    page.reload()
    expect(page.locator("#id_unit")).to_have_value(label)
    expect(rows).to_have_count(staffed[target.code])
    web.assert_clean()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_organiser_creates_a_class_choosing_organiser_and_teacher_by_name(
    demo: DemoContext, web: Web, device: str
) -> None:
    district = next(o for o in demo.orgs.values() if o.code == "500103")  # 渝中区
    code = f"CQ{AS_OF.year}-PK-{device[:2].upper()}"
    page = web.new_page(viewport=VIEWPORTS[device])
    web.login(page, "cq_city", "Cq-City#2026demo")
    page.goto("/classes/new/")
    page.fill("#id_code", code)
    page.fill("#id_title", f"{AS_OF.year}年选择器测试班")
    _choose(
        page, "#id_organiser_id", district.name[:2], district.code, keyboard=device == "desktop"
    )
    expect(page.locator("#id_organiser_id")).to_have_value(district.name)
    page.select_option("#id_institution_id", label="中共重庆市委党校（重庆行政学院）")
    page.fill("#id_start_date", "2026-12-20")
    page.fill("#id_end_date", "2026-12-21")
    page.fill("#id_days", "2")
    page.fill("#id_total_hours", "12")
    page.fill("#id_capacity", "30")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("h1.page-title")).to_contain_text("选择器测试班")
    expect(page.locator("body")).to_contain_text(district.name)

    page.fill("#id_date", "2026-12-20")
    page.fill("#id_start_time", "09:00")
    page.fill("#id_end_time", "12:00")
    page.fill("#id_topic", "依法行政专题")
    page.fill("#id_hours", "4")
    page.fill("#id_teacher_id", "周立")
    teacher = page.locator(".picker-option", has_text="周立新")
    expect(teacher).to_contain_text("教授")  # title and subjects shown to tell teachers apart
    if device == "desktop":
        page.press("#id_teacher_id", "ArrowDown")
        page.press("#id_teacher_id", "Enter")
    else:
        teacher.click()
    expect(page.locator("#id_teacher_id")).to_have_value("周立新")
    _shot(page, f"session-{device}")
    page.get_by_role("button", name="添加课次").click()
    expect(page.locator(".alert-success")).to_contain_text("课次已添加")
    expect(page.locator("table", has_text="依法行政专题")).to_contain_text("周立新")
    web.assert_clean()


def test_unit_hr_begins_the_units_annual_plan_choosing_it_by_name(
    demo: DemoContext, web: Web
) -> None:
    unit = next(o for o in demo.orgs.values() if o.name == "渝中区司法局")  # cq_unit_hr's
    page = web.new_page(viewport=VIEWPORTS["desktop"])
    web.login(page, "cq_unit_hr", "Cq-UnitHR#2026demo")
    page.goto(f"/plans/?year={AS_OF.year + 1}")
    # Only the unit itself is offered: its departments file no plan of their own.
    page.fill("#plan-org_id", "司法")
    expect(page.locator(".picker-option")).to_have_count(1)
    _choose(page, "#plan-org_id", "司法", unit.code, keyboard=True)
    expect(page.locator("#plan-org_id")).to_have_value(unit.name)
    _shot(page, "plan")
    page.locator("#plan-open").click()
    expect(page.locator("h1.page-title")).to_have_text(f"{unit.name} {AS_OF.year + 1} 年度培训计划")
    web.assert_clean()


def test_district_keeps_a_bank_and_a_credential_under_units_chosen_by_name(
    demo: DemoContext, web: Web
) -> None:
    district = next(o for o in demo.orgs.values() if o.code == "500103")  # 渝中区
    unit = next(o for o in demo.orgs.values() if o.name == "渝中区司法局")
    page = web.new_page(viewport=VIEWPORTS["phone"])
    web.login(page, "cq_yuzhong", "Cq-Yuzhong#2026demo")

    page.goto("/exams/")
    page.fill("#b-name", "行政执法题库")
    _choose(page, "#b-org_id", "渝中区司法", unit.code, keyboard=False)
    expect(page.locator("#b-org_id")).to_have_value(unit.name)
    _shot(page, "bank")
    page.get_by_role("button", name="新建题库").click()
    expect(page.locator("h1.page-title")).to_have_text("行政执法题库")
    expect(page.locator(".page-header .text-secondary")).to_contain_text(unit.name)

    page.goto("/xapi/credentials/")
    page.fill("#cred-name", "课件厂商（渝中）")
    _choose(page, "#cred-org_code", district.name, district.code, keyboard=False)
    expect(page.locator("#cred-org_code")).to_have_value(district.name)
    page.get_by_role("button", name="创建凭据").click()
    expect(page.locator("#issued-secret")).to_be_visible()
    expect(page.locator("#credential-list")).to_contain_text("课件厂商（渝中）")
    web.assert_clean()
