"""Account, import and login events reach the audit page of the bureau concerned (#8 item 9).

Before the fix role.assign, user.create, token.create, user.password_set,
credit.entries_bulk_record, person.import and org.import had an empty org path (listed to
nobody), logins were not audited at all and learner accounts appeared without a trace."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.test import Client

from civtrain import testing
from civtrain.accounts.api import (
    SYSTEM,
    Role,
    api_token_create,
    role_assign,
    user_create,
    user_password_set,
)
from civtrain.core.models import AuditEvent
from civtrain.credits.api import EntryInput, credit_entries_bulk_record
from civtrain.web.selectors import AuditFilters, audit_event_list


def seen_by(actor: Any, action: str) -> list[AuditEvent]:
    """What the audit page lists to `actor` for `action`."""
    return list(audit_event_list(actor=actor, filters=AuditFilters(action=action)))


def test_account_events_are_filed_under_the_accounts_nodes(
    tree: Any, actors: dict[str, Any]
) -> None:
    city, other = actors["city"], actors["other_city"]
    user = user_create(actor=city, username="hr-new", display_name="新人事", org_id=tree["U1"].id)
    role_assign(actor=city, user=user, role=Role.UNIT_HR, org_id=tree["U1"].id)
    api_token_create(actor=city, user=user, name="同步")
    user_password_set(actor=city, user_id=user.pk, password="Xq7-long-enough")
    for action in ("user.create", "role.assign", "token.create", "user.password_set"):
        [event] = [e for e in seen_by(city, action) if e.object_id == str(user.pk)]
        assert event.org_path == tree["U1"].path, action
        assert [e for e in seen_by(other, action) if e.object_id == str(user.pk)] == [], action


def test_an_account_with_roles_in_two_cities_is_seen_by_both(
    tree: Any, actors: dict[str, Any]
) -> None:
    user = testing.make_user(Role.INSTITUTION, tree["C1"])
    role_assign(actor=SYSTEM, user=user, role=Role.TEACHER, org_id=tree["U3"].id)
    api_token_create(actor=SYSTEM, user=user, name="两地")
    assert [e.org_path for e in seen_by(actors["city"], "token.create")] == [tree["C1"].path]
    assert [e.org_path for e in seen_by(actors["other_city"], "token.create")] == [tree["U3"].path]


def test_bulk_ledger_writes_are_filed_under_each_city_they_touch(
    tree: Any, actors: dict[str, Any]
) -> None:
    people = [
        testing.make_person(tree["U1"], "一"),
        testing.make_person(tree["U2"], "二"),
        testing.make_person(tree["U3"], "三"),
    ]
    entries = [
        EntryInput(
            person_id=p.id,
            title="在线学习",
            date=dt.date(2026, 3, 1),
            training_type="in_service",
            mode="online",
            source_type="manual",
            source_ref=f"ref-{p.id}",
            hours=Decimal(3),
        )
        for p in people
    ]
    result = credit_entries_bulk_record(actor=SYSTEM, entries=entries)
    assert result.created == 3, result.items
    assert [e.org_path for e in seen_by(actors["city"], "credit.entries_bulk_record")] == [
        tree["C1"].path
    ]
    assert [e.org_path for e in seen_by(actors["other_city"], "credit.entries_bulk_record")] == [
        tree["U3"].path
    ]


def test_logins_failures_and_lockouts_are_audited(tree: Any, actors: dict[str, Any]) -> None:
    user = actors["unit_hr"]
    client = Client(REMOTE_ADDR="192.0.2.44")
    response = client.post(
        "/login/", {"username": user.username, "password": testing.TEST_PASSWORD}
    )
    assert response.status_code == 302
    [login] = seen_by(actors["city"], "auth.login")
    assert (login.actor_id, login.org_path, login.ip_address) == (
        user.pk,
        tree["U1"].path,
        "192.0.2.44",
    )
    attacker = Client(REMOTE_ADDR="198.51.100.9")
    for _ in range(5):
        attacker.post("/login/", {"username": user.username, "password": "wrong"})
    failed = seen_by(actors["city"], "auth.login_failed")
    assert len(failed) == 5
    assert {(e.actor_id, e.object_id, e.ip_address) for e in failed} == {
        (None, str(user.pk), "198.51.100.9")
    }
    [lockout] = seen_by(actors["city"], "auth.lockout")
    assert lockout.object_id == str(user.pk) and lockout.changes["failures"] == 5
    # A name that is no account is recorded without the text typed (it may be a password).
    Client().post("/login/", {"username": "Secret#Typed-In-The-Wrong-Box", "password": "x"})
    unknown = AuditEvent.objects.filter(action="auth.login_failed", object_id="").get()
    assert "Secret" not in unknown.object_label and unknown.org_path == ""
