"""Journey: clear ID numbers leave only with a reason (#17 item 4). A unit HR officer reveals
a person's ID number on their page after choosing a purpose and writing a note, and sees the
reveal with its reason in the person's audit trail; on the roster, an export with clear
numbers and no reason is refused with a message, the same export with a reason downloads
the clear numbers, and the default masked export downloads none."""

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from civtrain.demo.accounts import STAFF
from civtrain.demo.steps import DemoContext
from civtrain.web.tests.e2e.conftest import Web

HR_LOGIN, HR_PASSWORD, HR_UNIT = next((s[1], s[2], s[3]) for s in STAFF if s[1] == "cq_unit_hr")


def _download(page: Any, button: Any) -> str:
    with page.expect_download() as info:
        button.click()
    return Path(info.value.path()).read_text(encoding="utf-8-sig")


def test_clear_numbers_need_a_purpose_and_a_note(demo: DemoContext, web: Web) -> None:
    person = next(p for p in demo.persons if p.unit_code == HR_UNIT and p.status == "active")
    page = web.new_page()
    web.login(page, HR_LOGIN, HR_PASSWORD)

    # The reveal on the person's page: purpose and note, then the number in place.
    page.goto(f"/people/{person.person_id}/")
    slot = page.locator("#id-number-slot")
    expect(slot.locator("#reveal-purpose")).to_be_visible()
    page.select_option("#reveal-purpose", label="核对人员身份")
    page.fill("#reveal-reason", "核对培训报名信息")
    page.get_by_role("button", name="显示完整身份证号").click()
    expect(page.locator("#revealed-id")).to_have_text(person.id_number)
    page.reload()
    expect(page.locator("#person-audit")).to_contain_text("person.reveal_id")
    expect(page.locator("#person-audit")).to_contain_text("核对人员身份：核对培训报名信息")

    # The roster: clear numbers without a reason are refused, with the reason they come.
    page.goto("/people/")
    form = page.locator("#people-export-form")
    form.locator("select[name=numbers]").select_option("clear")
    form.get_by_role("button", name="导出 CSV").click()
    expect(page.locator("body")).to_contain_text("请选择导出或查看完整身份证号、手机号的用途")
    # That refusal is a 422 page, which Chromium also logs to the console: expected here.
    refusal = "people/export/: Failed to load resource: the server responded with a status of 422"
    assert sum(refusal in p for p in web.problems) == 1, web.problems
    web.problems[:] = [p for p in web.problems if refusal not in p]
    page.goto("/people/")
    form.locator("select[name=numbers]").select_option("clear")
    form.locator("select[name=purpose]").select_option(label="向上级主管部门报送")
    form.locator("input[name=reason]").fill("报送区人社局年度名册")
    clear = _download(page, form.get_by_role("button", name="导出 CSV"))
    assert person.id_number in clear

    # The default export is masked and needs no reason.
    page.goto("/people/")
    expect(form.locator("select[name=numbers]")).to_have_value("masked")
    masked = _download(page, form.get_by_role("button", name="导出 CSV"))
    assert person.name in masked and person.id_number not in masked
    assert re.search(rf"{re.escape(person.id_number[:2])}\*{{16}}", masked)
