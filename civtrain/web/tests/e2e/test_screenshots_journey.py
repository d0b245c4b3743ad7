"""Journey 9 (issue #11 item 9): each role's main pages in Chromium, in Chinese, saved as
screenshots under var/screenshots/ for review. The machine must have a CJK font (`make
browser` installs Debian's fonts-noto-cjk), or Chinese renders as boxes; the journey checks
that the font is there and that the page's text is drawn with it."""

import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from playwright.sync_api import expect

from civtrain.demo.accounts import STAFF
from civtrain.demo.steps import DemoContext
from civtrain.web.tests.e2e.conftest import Web

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
MAIN_PAGES = {  # role login -> its main pages, as the menu offers them
    "cq_city": ["/", "/compliance/", "/compliance/units/", "/people/", "/orgs/", "/audit/"],
    "cq_yuzhong": ["/", "/compliance/units/", "/people/"],
    "cq_unit_hr": ["/", "/people/", "/compliance/", "/enrolment/inbox/"],
    "cq_institution": ["/", "/classes/", "/teachers/"],
    "cq_teacher": ["/", "/classes/teaching/"],
}
PASSWORDS = {username: password for _, username, password, _ in STAFF}


def _cjk_fonts() -> list[str]:
    listed = subprocess.run(
        ["/usr/bin/fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
    )
    return [line for line in listed.stdout.splitlines() if line.strip()]


def _drawn_with_a_cjk_font(page: Any) -> bool:
    """A character without a glyph is drawn as the same empty box as any other: "培" drawn
    in the page's own font must differ, pixel for pixel, from U+E000 (private use, no glyph
    in any font)."""
    return bool(
        page.evaluate(
            """() => {
              const draw = (text) => {
                const ctx = document.createElement('canvas').getContext('2d');
                ctx.canvas.width = ctx.canvas.height = 64;
                ctx.font = '48px ' + getComputedStyle(document.body).fontFamily;
                ctx.fillText(text, 4, 52);
                return Array.from(ctx.getImageData(0, 0, 64, 64).data).join();
              };
              return draw('培') !== draw('\\uE000');
            }"""
        )
    )


def test_main_pages_of_each_role_render_chinese_and_are_saved(demo: DemoContext, web: Web) -> None:
    assert _cjk_fonts(), "no CJK font on this machine: run `make browser`"
    SHOTS.mkdir(parents=True, exist_ok=True)
    for username, paths in MAIN_PAGES.items():
        page = web.new_page(viewport={"width": 1366, "height": 768})
        web.login(page, username, PASSWORDS[username])
        for path in paths:
            page.goto(path)
            expect(page.locator("h1, h2").first).to_be_visible()
            assert _drawn_with_a_cjk_font(page), f"{path} as {username}: no CJK glyphs"
            name = path.strip("/").replace("/", "-") or "home"
            page.screenshot(path=str(SHOTS / f"{username}-{name}.png"), full_page=True)
        page.context.close()
    saved = sorted(p.name for p in SHOTS.glob("*.png"))
    assert len(saved) >= sum(len(p) for p in MAIN_PAGES.values())
