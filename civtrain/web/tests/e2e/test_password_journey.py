"""Journey: accounts people can use (#11 item 1). The login page tells a user who forgot
their password to ask their HR office (Chinese and English); a unit HR officer issues a
password to someone on the roster and prints the slip; that person logs in with it, is made
to choose their own password before anything else, and lands on their home page."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from civtrain import testing
from civtrain.demo.accounts import STAFF
from civtrain.demo.steps import DemoContext
from civtrain.people.data import PersonData
from civtrain.web.tests.e2e.conftest import Web

HR_LOGIN, HR_PASSWORD, HR_UNIT = next((s[1], s[2], s[3]) for s in STAFF if s[1] == "cq_unit_hr")
NEW_PASSWORD = "Mein-eigenes-42"
SCREENSHOTS = Path("var/screenshots")  # for review (#11 item 9); var/ is never committed


@pytest.fixture
def newcomer(demo: DemoContext) -> PersonData:
    """A new hire just registered in the HR officer's unit, who has never logged in (built
    before the browser starts: see the conftest)."""
    return testing.make_person(demo.orgs[HR_UNIT], "欧阳新")


def test_hr_issues_a_password_that_its_holder_must_change_at_first_login(
    demo: DemoContext, newcomer: PersonData, web: Web
) -> None:
    person = newcomer

    page = web.new_page()
    page.goto("/login/")
    notice = page.locator("#forgot-password")
    expect(notice).to_contain_text("忘记密码？")
    expect(notice).to_contain_text("请联系本单位组织人事部门")
    expect(notice).to_contain_text("不通过电子邮件")
    page.select_option("select[name=language]", label="English")
    expect(notice).to_contain_text("Forgot your password?")
    expect(notice).to_contain_text("ask the HR office of your unit")
    page.select_option("select[name=language]", label="简体中文")
    expect(notice).to_contain_text("忘记密码？")

    # The HR officer finds the person on the roster and issues a password.
    web.login(page, HR_LOGIN, HR_PASSWORD)
    page.locator("#sidebar-menu").get_by_role("link", name="人员名册").click()
    page.fill("#id_q", person.name)
    page.press("#id_q", "Enter")
    row = page.locator("#people-table tbody tr", has_text=person.name).first
    login_name = row.locator("td.person-login").inner_text().strip()
    assert re.fullmatch(r"gwy\d{7}", login_name), login_name
    row.get_by_role("link", name=person.name).click()
    expect(page.locator("#person-login-name")).to_have_text(login_name)
    expect(page.locator("#person-password-state")).to_have_text("尚未发放")
    page.get_by_role("button", name="发放密码并打印凭条").click()

    slip = page.locator(".password-slip")
    expect(slip).to_have_count(1)
    expect(slip.locator(".slip-name")).to_have_text(person.name)
    expect(slip.locator(".slip-login")).to_have_text(login_name)
    password = slip.locator(".slip-password").inner_text().strip()
    assert re.fullmatch(r"[A-Za-z2-9]{4}-[A-Za-z2-9]{4}-[A-Za-z2-9]{4}", password), password
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "password-slips.png", full_page=True)
    # On paper: the slip alone, without the site's menu and buttons.
    page.emulate_media(media="print")
    page.screenshot(path=SCREENSHOTS / "password-slips-print.png", full_page=True)
    expect(page.locator("aside.navbar")).to_be_hidden()
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    expect(slip).to_be_visible()
    page.emulate_media(media="screen")
    page.locator("header").get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/login/"))

    # The person logs in with the slip and must choose a password before anything else.
    page.fill("#id_username", login_name)
    page.fill("#id_password", password)
    page.click("form.card button[type=submit]")
    expect(page).to_have_url(re.compile(r"/account/password/$"))
    expect(page.locator("#password-change-required")).to_be_visible()
    page.goto("/credits/record/")
    expect(page).to_have_url(re.compile(r"/account/password/$"))

    page.fill("#id_old_password", password)
    page.fill("#id_new_password", NEW_PASSWORD)
    page.fill("#id_new_password_again", NEW_PASSWORD)
    page.get_by_role("button", name="保存新密码").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".alert-success")).to_contain_text("密码已修改")
    expect(page.locator("h1.page-title")).to_have_text(f"欢迎，{person.name}")
    page.locator("#sidebar-menu").get_by_role("link", name="我的培训档案").click()
    expect(page.locator("h1.page-title")).to_have_text(f"培训档案：{person.name}")

    # The issued password no longer opens the account; the chosen one does, straight home.
    page.locator("header").get_by_role("button", name="退出").click()
    page.fill("#id_username", login_name)
    page.fill("#id_password", password)
    page.click("form.card button[type=submit]")
    expect(page.locator("#login-error")).to_be_visible()
    web.login(page, login_name, NEW_PASSWORD)
    expect(page.locator("h1.page-title")).to_have_text(f"欢迎，{person.name}")
    web.assert_clean()
