"""A city's account policy (#17 item 1, GB/T 22239-2019 8.1.4.1): password length, classes,
history and expiry; the idle timeout and the absolute session lifetime; the lockout with a
clear message and its end by the security administrator; all audited."""

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import SYSTEM, Role, user_password_set
from civtrain.accounts.models import SecurityPolicy, User
from civtrain.accounts.services import user_password_change
from civtrain.core import clock
from civtrain.core.models import AuditEvent

MORNING = dt.datetime(2026, 11, 23, 9, 0, tzinfo=clock.TZ)


@pytest.fixture
def time_limits(settings: Any) -> None:
    settings.CIVTRAIN_SESSION_TIME_LIMITS = True  # off in the test settings, on in production


def _login(user: Any) -> Client:
    client = Client()
    client.post("/login/", {"username": user.username, "password": testing.TEST_PASSWORD})
    return client


def test_passwords_follow_the_city_policy(tree: Any) -> None:
    user = testing.make_user(Role.TEACHER, tree["C1"])
    SecurityPolicy.objects.create(city_id=tree["C1"].id, min_length=14, min_classes=4)
    for weak, reason in (
        ("Short#1a", "至少 14 个字符"),
        ("alllowercaseandlong1", "至少 4 类"),
    ):
        with pytest.raises(ValidationError) as error:
            validate_password(weak, user)
        assert any(reason in m for m in error.value.messages), error.value.messages
    validate_password("Long-enough#Pass1", user)
    # The other city keeps the default (10 characters, 3 classes).
    other = testing.make_user(Role.TEACHER, tree["C2"])
    validate_password("Abcdefgh12", other)


def test_a_new_password_differs_from_the_last_ones(tree: Any) -> None:
    user = testing.make_user(Role.TEACHER, tree["C1"])
    previous = [testing.TEST_PASSWORD]
    for n in range(3):
        new = f"Second-{n}#Password"
        user_password_change(user=user, old_password=previous[-1], new_password=new)
        previous.append(new)
    with pytest.raises(Exception, match="最近使用过的 5 个密码"):
        user_password_change(user=user, old_password=previous[-1], new_password=previous[0])
    user_password_change(user=user, old_password=previous[-1], new_password="Quite-New#Password9")


def test_the_idle_timeout_ends_the_session_and_is_audited(tree: Any, time_limits: None) -> None:
    user = testing.make_user(Role.TEACHER, tree["C1"])
    SecurityPolicy.objects.create(city_id=tree["C1"].id, idle_minutes=15)
    clock.freeze(MORNING)
    client = _login(user)
    clock.freeze(MORNING + dt.timedelta(minutes=14))
    assert client.get("/").status_code == 200
    clock.freeze(MORNING + dt.timedelta(minutes=28))  # 14 idle minutes since the last request
    assert client.get("/").status_code == 200
    clock.freeze(MORNING + dt.timedelta(minutes=44))
    response = client.get("/classes/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/")["Location"].startswith("/login/")  # the session is gone
    assert AuditEvent.objects.filter(action="auth.session_idle", actor_id=user.pk).exists()


def test_the_absolute_lifetime_ends_even_a_busy_session(tree: Any, time_limits: None) -> None:
    user = testing.make_user(Role.TEACHER, tree["C1"])
    SecurityPolicy.objects.create(city_id=tree["C1"].id, idle_minutes=30, absolute_hours=2)
    clock.freeze(MORNING)
    client = _login(user)
    for minutes in range(20, 120, 20):
        clock.freeze(MORNING + dt.timedelta(minutes=minutes))
        assert client.get("/").status_code == 200
    clock.freeze(MORNING + dt.timedelta(minutes=125))
    api = client.get("/api/v1/me")
    assert api.status_code == 401 and api.json()["error"]["code"] == "not_authenticated"
    assert AuditEvent.objects.filter(action="auth.session_expired", actor_id=user.pk).exists()


def test_an_expired_password_must_be_changed_first(tree: Any, time_limits: None) -> None:
    user = testing.make_user(Role.TEACHER, tree["C1"])
    SecurityPolicy.objects.create(city_id=tree["C1"].id, expiry_days=30)
    clock.freeze(MORNING)
    user_password_set(actor=SYSTEM, user_id=user.pk, password="Chosen-Once#2026")
    clock.freeze(MORNING + dt.timedelta(days=31))
    client = Client()
    client.post("/login/", {"username": user.username, "password": "Chosen-Once#2026"})
    assert client.get("/")["Location"] == "/account/password/"
    client.post(
        "/account/password/",
        {
            "old_password": "Chosen-Once#2026",
            "new_password": "Chosen-Twice#2026",
            "new_password_again": "Chosen-Twice#2026",
        },
    )
    assert client.get("/").status_code == 200


def test_lockout_has_a_clear_message_and_the_security_administrator_ends_it(tree: Any) -> None:
    user = testing.make_user(Role.TEACHER, tree["C1"])
    for _ in range(5):
        Client().post("/login/", {"username": user.username, "password": "wrong"})
    locked = Client().post(
        "/login/", {"username": user.username, "password": testing.TEST_PASSWORD}
    )
    assert "锁定" in locked.content.decode()

    admin = testing.make_user(Role.SECURITY_ADMIN, tree["C1"])
    client = Client()
    client.force_login(admin)
    assert "已锁定" in client.get(f"/account/users/{user.pk}/").content.decode()
    client.post(f"/account/users/{user.pk}/unlock/")
    assert AuditEvent.objects.filter(action="auth.unlock", actor_id=admin.pk).exists()
    again = Client()
    response = again.post("/login/", {"username": user.username, "password": testing.TEST_PASSWORD})
    assert response.status_code == 302 and again.get("/").status_code == 200
    assert User.objects.get(pk=user.pk).last_login is not None
