"""Journey 1: the Chinese login page, a wrong password, then a city-bureau official finds a
person by unit and name and sees the ID number masked (REQUIREMENTS §7: ID numbers shown
masked only, never a login name)."""

import re
from collections import Counter
from urllib.parse import quote

from playwright.sync_api import expect

from civtrain.demo.geography import CHONGQING
from civtrain.demo.steps import DemoContext
from civtrain.organisations.data import OrgKind
from civtrain.web.tests.e2e.conftest import MASKED_ID, Web


def test_city_official_finds_a_person_and_sees_the_id_number_masked(
    demo: DemoContext, web: Web
) -> None:
    # The unit with the most Chongqing people in the demo, and one person in it.
    chongqing = [p for p in demo.persons if p.city_code == CHONGQING.code]
    by_unit = Counter(p.unit_code for p in chongqing)
    unit_code, headcount = by_unit.most_common(1)[0]
    assert headcount >= 2  # so that the name search visibly narrows the list
    unit = demo.orgs[unit_code]
    colleagues = [p for p in chongqing if p.unit_code == unit_code]
    target = colleagues[0]
    namesakes = sum(1 for p in colleagues if target.name in p.name)

    # A browser asking for English still gets the Chinese page: Chinese first.
    page = web.new_page(locale="en-US")
    page.goto("/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h2.card-title")).to_have_text("登录")
    expect(page.locator("label[for=id_username]")).to_have_text("用户名")
    expect(page.locator("label[for=id_password]")).to_have_text("密码")

    page.fill("#id_username", "cq_city")
    page.fill("#id_password", "not-the-password")
    page.click("form.card button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("用户名或密码不正确")
    expect(page).to_have_url(re.compile(r"/login/"))

    web.login(page, "cq_city", "Cq-City#2026demo")
    page.locator("#sidebar-menu").get_by_role("link", name="人员名册").click()
    expect(page.locator("h1.page-title")).to_have_text("人员名册")

    # Filter by unit: the table is redrawn (htmx) with only that unit's people.
    rows = page.locator("#people-table tbody tr")
    expect(rows).to_have_count(min(len(demo.persons) - _other_city(demo), 50))
    # The unit is picked by its name in the type-ahead (#11 item 3): typed, then chosen among
    # the matches, the ones named exactly first, each with the names above it.
    options = page.locator(".picker-option")
    page.fill("#id_unit", unit.name)
    expect(options.first).to_contain_text(unit.name)
    if unit.kind == OrgKind.DEPARTMENT:
        # Every bureau has its 办公室: the official adds the bureau's name, as the matches'
        # labels show it ("渝中区司法局 · 办公室"), and the one meant comes first.
        assert unit.parent_id is not None
        bureau = next(n for n in demo.orgs.values() if n.id == unit.parent_id)
        page.fill("#id_unit", f"{bureau.name} {unit.name}")
    expect(options.first).to_have_attribute("data-value", unit_code)
    expect(options.first).to_contain_text(_label(demo, unit_code))
    page.locator(f'.picker-option[data-value="{unit_code}"]').click()
    expect(rows).to_have_count(headcount)
    assert sorted(rows.locator("td.person-name").all_inner_texts()) == sorted(
        p.name for p in colleagues
    )
    expect(rows.locator("td.person-unit")).to_have_text([_label(demo, unit_code)] * headcount)

    # Search by name within the unit. Chinese is typed through an IME, which Playwright cannot
    # drive, so the text is filled in and the user presses Enter.
    page.fill("#id_q", target.name)
    page.press("#id_q", "Enter")
    expect(rows).to_have_count(namesakes)
    expect(page).to_have_url(re.compile(rf"unit={re.escape(quote(unit_code))}"))

    page.get_by_role("link", name=target.name).first.click()
    expect(page.locator("h1.page-title")).to_contain_text(target.name)
    shown = page.locator("#id-number-slot .font-monospace").inner_text().strip()
    assert MASKED_ID.match(shown), shown
    assert shown[:2] == target.id_number[:2]
    # Never in clear anywhere in the page, not even in hidden markup.
    assert target.id_number not in page.content()
    assert target.phone not in page.content()

    # Search by the ID number in the same box: answered in place, and the number never
    # reaches the address bar, the history or the next Referer (issue 8 item 7).
    page.go_back()
    page.fill("#id_q", target.id_number)
    page.press("#id_q", "Enter")
    expect(rows).to_have_count(1)
    expect(rows.locator("td.person-name")).to_have_text([target.name])
    assert target.id_number not in page.url and target.id_number[:8] not in page.url
    web.assert_clean()


def _other_city(demo: DemoContext) -> int:
    return sum(1 for p in demo.persons if p.city_code != CHONGQING.code)


def _label(demo: DemoContext, code: str) -> str:
    """How pages name a unit: a department with its unit (#11 item 3)."""
    node = demo.orgs[code]
    if node.kind != OrgKind.DEPARTMENT:
        return node.name
    parent = next(n for n in demo.orgs.values() if n.id == node.parent_id)
    return f"{parent.name} · {node.name}"
