"""Journey: a security key as the second factor, in a real browser (#17 item 1, GB/T 22239
8.1.4.1 d). Chromium's virtual authenticator (CDP `WebAuthn.enable` +
`WebAuthn.addVirtualAuthenticator`) stands in for a USB key: the city bureau's administrator,
signed in with password + authenticator code, adds a security key on 登录安全; logs out;
logs in again with the password and the key alone; the page then lists the key as used."""

import re
from typing import Any

from playwright.sync_api import expect

from civtrain.demo.accounts import STAFF
from civtrain.demo.steps import DemoContext
from civtrain.web.tests.e2e.conftest import Web

LOGIN, PASSWORD = next((s[1], s[2]) for s in STAFF if s[1] == "cq_city")


def _virtual_key(page: Any) -> tuple[Any, str]:
    """A USB security key (CTAP2, user verification, presence touched automatically)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": False,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def test_an_administrator_enrols_a_security_key_and_logs_in_with_it(
    demo: DemoContext, web: Web
) -> None:
    page = web.new_page()
    cdp, authenticator = _virtual_key(page)

    # Password + authenticator code (the demo enrolled TOTP), then 登录安全 → 添加安全密钥.
    web.login(page, LOGIN, PASSWORD)
    page.goto("/account/security/")
    factors = page.locator("#second-factors tbody")
    expect(factors).not_to_contain_text("安全密钥")
    page.click("#webauthn-button")
    page.wait_for_load_state("load")
    expect(factors.locator("tr", has_text="安全密钥")).to_have_count(1)
    expect(page.locator("#webauthn-error")).to_be_hidden()
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(credentials["credentials"]) == 1  # the key holds the new credential

    # Log out; the password alone leads to the second-factor page, which offers the key.
    page.locator("form[action='/logout/']").first.evaluate("form => form.submit()")
    page.wait_for_url(re.compile(r"/login/"))
    page.fill("#id_username", LOGIN)
    page.fill("#id_password", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r"/account/2fa/"))
    key_button = page.locator("#webauthn-button")
    expect(key_button).to_have_text(re.compile("使用安全密钥"))
    # Before the key answers, nothing but the second-factor page is reachable.
    page.goto("/people/")
    page.wait_for_url(re.compile(r"/account/2fa/"))
    page.locator("#webauthn-button").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("#sidebar-menu")).to_be_visible()

    # Signed in with the key: 登录安全 shows it used just now.
    page.goto("/account/security/")
    row = page.locator("#second-factors tbody tr", has_text="安全密钥")
    expect(row.locator("td").nth(3)).not_to_have_text("—")
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": authenticator})
