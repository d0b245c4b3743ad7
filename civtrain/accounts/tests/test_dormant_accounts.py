"""The review of dormant accounts (#17 item 4, GB/T 22239-2019 8.1.4.2 c: surplus and expired
accounts removed): staff accounts of the city with no login for its `dormant_days` are
listed for the security administrator, who disables them; audited; nobody else may."""

import datetime as dt
from typing import Any

from django.test import Client

from civtrain import testing
from civtrain.accounts.api import Role
from civtrain.accounts.models import SecurityPolicy, User
from civtrain.core import clock
from civtrain.core.models import AuditEvent

JOINED = dt.datetime(2026, 1, 5, 9, 0, tzinfo=clock.TZ)
REVIEW = dt.datetime(2026, 6, 1, 10, 0, tzinfo=clock.TZ)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_dormant_staff_accounts_are_listed_and_disabled(tree: Any) -> None:
    clock.freeze(JOINED)
    SecurityPolicy.objects.create(city_id=tree["C1"].id, dormant_days=100)
    security = testing.make_user(Role.SECURITY_ADMIN, tree["C1"], username="sec")
    never = testing.make_user(Role.TEACHER, tree["C1"], username="never-logged-in")
    old = testing.make_user(Role.UNIT_HR, tree["U1"], username="last-in-january")
    recent = testing.make_user(Role.EVALUATOR, tree["C1"], username="last-in-may")
    elsewhere = testing.make_user(Role.TEACHER, tree["C2"], username="zhengzhou-teacher")
    learner = testing.make_person(tree["U1"], name="学员甲")
    audit_admin = testing.make_user(Role.AUDIT_ADMIN, tree["C1"], username="auditor")
    User.objects.update(date_joined=JOINED)  # Django stamps the wall clock, not the frozen one
    User.objects.filter(pk=old.pk).update(last_login=JOINED + dt.timedelta(days=10))
    User.objects.filter(pk=recent.pk).update(last_login=REVIEW - dt.timedelta(days=20))

    clock.freeze(REVIEW)
    client = _client(security)
    assert 'href="/account/dormant/"' in client.get("/account/users/").content.decode()
    page = client.get("/account/dormant/").content.decode()
    assert "超过 100 天未登录" in page
    # Longest unused first: the one never used since 5 January, then the January login.
    assert page.index("never-logged-in") < page.index("last-in-january")
    assert "从未登录" in page and "2026-01-15" in page
    for absent in ("last-in-may", "zhengzhou-teacher", "auditor", "sec<", learner.name):
        assert absent not in page, absent

    response = client.post(f"/account/users/{old.pk}/disable/")
    assert response.status_code == 302 and response["Location"] == "/account/dormant/"
    old.refresh_from_db()
    assert not old.is_active
    after = client.get("/account/dormant/").content.decode()
    assert "已停用账号 last-in-january" in after  # the message, and no row any more
    assert f'id="dormant-{old.pk}"' not in after and f'id="dormant-{never.pk}"' in after
    event = AuditEvent.objects.get(action="account.disable")
    assert (event.actor_id, event.object_id, event.object_label) == (
        security.pk,
        str(old.pk),
        "last-in-january",
    )
    assert event.changes == {"reason": "dormant", "last_login": "2026-01-15T01:00:00+00:00"}
    # A disabled account no longer logs in.
    attempt = Client()
    attempt.post("/login/", {"username": "last-in-january", "password": testing.TEST_PASSWORD})
    assert "_auth_user_id" not in attempt.session

    # Out of the administrator's reach: another city's account, the audit administrator's.
    for other in (elsewhere, audit_admin):
        assert client.post(f"/account/users/{other.pk}/disable/").status_code == 404
        other.refresh_from_db()
        assert other.is_active
    # Nobody but the security administrator reviews or disables.
    for role in (Role.CITY_BUREAU, Role.AUDIT_ADMIN, Role.SYSTEM_ADMIN):
        someone = _client(testing.make_user(role, tree["C1"]))
        assert someone.get("/account/dormant/").status_code == 403
        assert someone.post(f"/account/users/{never.pk}/disable/").status_code == 403
    never.refresh_from_db()
    assert never.is_active
    assert AuditEvent.objects.filter(action="account.disable").count() == 1
