"""Journey 5: Chinese first; the language switch turns the site to English and back, before
and after logging in, and keeps the user on the page they were reading."""

import re

from playwright.sync_api import expect

from civtrain.demo.steps import DemoContext
from civtrain.web.tests.e2e.conftest import Web


def test_language_switch_to_english_and_back(demo: DemoContext, web: Web) -> None:
    page = web.new_page()
    page.goto("/login/")
    heading = page.locator("h2.card-title")
    expect(heading).to_have_text("登录")
    # Each language is offered in its own name, so a reader of either finds it.
    options = page.locator("select[name=language] option")
    expect(options).to_have_text(["简体中文", "English"])

    page.select_option("select[name=language]", label="English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(heading).to_have_text("Log in")
    expect(page).to_have_url(re.compile(r"/login/"))

    # The choice outlives the login.
    web.login(page, "cq_city", "Cq-City#2026demo")
    page.goto("/people/")
    title = page.locator("h1.page-title")
    expect(title).to_have_text("Roster")
    expect(page.locator("#sidebar-menu")).to_contain_text("Roster")

    page.select_option("header select[name=language]", label="简体中文")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(title).to_have_text("人员名册")
    expect(page).to_have_url(re.compile(r"/people/$"))
    expect(page.locator("#sidebar-menu")).to_contain_text("人员名册")
    web.assert_clean()
