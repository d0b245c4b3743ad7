"""Page journeys in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium,
installed by `make browser`; Playwright's own browser download is never used).

Each journey gets the demo dataset (`civtrain.demo`, 60 people, a fixed date) on pytest-django's
`live_server`, and a fresh browser that records every console error, uncaught script error,
failed or off-site request and static asset answered with an error; the journey fails on any.

Playwright's sync API keeps an asyncio loop running on the test's thread, and Django refuses
ORM calls from a thread with a running loop. So the browser starts after the data is built and
stops before the database is flushed, and journeys check the results through the pages (what a
user sees), never through the ORM while the browser is open.
"""

import base64
import datetime as dt
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from playwright.sync_api import expect

from civtrain import testing
from civtrain.core import clock
from civtrain.demo.accounts import demo_totp_key
from civtrain.demo.steps import DemoContext, run_all

CHROMIUM = Path("/usr/bin/chromium")
AS_OF = dt.date(2026, 11, 23)
DEMO_PEOPLE = 60
# Budget for one wait (actions and `expect`): the live server shares 2 cores with another
# xdist worker, and CI machines are busy.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)
MASKED_ID = re.compile(r"^\d{2}\*{16}$")  # the province only (issue 8 item 3)


@pytest.fixture
def demo(live_server: Any, settings: Any) -> DemoContext:
    """The demo dataset as `make run` builds it, smaller, on a frozen date (deterministic).
    Background jobs run inline: a job thread would not see the in-memory SQLite test database,
    and on PostgreSQL it could outlive the test and race the flush."""
    settings.CIVTRAIN_JOBS_INLINE = True
    clock.freeze(dt.datetime(2026, 11, 23, 10, 0, tzinfo=clock.TZ))
    with transaction.atomic():  # as `civtrain demo-data` does; much faster than autocommit
        testing.reseed_migration_data()  # a flush before may have removed it
        return run_all(DemoContext(seed=1, people=DEMO_PEOPLE, as_of=AS_OF))


@dataclass
class Web:
    """One browser for one journey; `problems` collects what must fail the test."""

    base_url: str
    browser: Any
    problems: list[str] = field(default_factory=list)
    aborted: list[str] = field(default_factory=list)  # document requests aborted
    downloaded: list[str] = field(default_factory=list)  # URLs answered with a download
    contexts: list[Any] = field(default_factory=list)
    otp_steps: dict[str, int] = field(default_factory=dict)  # last TOTP step typed, per login

    def new_page(self, **context_options: Any) -> Any:
        options = {"viewport": {"width": 1280, "height": 900}, "base_url": self.base_url}
        options.update(context_options)
        context = self.browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        self._watch(page)
        return page

    def _watch(self, page: Any) -> None:
        origin = urlsplit(self.base_url).netloc

        def on_console(message: Any) -> None:
            if message.type == "error":
                self.problems.append(f"console error on {page.url}: {message.text}")

        def on_request(request: Any) -> None:
            parts = urlsplit(request.url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != origin:
                self.problems.append(f"off-site request (no CDN allowed): {request.url}")

        def on_request_failed(request: Any) -> None:
            kind = request.resource_type
            # htmx cancels its own request when a newer one for the same form supersedes it
            # (e.g. a `change` and a `submit` from one Enter): not a failure the user sees.
            if kind in ("xhr", "fetch") and request.failure == "net::ERR_ABORTED":
                return
            if kind == "document" and request.failure == "net::ERR_ABORTED":
                # A navigation answered with a file (an export) ends as a download, which
                # Chromium reports as an aborted document: a failure only if none came.
                self.aborted.append(request.url)
                return
            self.problems.append(f"request failed: {kind} {request.url} ({request.failure})")

        def on_response(response: Any) -> None:
            kind = response.request.resource_type
            if response.status >= 500 or (response.status >= 400 and kind != "document"):
                self.problems.append(f"HTTP {response.status} for {kind} {response.url}")

        page.on("download", lambda download: self.downloaded.append(download.url))
        page.on("console", on_console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("request", on_request)
        page.on("requestfailed", on_request_failed)
        page.on("response", on_response)

    def login(self, page: Any, username: str, password: str) -> None:
        """Through the real login form, then the second factor (#17 item 1) as its holder
        would: the demo administrators' authenticator code (their secret is the demo's), or
        the enrolment of a new one from the secret the page shows. Lands on the home page."""
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("form.card button[type=submit]")
        page.wait_for_url(re.compile(r"/$|/account/2fa/"))
        if "/account/2fa/" in page.url:
            self.second_factor(page, username)
            page.wait_for_url(re.compile(r"/$"))

    def second_factor(self, page: Any, username: str) -> None:
        """Type the current TOTP code into the second-factor page. A code is accepted once
        (django-otp keeps the last time step used), so a second login of the same user
        within one 30-second step types the next step's code, which the device's tolerance
        of one step accepts."""
        from django_otp.oath import TOTP

        secret = page.locator("#totp-secret")
        if secret.count():  # enrolment: the account had no factor yet
            key = base64.b32decode(secret.inner_text().replace(" ", ""))
        else:
            key = demo_totp_key(username)
        totp = TOTP(key)
        now_step = int(time.time()) // totp.step
        step = max(now_step, self.otp_steps.get(username, -1) + 1)
        if step > now_step + 1:
            time.sleep((now_step + 1) * totp.step - time.time() + 0.5)
        self.otp_steps[username] = step
        totp.time = step * totp.step
        page.fill("#id_token", f"{totp.token():06d}")
        page.click("#second-factor-form button[type=submit]")

    def assert_clean(self) -> None:
        aborted = [f"request failed: document {url} (net::ERR_ABORTED)" for url in self.aborted]
        problems = self.problems + [
            a for a, u in zip(aborted, self.aborted, strict=True) if u not in self.downloaded
        ]
        assert problems == [], "\n".join(problems)


@contextmanager
def _chromium(base_url: str) -> Iterator[Web]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run `make browser` (Debian's chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        web = Web(base_url=base_url, browser=browser)
        try:
            yield web
        finally:
            for context in web.contexts:
                context.close()
            browser.close()
    web.assert_clean()


@pytest.fixture
def web(demo: DemoContext, live_server: Any) -> Iterator[Web]:
    """A headless Chromium for one journey (requested after `demo`: see the module doc)."""
    with _chromium(live_server.url) as web:
        yield web


@pytest.fixture
def bare_web() -> Iterator[Web]:
    """The same browser with no server and no database (pages are served by page.route)."""
    with _chromium("http://civtrain.test") as web:
        yield web


def choose(page: Any, box: str, typed: str, value: str, *, keyboard: bool) -> None:
    """Type `typed` into the type-ahead picker `box` (#11 item 3) and choose the match whose
    value is `value`, as a user does: with the arrow keys and Enter, or by tapping it."""
    page.fill(box, typed)
    expect(page.locator(box)).not_to_have_attribute("aria-busy", "true")  # these matches
    options = page.locator(".picker-option")
    expect(options.first).to_be_visible()
    target = page.locator(f'.picker-option[data-value="{value}"]')
    expect(target).to_be_visible()
    if not keyboard:
        target.click()
        return
    values = options.evaluate_all("els => els.map(e => e.dataset.value)")
    for _ in range(values.index(value) + 1):
        page.press(box, "ArrowDown")
    expect(target).to_have_attribute("aria-selected", "true")
    page.press(box, "Enter")
