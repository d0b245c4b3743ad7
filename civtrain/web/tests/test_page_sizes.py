"""Every page, as every demo role, on the demo data `make run` builds: none over 500 KB of HTML,
none failing (issue #11 must-show: "No page renders more than a few hundred rows").

The walk (civtrain.web.sitewalk) follows the links each role sees from its home page. Every
page route of the URL conf must be reached by at least one role, except the routes listed
below, which no link of a fresh demo leads to by GET; each says why.
"""

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.core import clock
from civtrain.demo.steps import DemoContext, run_all
from civtrain.web import sitewalk

LIMIT_BYTES = 500 * 1024
DEMO_PEOPLE = 2000  # `civtrain demo-data`'s default, what `make run` shows
AS_OF = dt.date(2026, 11, 23)

NOT_REACHED_BY_GET = {
    # Forms posted to, never pages of their own (GET answers 405).
    "account/tokens/<int:token_id>/revoke/": "POST from the token list",
    "account/2fa/": "the second step of a login; the walk's sessions have passed it",
    "account/users/<int:user_id>/unlock/": "POST from the users page, for a locked account",
    "account/users/<int:user_id>/disable/": "POST from the dormant accounts page (demo: none)",
    "account/webauthn/login/begin/": "POST from the second-factor page's script",
    "account/webauthn/login/finish/": "POST from the second-factor page's script",
    "account/webauthn/register/begin/": "POST from the enrolment page's script",
    "account/webauthn/register/finish/": "POST from the enrolment page's script",
    "credits/claims/<int:claim_id>/decide/": "POST from the claim list",
    "enrolment/classes/<int:class_id>/register/": "POST from the class page",
    "enrolment/inbox/messages/<int:message_id>/acknowledge/": "POST from the inbox",
    "enrolment/leave/<int:leave_id>/decide/": "POST from the leave list",
    "enrolment/sessions/<int:session_id>/mark/<int:enrolment_id>/": "POST from the grid",
    "i18n/setlang/": "POST from the language switch",
    "logout/": "POST from the menu",
    "filters/<int:filter_id>/delete/": "POST beside a saved filter (a fresh demo has none)",
    # Reached only after the user acts: a job, a claim with evidence, a scanned QR code.
    "credits/claims/<int:claim_id>/evidence": "a claim's uploaded evidence",
    "enrolment/checkin/<int:session_id>/<str:token>/": "the QR code a trainee scans",
    "enrolment/enrolments/<int:enrolment_id>/leave/": "a trainee's leave request form",
    "enrolment/notices/<int:notice_id>/file/": "a training notice's attachment (the demo has none)",
    # The type-ahead pickers' JSON, asked by web/picker.js as the user types (#11 item 3).
    "orgs/pick/": "a unit picker's matches, fetched while typing",
    "teachers/pick/": "the teacher picker's matches, fetched while typing",
    "exports/<int:job_id>/": "after a large export is started",
    "exports/<int:job_id>/download/": "after a large export is started",
    "exports/<int:job_id>/progress/": "after a large export is started",
    "people/import/<int:job_id>/": "after an import is started",
    "people/import/<int:job_id>/errors/": "after an import is started",
    "people/import/<int:job_id>/progress/": "after an import is started",
    # Not pages.
    "compliance/ruleset.schema.json": "a JSON schema document",
    "healthz": "the load balancer's probe",
    "login/": "signed-in users are not sent to it",
    # Session 5's new apps: forms posted to, and runtime calls made by the player's script.
    "enrolment/classes/<int:class_id>/attendance/upload/": "POST from its page or player",
    "evaluation/<int:evaluation_id>/answer/": "POST from its page or player",
    "exams/take/attempts/<int:attempt_id>/submit": "POST from its page or player",
    "institutions/applications/<int:application_id>/decide/": "POST from its page or player",
    "learning/manage/<int:course_id>/uploads": "POST from its page or player",
    "learning/manage/<int:course_id>/uploads/<str:token>/finish": "POST from its page or player",
    "learning/uploads/<str:token>": "POST from its page or player",
    "plans/<int:plan_id>/file/": "POST from its page or player",
    "plans/<int:plan_id>/return/": "POST from its page or player",
    "surveys/<int:survey_id>/questions/": "POST from its page or player",
    "surveys/<int:survey_id>/questions/<int:question_id>/remove/": "POST from its page or player",
    "surveys/<int:survey_id>/open/": "POST from its page or player",
    "scorm/attempts/<int:attempt_id>/commit": "POST from its page or player",
    "scorm/attempts/<int:attempt_id>/keepalive": "POST from its page or player",
    # A package's files: the SCORM player's script loads them into its frame once the runtime
    # API is in place (civtrain/learning/tests/test_demo.py fetches the demo's, #12).
    "scorm/content/<int:package_id>/<path:path>": "loaded by the SCORM player's script",
    "xapi/credentials/<int:credential_id>/revoke/": "POST from its page or player",
    "xapi/credentials/<int:credential_id>/rotate/": "POST from its page or player",
    "xapi/unknown-actors/<int:unknown_id>/map/": "POST from its page or player",
    # Teaching materials (#16 item 2): forms posted to from a material's page …
    "materials/<int:material_id>/edit/": "POST from the material's page",
    "materials/<int:material_id>/versions/": "POST from the material's page",
    "materials/<int:material_id>/versions/<int:number>/current/": "POST from the material's page",
    "materials/<int:material_id>/classes/": "POST from the material's page",
    "materials/<int:material_id>/classes/<int:class_id>/detach/": "POST from the material's page",
    "materials/<int:material_id>/courses/": "POST from the material's page",
    "materials/<int:material_id>/courses/<int:course_id>/detach/": "POST from the material's page",
    # … and a material's page and files: the demo uploads no material (no demo-data step).
    "materials/<int:material_id>/": "no such object in the demo",
    "materials/<int:material_id>/download": "no such object in the demo",
    "materials/<int:material_id>/versions/<int:number>/download": "no such object in the demo",
    # The LRS's resources (#13): called by activity providers with HTTP Basic, not pages.
    "xapi/about": "xAPI resource for activity providers",
    "xapi/activities": "xAPI resource for activity providers",
    "xapi/activities/profile": "xAPI resource for activity providers",
    "xapi/activities/state": "xAPI resource for activity providers",
    "xapi/agents": "xAPI resource for activity providers",
    "xapi/agents/profile": "xAPI resource for activity providers",
    "xapi/statements": "xAPI resource for activity providers",
}


