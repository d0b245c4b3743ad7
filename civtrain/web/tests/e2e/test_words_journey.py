"""Journey (issue #11 item 6): words a civil servant understands. A learner reads their
rule set by its Chinese title and each requirement by its Chinese name (the clause id only
beside it, small); the audit administrator reads a class's changes as sentences
("状态：进行中 → 成绩已确认"), never as stored field names and coded values."""

import re

from playwright.sync_api import expect

from civtrain.accounts.api import Role
from civtrain.demo.accounts import LEARNER_PASSWORDS, STAFF
from civtrain.demo.steps import DemoContext
from civtrain.web.tests.e2e.conftest import Web

PASSWORDS = {username: password for _, username, password, _ in STAFF}
DESKTOP = {"width": 1366, "height": 768}
CJK = re.compile(r"[\u4e00-\u9fff]")
CLAUSE_ID = re.compile(r"^[A-Z]{2,3}-[A-Z]?\d+[a-z]?$")  # NAT-3, CQ-T6a, ZZ-T1 …


def test_a_learner_reads_rules_by_their_chinese_names(demo: DemoContext, web: Web) -> None:
    learners = [a for a in demo.accounts if a.role_label == Role.LEARNER.label]
    account = next(a for a in learners if a.password == LEARNER_PASSWORDS[0])
    page = web.new_page(viewport=DESKTOP)
    web.login(page, account.username, account.password)
    progress = page.locator("#learner-progress")
    expect(progress).to_be_visible()
    ruleset = progress.locator("#learner-ruleset").inner_text().strip()
    assert CJK.search(ruleset) and not re.search(r"[a-z]+-\d", ruleset), ruleset
    bars = progress.locator(".compliance-bar")
    expect(bars.first).to_be_visible()
    for bar in bars.all():
        title = bar.locator("span").first.evaluate("s => s.firstChild.textContent.trim()")
        clause = bar.locator("span .text-secondary").first.inner_text().strip()
        assert CJK.search(title) and not CLAUSE_ID.match(title), title  # a name, not an id
        assert CLAUSE_ID.match(clause), clause  # the id beside it, for the bureau's staff
    web.assert_clean()


def test_the_audit_administrator_reads_changes_as_sentences(demo: DemoContext, web: Web) -> None:
    page = web.new_page(viewport=DESKTOP)
    web.login(page, "cq_auditadmin", PASSWORDS["cq_auditadmin"])
    page.goto("/audit/?object_type=training_class")
    changes = page.locator("td.audit-changes div")
    expect(changes.first).to_be_visible()
    sentences = [s.strip() for s in changes.all_inner_texts()]
    status = [s for s in sentences if s.startswith("状态：")]
    assert any(re.fullmatch(r"状态：\S+ → 成绩已确认", s) for s in status), status
    # "名称：…", never "status: ['open', 'running']" or a bare field name.
    raw = [s for s in sentences if "：" not in s or "['" in s or re.match(r"^[a-z_]+[:：]", s)]
    assert raw == [], raw
    web.assert_clean()
