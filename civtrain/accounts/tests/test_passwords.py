"""Passwords people can use (#11 item 1): one-time passwords issued by HR are readable,
hashed and audited without the password; every user changes their own, with the site's
validators; a user holding an issued password changes it before anything else."""

import re
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import (
    SYSTEM,
    Role,
    User,
    api_token_create,
    password_generate,
    role_assign,
    user_passwords_issue,
)
from civtrain.accounts.services import PASSWORD_ALPHABET
from civtrain.core.errors import NotFound, ValidationFailed
from civtrain.core.models import AuditEvent

READABLE = re.compile(rf"^[{PASSWORD_ALPHABET}]{{4}}(-[{PASSWORD_ALPHABET}]{{4}}){{2}}$")


def test_generated_passwords_are_readable_fresh_and_pass_the_validators(db: Any) -> None:
    from django.contrib.auth.password_validation import validate_password

    drawn = [password_generate() for _ in range(200)]
    assert all(READABLE.match(p) for p in drawn), drawn[:5]
    assert len(set(drawn)) == len(drawn)
    # Nothing a reader could take for another character.
    assert not set("0Oo1lIiLjDQ") & set("".join(drawn))
    for password in drawn[:20]:
        validate_password(password)  # raises if a validator refuses it


def _learner(tree: Any) -> Any:
    person = testing.make_person(tree["U1"], "王五")
    return User.objects.get(pk=person.user_id)


def test_issuing_stores_a_hash_forces_a_change_and_audits_without_the_password(
    tree: Any, actors: dict[str, Any]
) -> None:
    user = _learner(tree)
    assert not user.has_usable_password()
    [issued] = user_passwords_issue(actor=actors["unit_hr"], org_paths={user.pk: tree["U1"].path})
    user.refresh_from_db()
    assert (issued.user_id, issued.username, issued.reset) == (user.pk, user.username, False)
    # Hashed, with the issued passwords' quick hasher (ADR 0015) ...
    assert user.password.startswith("pbkdf2_sha256_issued$1000$")
    assert issued.password not in user.password
    assert user.must_change_password
    event = AuditEvent.objects.get(action="user.password_issue", object_id=str(user.pk))
    assert (event.actor_id, event.org_path) == (actors["unit_hr"].pk, tree["U1"].path)
    assert event.changes == {"login": user.username}
    # A second time it is a reset; the password is in no audit row at all.
    [again] = user_passwords_issue(actor=actors["unit_hr"], org_paths={user.pk: tree["U1"].path})
    assert again.reset and again.password != issued.password
    assert AuditEvent.objects.filter(action="user.password_reset").count() == 1
    for row in AuditEvent.objects.all():
        assert issued.password not in str(row.changes) + row.object_label
        assert again.password not in str(row.changes) + row.object_label


def test_a_staff_account_is_not_an_hr_officers_to_take_over(
    tree: Any, actors: dict[str, Any]
) -> None:
    user = _learner(tree)
    role_assign(actor=SYSTEM, user=user, role=Role.UNIT_HR, org_id=tree["U1"].id)
    before = User.objects.get(pk=user.pk).password
    with pytest.raises(ValidationFailed, match="担任管理角色"):
        user_passwords_issue(actor=actors["unit_hr"], org_paths={user.pk: tree["U1"].path})
    assert User.objects.get(pk=user.pk).password == before
    with pytest.raises(NotFound):
        user_passwords_issue(actor=actors["unit_hr"], org_paths={10**9: tree["U1"].path})


def _issued_client(tree: Any, actors: dict[str, Any]) -> tuple[Any, str, Client]:
    user = _learner(tree)
    [issued] = user_passwords_issue(actor=actors["unit_hr"], org_paths={user.pk: tree["U1"].path})
    client = Client()
    response = client.post("/login/", {"username": user.username, "password": issued.password})
    assert response.status_code == 302
    # ... re-hashed with the site's preferred hasher at the first login (MD5 in tests).
    user.refresh_from_db()
    assert user.password.startswith("md5$") and user.check_password(issued.password)
    return user, issued.password, client


def test_first_login_with_an_issued_password_must_change_it_first(
    tree: Any, actors: dict[str, Any]
) -> None:
    user, issued, client = _issued_client(tree, actors)
    # Every page sends the user to the password change; the API refuses the session.
    for path in ("/", "/credits/record/", "/account/tokens/"):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, "/account/password/"), path
    htmx = client.get("/", headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == "/account/password/"
    api = client.get("/api/v1/people")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "permission_denied"
    page = client.get("/account/password/").content.decode()
    assert 'id="password-change-required"' in page
    # The issued password again, a weak one, two that differ: refused, nothing changes.
    for new, again, message in (
        (issued, issued, "新密码不能与当前密码相同"),
        ("12345678", "12345678", "这个密码太常见了"),
        ("Kq8-neuer-Weg", "Kq8-neuer-Weh", "两次输入的新密码不一致"),
    ):
        response = client.post(
            "/account/password/",
            {"old_password": issued, "new_password": new, "new_password_again": again},
        )
        assert response.status_code == 200
        assert message in response.content.decode(), message
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(issued)
    # A good one: the user lands on their home page, still logged in, free to go anywhere.
    response = client.post(
        "/account/password/",
        {
            "old_password": issued,
            "new_password": "Kq8-neuer-Weg",
            "new_password_again": "Kq8-neuer-Weg",
        },
        follow=True,
    )
    assert response.redirect_chain == [("/", 302)]
    assert "密码已修改" in response.content.decode()
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("Kq8-neuer-Weg")
    assert client.get("/credits/record/").status_code == 200
    event = AuditEvent.objects.get(action="user.password_change")
    assert (event.actor_id, event.changes) == (user.pk, {"forced": True})
    assert "Kq8-neuer-Weg" not in str(event.changes)


def test_a_bearer_token_is_not_held_up_by_the_forced_change(
    tree: Any, actors: dict[str, Any]
) -> None:
    hr = actors["unit_hr"]
    key = api_token_create(actor=hr, user=hr, name="同步")
    User.objects.filter(pk=hr.pk).update(must_change_password=True)
    response = Client().get("/api/v1/people", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200


def test_every_user_may_change_their_own_password_with_the_current_one(
    tree: Any, actors: dict[str, Any]
) -> None:
    client = Client()
    client.force_login(actors["city"])
    assert client.get("/account/password/").status_code == 200
    wrong = client.post(
        "/account/password/",
        {
            "old_password": "nope",
            "new_password": "Lang-genug-42",
            "new_password_again": "Lang-genug-42",
        },
    )
    assert "当前密码不正确" in wrong.content.decode()
    done = client.post(
        "/account/password/",
        {
            "old_password": testing.TEST_PASSWORD,
            "new_password": "Lang-genug-42",
            "new_password_again": "Lang-genug-42",
        },
    )
    assert (done.status_code, done["Location"]) == (302, "/")
    assert client.get("/").status_code == 200  # the session survives its own change
    assert User.objects.get(pk=actors["city"].pk).check_password("Lang-genug-42")
    assert AuditEvent.objects.get(action="user.password_change").changes == {"forced": False}


def test_the_login_page_tells_a_user_who_forgot_to_ask_their_hr_officer(
    db: Any, client: Client
) -> None:
    page = client.get("/login/").content.decode()
    assert 'id="forgot-password"' in page
    assert "请联系本单位组织人事部门" in page and "不通过电子邮件" in page
    client.cookies["django_language"] = "en"
    english = client.get("/login/").content.decode()
    assert "ask the HR office of your unit" in english
