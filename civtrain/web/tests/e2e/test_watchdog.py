"""The journeys' watchdog itself: it must catch what it promises to, or a green journey
would mean nothing (a console error, a script error, a missing asset, an off-site request)."""

from civtrain.web.tests.e2e.conftest import Web


def test_watchdog_reports_console_and_script_errors_missing_assets_and_cdn_requests(
    bare_web: Web,
) -> None:
    page = bare_web.new_page()
    page.goto("/login/")
    assert bare_web.problems == []  # the login page itself is clean

    page.evaluate(
        """() => {
        console.error("boom");
        setTimeout(() => { throw new Error("kaput"); }, 0);
        const css = document.createElement("link");
        css.rel = "stylesheet";
        css.href = "/static/vendor/missing.css";
        document.head.append(css);
        const js = document.createElement("script");
        js.src = "https://cdn.invalid/lib.js";
        document.head.append(js);
    }"""
    )
    page.wait_for_function("() => document.readyState === 'complete'")
    page.wait_for_timeout(500)

    found = "\n".join(bare_web.problems)
    assert "console error" in found and "boom" in found
    assert "script error" in found and "kaput" in found
    assert "HTTP 404 for stylesheet" in found and "/static/vendor/missing.css" in found
    assert "off-site request (no CDN allowed): https://cdn.invalid/lib.js" in found
    bare_web.problems.clear()  # all seen: the fixture's own final check must pass
