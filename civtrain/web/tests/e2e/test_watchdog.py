"""The journeys' watchdog itself: it must catch what it promises to, or a green journey
would mean nothing (a console error, a script error, a missing asset, an off-site request).
No server needed: the browser is handed a page and a 404 for one stylesheet."""

from typing import Any

from civtrain.web.tests.e2e.conftest import Web

PAGE = """<!doctype html><html lang="zh-hans"><head><title>测试</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/vendor/missing.css">
<script src="https://cdn.invalid/lib.js"></script>
</head><body><h1>测试</h1><script>
console.error("boom");
setTimeout(() => { throw new Error("kaput"); }, 0);
</script></body></html>"""


def _serve(route: Any) -> None:
    if route.request.url.endswith("/page"):
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=PAGE)
    else:
        route.fulfill(status=404, content_type="text/plain", body="not found")


def test_watchdog_reports_console_and_script_errors_missing_assets_and_cdn_requests(
    bare_web: Web,
) -> None:
    page = bare_web.new_page()
    page.route("http://civtrain.test/**", _serve)
    page.goto("/page")
    for _ in range(100):  # the script error is thrown on a later tick
        if any("kaput" in p for p in bare_web.problems):
            break
        page.wait_for_timeout(50)

    found = "\n".join(bare_web.problems)
    assert "console error" in found and "boom" in found
    assert "script error" in found and "kaput" in found
    assert "HTTP 404 for stylesheet http://civtrain.test/static/vendor/missing.css" in found
    assert "off-site request (no CDN allowed): https://cdn.invalid/lib.js" in found
    bare_web.problems.clear()  # all seen: the fixture's own final check must pass
