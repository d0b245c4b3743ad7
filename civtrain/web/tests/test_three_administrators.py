"""The three administrators (#17 item 2, GB/T 22239-2019 8.1.4.2), separated: the security
administrator manages accounts, roles and policies but reads no personal data and no audit;
the audit administrator reads and exports the audit and changes nothing; the system
administrator runs the system and grants no roles. Each is refused the others' jobs, and
nothing changes when they try."""

import csv
import io
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import (
    Role,
    actor_scope,
    security_policy_get,
    staff_role_count_under,
)
from civtrain.core.models import AuditEvent


@pytest.fixture
def world(tree: Any, actors: Any) -> dict[str, Any]:
    person = testing.make_person(
        tree["U1"], name="甲一", id_number=testing.make_id_number(serial=701)
    )
    admins = {
        "security": testing.make_user(Role.SECURITY_ADMIN, tree["C1"]),
        "audit": testing.make_user(Role.AUDIT_ADMIN, tree["C1"]),
        "system": testing.make_user(Role.SYSTEM_ADMIN, tree["C1"]),
    }
    clients = {}
    for key, user in admins.items():
        clients[key] = Client()
        clients[key].force_login(user)
    return {"tree": tree, "actors": actors, "person": person, "admins": admins, "clients": clients}


def _writes(world: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """The security administrator's jobs, as the requests that do them."""
    target = world["actors"]["teacher"]
    return {
        "grant": (f"/account/users/{target.pk}/roles/", {"role": "evaluator", "org_code": "C1"}),
        "unlock": (f"/account/users/{target.pk}/unlock/", {}),
        "reset_2fa": (f"/account/users/{target.pk}/reset-2fa/", {}),
        "policy": (
            "/account/policy/",
            {
                "min_length": 12,
                "min_classes": 3,
                "history": 5,
                "expiry_days": 60,
                "idle_minutes": 15,
                "absolute_hours": 8,
            },
        ),
    }


PERSONAL_DATA_PAGES = ("/people/", "/people/{person}/", "/compliance/", "/orgs/")


def _state(world: dict[str, Any]) -> tuple[int, Any, int]:
    city = world["tree"]["C1"]
    return (
        staff_role_count_under(city.path),
        security_policy_get(city.id),
        AuditEvent.objects.filter(
            action__in=["role.assign", "auth.unlock", "auth.2fa_reset"]
        ).count(),
    )


def test_the_security_administrator_manages_accounts_roles_and_policy(
    world: dict[str, Any],
) -> None:
    client = world["clients"]["security"]
    teacher = world["actors"]["teacher"]
    listing = client.get("/account/users/").content.decode()
    assert teacher.username in listing
    # The other two administrators are not its to manage, nor is the other city's staff.
    assert world["admins"]["audit"].username not in listing
    assert world["actors"]["other_city"].username not in listing
    assert client.get(f"/account/users/{world['admins']['audit'].pk}/").status_code == 404
    assert client.get(f"/account/users/{world['actors']['other_city'].pk}/").status_code == 404

    for url, data in _writes(world).values():
        assert client.post(url, data).status_code == 302, url
    teacher = type(teacher).objects.get(pk=teacher.pk)  # a fresh scope
    assert actor_scope(teacher).has(Role.EVALUATOR)
    assert security_policy_get(world["tree"]["C1"].id).idle_minutes == 15
    assert {"role.assign", "auth.unlock", "auth.2fa_reset", "security.policy_set"} <= set(
        AuditEvent.objects.filter(actor_id=world["admins"]["security"].pk).values_list(
            "action", flat=True
        )
    )


def test_the_security_administrator_grants_no_administrator_role_nor_itself(
    world: dict[str, Any],
) -> None:
    client = world["clients"]["security"]
    me = world["admins"]["security"]
    before = _state(world)
    client.post(
        f"/account/users/{world['actors']['teacher'].pk}/roles/",
        {"role": "audit_admin", "org_code": "C1"},
    )
    assert (
        client.post(
            f"/account/users/{me.pk}/roles/", {"role": "city_bureau", "org_code": "C1"}
        ).status_code
        == 404
    )
    assert _state(world) == before


@pytest.mark.parametrize("page", PERSONAL_DATA_PAGES)
def test_the_security_administrator_reads_no_personal_data(
    world: dict[str, Any], page: str
) -> None:
    client = world["clients"]["security"]
    response = client.get(page.format(person=world["person"].id))
    assert response.status_code in (403, 404)
    assert "甲一" not in response.content.decode()


@pytest.mark.parametrize("admin", ["security", "system"])
def test_only_the_audit_administrator_reads_the_audit(world: dict[str, Any], admin: str) -> None:
    client = world["clients"][admin]
    assert client.get("/audit/").status_code == 403
    assert client.post("/audit/export/", {"format": "csv"}).status_code == 403
    assert world["clients"]["audit"].get("/audit/").status_code == 200


@pytest.mark.parametrize("admin", ["audit", "system"])
def test_the_audit_and_system_administrators_grant_nothing_and_change_no_policy(
    world: dict[str, Any], admin: str
) -> None:
    client = world["clients"][admin]
    before = _state(world)
    for name, (url, data) in _writes(world).items():
        assert client.post(url, data).status_code == 403, (admin, name)
    assert client.get("/account/users/").status_code == 403
    assert _state(world) == before


@pytest.mark.parametrize("admin", ["security", "audit"])
def test_only_the_system_administrator_sees_how_the_system_runs(
    world: dict[str, Any], admin: str
) -> None:
    assert world["clients"][admin].get("/system/").status_code == 403
    page = world["clients"]["system"].get("/system/")
    assert page.status_code == 200 and 'id="pending-migrations"' in page.content.decode()


@pytest.mark.parametrize("admin", ["audit", "system"])
@pytest.mark.parametrize("page", PERSONAL_DATA_PAGES)
def test_the_audit_and_system_administrators_read_no_personal_data(
    world: dict[str, Any], admin: str, page: str
) -> None:
    response = world["clients"][admin].get(page.format(person=world["person"].id))
    assert response.status_code in (403, 404)
    assert "甲一" not in response.content.decode()


def test_the_audit_administrator_searches_and_exports_with_formulas_neutralised(
    world: dict[str, Any],
) -> None:
    # A login name typed as a formula lands in the audit as a failed login.
    Client().post("/login/", {"username": world["actors"]["teacher"].username, "password": "=1+1"})
    hostile = testing.make_user(Role.TEACHER, world["tree"]["C1"], username="=HYPERLINK(1)")
    Client().post("/login/", {"username": hostile.username, "password": "wrong"})
    client = world["clients"]["audit"]

    failed = _table(client.get("/audit/", {"result": "failed"}))
    assert "auth.login_failed" in failed
    assert "user.create" not in failed
    by_object = _table(client.get("/audit/", {"object": str(hostile.pk)}))
    assert "=HYPERLINK(1)" in by_object

    response = client.post("/audit/export/", {"format": "csv", "result": "failed"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["时间", "操作人", "操作人ID", "地址", "操作"]
    assert {r[4] for r in rows[1:]} <= {"auth.login_failed", "request.refused", "auth.lockout"}
    labels = [r[7] for r in rows[1:] if r[6] == str(hostile.pk)]
    assert labels and all(not label.startswith("=") for label in labels)
    assert AuditEvent.objects.filter(
        action="audit.export", actor_id=world["admins"]["audit"].pk
    ).exists()
    xlsx = client.post("/audit/export/", {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def _table(response: Any) -> str:
    body = response.content.decode()
    return body[body.index('id="audit-table"') :]
