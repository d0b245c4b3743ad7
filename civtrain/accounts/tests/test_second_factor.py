"""Two factors for every administrative role (#17 item 1, GB/T 22239-2019 8.1.4.1): a login
with the password alone reaches nothing but the second-factor page; enrolment, verification,
replay, reset and failures are audited; learners and teachers keep the password alone unless
their city requires more."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from civtrain import testing
from civtrain.accounts.api import SECOND_FACTOR_ROLES, Role
from civtrain.accounts.models import SecurityPolicy
from civtrain.core import clock
from civtrain.core.models import AuditEvent

ADMINISTRATIVE = [r for r in SECOND_FACTOR_ROLES]


def _password_login(user: Any) -> Client:
    client = Client()
    response = client.post(
        "/login/", {"username": user.username, "password": testing.TEST_PASSWORD}
    )
    assert response.status_code == 302, response.content[:500]
    return client


def _code(key_hex: str, step_offset: int = 0) -> str:
    totp = TOTP(bytes.fromhex(key_hex))
    totp.time = (totp.t() + step_offset) * totp.step
    return f"{totp.token():06d}"


@pytest.mark.parametrize("role", ADMINISTRATIVE, ids=lambda r: r.value)
def test_a_password_alone_reaches_nothing_for_an_administrative_role(tree: Any, role: Role) -> None:
    user = testing.make_user(role, tree["C1"])
    client = _password_login(user)

    for page in ("/", "/people/", "/audit/", "/account/tokens/", "/account/users/", "/system/"):
        response = client.get(page)
        assert response.status_code == 302, (role, page)
        assert response["Location"].startswith("/account/2fa/"), (role, page)
    api = client.get("/api/v1/people")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "second_factor_required"
    # The second-factor page itself is open, and it offers the enrolment (no factor yet).
    page = client.get("/account/2fa/")
    assert page.status_code == 200
    assert 'id="totp-secret"' in page.content.decode()


@pytest.mark.parametrize("role", [Role.LEARNER, Role.TEACHER], ids=lambda r: r.value)
def test_learners_and_teachers_sign_in_with_a_password_alone(tree: Any, role: Role) -> None:
    user = testing.make_user(role, tree["U1"] if role == Role.LEARNER else tree["C1"])
    client = _password_login(user)
    assert client.get("/").status_code == 200


def test_a_city_may_require_the_second_factor_of_its_learners(tree: Any) -> None:
    SecurityPolicy.objects.create(city_id=tree["C1"].id, learner_second_factor=True)
    learner = testing.make_user(Role.LEARNER, tree["U1"])
    other_city = testing.make_user(Role.LEARNER, tree["U3"])

    assert _password_login(learner).get("/")["Location"].startswith("/account/2fa/")
    assert _password_login(other_city).get("/").status_code == 200


def test_enrolment_needs_a_right_code_and_is_audited(tree: Any, settings: Any) -> None:
    # django-otp delays the next try after a failure by real seconds; this test is about
    # codes, not the delay.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user = testing.make_user(Role.UNIT_HR, tree["U1"])
    client = _password_login(user)
    client.get("/account/2fa/")
    pending = TOTPDevice.objects.get(user=user, confirmed=False)
    # Reloading the page keeps the same secret (the user may be scanning it).
    client.get("/account/2fa/")
    assert TOTPDevice.objects.filter(user=user).count() == 1

    wrong = client.post(
        "/account/2fa/", {"token": "000000" if _code(pending.key) != "000000" else "111111"}
    )
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    assert client.get("/people/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.2fa_failed", object_id=str(user.pk)).exists()

    done = client.post("/account/2fa/", {"token": _code(pending.key), "next": "/people/"})
    assert done.status_code == 302 and done["Location"] == "/people/"
    assert client.get("/people/").status_code == 200
    pending.refresh_from_db()
    assert pending.confirmed
    event = AuditEvent.objects.get(action="auth.2fa_enrol", object_id=str(user.pk))
    assert event.actor_id == user.pk and event.changes["method"] == "totp"


def test_a_code_is_accepted_once(tree: Any, settings: Any) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # as above: codes, not the delay after a failure
    user = testing.make_user(Role.CITY_BUREAU, tree["C1"])
    device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    code = _code(device.key)

    first = _password_login(user)
    assert first.post("/account/2fa/", {"token": code})["Location"] == "/"
    assert first.get("/").status_code == 200

    replay = _password_login(user)
    response = replay.post("/account/2fa/", {"token": code})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    assert replay.get("/").status_code == 302
    # The next time step's code (within the device's tolerance) is a fresh one.
    assert replay.post("/account/2fa/", {"token": _code(device.key, 1)})["Location"] == "/"


def test_a_password_only_session_of_an_api_caller_is_refused(tree: Any) -> None:
    user = testing.make_user(Role.DISTRICT_BUREAU, tree["D1"])
    client = Client()
    testing.force_login_password_only(client, user)
    response = client.get("/api/v1/people")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "second_factor_required"
    # The refusal is evidence (#17 item 3).
    assert AuditEvent.objects.filter(action="request.refused", actor_id=user.pk).exists()


def test_the_super_user_needs_the_second_factor_and_its_use_is_audited(db: Any) -> None:
    from civtrain.accounts.models import User

    root = User.objects.create_superuser("root", password=testing.TEST_PASSWORD)
    client = _password_login(root)
    assert AuditEvent.objects.filter(action="auth.superuser_login", object_id=str(root.pk)).exists()
    assert client.get("/")["Location"].startswith("/account/2fa/")
    testing.second_factor_pass(client, root)
    client.get("/orgs/")
    used = AuditEvent.objects.filter(action="superuser.request", actor_id=root.pk)
    assert {e.changes["path"] for e in used} >= {"/orgs/"}


def test_after_login_the_user_is_told_of_the_last_login_and_failures_since(tree: Any) -> None:
    user = testing.make_user(Role.TEACHER, tree["C1"])
    clock.freeze(dt.datetime(2026, 11, 20, 9, 0, tzinfo=clock.TZ))
    first = Client()
    first.post(
        "/login/", {"username": user.username, "password": testing.TEST_PASSWORD}, follow=True
    )
    clock.freeze(dt.datetime(2026, 11, 21, 9, 0, tzinfo=clock.TZ))
    for _ in range(2):
        Client().post("/login/", {"username": user.username, "password": "wrong-password"})
    clock.freeze(dt.datetime(2026, 11, 22, 9, 0, tzinfo=clock.TZ))
    page = Client().post(
        "/login/", {"username": user.username, "password": testing.TEST_PASSWORD}, follow=True
    )
    body = page.content.decode()
    assert "上次登录：2026-11-20 09:00" in body
    assert "此后有 2 次失败的登录尝试" in body


def test_repeated_wrong_codes_are_slowed_down(tree: Any) -> None:
    user = testing.make_user(Role.EVALUATOR, tree["C1"])
    device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    client = _password_login(user)
    right = _code(device.key)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(4):  # the delay doubles with each failure: 8 s after the fourth
        client.post("/account/2fa/", {"token": wrong})
    # Right after the failures even the right code is refused until the delay has passed.
    response = client.post("/account/2fa/", {"token": right})
    assert "验证码错误次数过多" in response.content.decode()
    assert client.get("/").status_code == 302
    throttled = AuditEvent.objects.filter(action="auth.2fa_failed", object_id=str(user.pk))
    assert any(e.changes.get("throttled") for e in throttled)
