"""Journey (issue #15): a learner downloads their training certificate booklet, which verifies
offline; a district's personnel office builds a unit's zip in the background, watches its
progress bar and downloads it, choosing the unit by typing its name (#11 item 3)."""

import io
import zipfile
from collections import Counter

from playwright.sync_api import expect

from civtrain.accounts.api import Role
from civtrain.demo.accounts import LEARNER_PASSWORDS
from civtrain.demo.steps import DemoContext
from civtrain.documents.api import verify_pdf
from civtrain.organisations.data import OrgKind
from civtrain.web.tests.e2e.conftest import Web, choose

BUILD_MS = 120_000  # a zip of the unit's booklets on a busy machine


def forget_download_navigations(web: Web, *paths: str) -> None:
    """A form post answered with an attachment becomes a download, and Chromium reports the
    navigation it replaced as aborted: that is the download working, not a failed request."""
    web.problems = [
        p
        for p in web.problems
        if not (
            p.startswith("request failed: document")
            and p.endswith("(net::ERR_ABORTED)")
            and any(path in p for path in paths)
        )
    ]


def test_learner_downloads_a_booklet_that_verifies(demo: DemoContext, web: Web) -> None:
    learners = [a for a in demo.accounts if a.role_label == Role.LEARNER.label]
    account = next(a for a in learners if a.password == LEARNER_PASSWORDS[0])
    page = web.new_page()
    web.login(page, account.username, account.password)
    page.goto("/documents/")
    mine = page.locator("#my-documents")
    expect(mine).to_be_visible()
    mine.locator("select[name=kind]").select_option("booklet")
    with page.expect_download(timeout=BUILD_MS) as download:
        mine.locator("button[value=pdf]").click()
    pdf = download.value.path().read_bytes()
    assert download.value.suggested_filename.endswith(".pdf")
    outcome = verify_pdf(pdf)  # offline: the file and the keys only
    assert outcome.ok, outcome.reason
    assert outcome.content is not None
    assert outcome.content["person"]["name"] == account.note.split("，")[0]
    forget_download_navigations(web, "/documents/issue/")
    web.assert_clean()


def test_personnel_build_a_units_zip_and_watch_its_progress(
    demo: DemoContext, web: Web, settings: object
) -> None:
    # The demo spreads 60 people at random, so the unit HR officer's own unit may be empty;
    # the 渝中区 bureau's personnel office takes the district's unit with the most people.
    in_district = Counter(p.unit_code for p in demo.persons if p.unit_code.startswith("500103"))
    unit_code, _ = in_district.most_common(1)[0]
    unit = demo.orgs[unit_code]
    # Typed as people name it: a department with its unit ("渝中区司法局 · 法规科"), since
    # many bureaus have a department of that name.
    parent = next((o for o in demo.orgs.values() if o.id == unit.parent_id), None)
    typed = (
        f"{parent.name} · {unit.name}" if parent and unit.kind == OrgKind.DEPARTMENT else unit.name
    )
    # On a thread, as in the embedded default (not inline in the request), so there is
    # progress to watch; the test waits for the end before the database is flushed.
    settings.CIVTRAIN_JOBS_INLINE = False  # type: ignore[attr-defined]
    page = web.new_page(viewport={"width": 1366, "height": 768})
    web.login(page, "cq_yuzhong", "Cq-Yuzhong#2026demo")
    page.goto("/documents/")
    form = page.locator("#unit-zip")
    choose(page, "#zip-unit_id", typed, unit_code, keyboard=True)
    expect(form.locator("#zip-unit_id")).to_have_value(typed)
    form.locator("select[name=kind]").select_option("booklet")
    form.locator("#zip-unit-start").click()
    page.wait_for_url("**/exports/*/")  # the shared job page
    bar = page.locator("#export-job .progress")
    expect(bar).to_be_visible()  # the job runs in the background: the bar comes first
    expect(page.locator("#export-status")).to_contain_text("/")
    link = page.locator("#export-download")
    expect(link).to_be_visible(timeout=BUILD_MS)
    summary = page.locator("#export-summary").inner_text()
    with page.expect_download() as download:
        link.click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    names = archive.namelist()
    assert names and all(n.endswith(".pdf") for n in names)
    assert f"已生成 {len(names)} 份文件" in summary
    assert all(verify_pdf(archive.read(n)).ok for n in names)
    forget_download_navigations(web, "/download/")
    web.assert_clean()