@pytest.fixture
def demo(db: Any) -> DemoContext:
    clock.freeze(dt.datetime(2026, 11, 23, 10, 0, tzinfo=clock.TZ))
    with transaction.atomic():
        testing.reseed_migration_data()
        return run_all(DemoContext(seed=1, people=DEMO_PEOPLE, as_of=AS_OF))


def test_every_page_as_every_demo_role_is_under_500_kb(demo: DemoContext) -> None:
    visited: set[str] = set()
    too_big: list[str] = []
    failed: list[str] = []
    for account in demo.accounts:
        client = Client()
        client.force_login(User.objects.get(username=account.username))
        for visit in sitewalk.walk(client):
            visited.add(visit.route)
            where = f"{account.username} {visit.path}"
            if visit.html_bytes > LIMIT_BYTES:
                too_big.append(f"{where}: {visit.html_bytes // 1024} KB")
            if visit.status >= 500 or visit.status in (400, 404):
                failed.append(f"{where}: HTTP {visit.status}")
    assert too_big == [], "pages over 500 KB of HTML:\n" + "\n".join(too_big)
    assert failed == [], "pages that failed:\n" + "\n".join(failed)
    pages = {r for r in sitewalk.routes() if not r.startswith("api/")}
    unreached = sorted(pages - visited - set(NOT_REACHED_BY_GET))
    assert unreached == [], (
        "no demo role reaches these routes by a link; link them from a page, or add them "
        "to NOT_REACHED_BY_GET with the reason: " + ", ".join(unreached)
    )
    # The list above is kept honest: a listed route that a role now reaches is removed.
    reached = sorted(visited & set(NOT_REACHED_BY_GET))
    assert reached == [], "reached now, remove from NOT_REACHED_BY_GET: " + ", ".join(reached)
