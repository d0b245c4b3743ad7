"""Deactivating an org node (#8 item 10): a bureau cannot lock itself out, and a subtree
with active people or staff roles is refused with what is still there."""

from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import SYSTEM, Role, actor_scope
from civtrain.core.models import AuditEvent
from civtrain.organisations.models import OrgNode


@pytest.fixture
def call(tree: Any, actors: dict[str, Any]) -> dict[str, testing.ApiCaller]:
    return testing.api_callers(tree, actors)


def _active(code: str) -> bool:
    return OrgNode.objects.get(code=code).active


def _deactivations() -> int:
    return AuditEvent.objects.filter(action="org.update").count()


def test_a_bureau_cannot_deactivate_its_own_node(call: Any, tree: Any, actors: Any) -> None:
    # Before the fix this answered 200 and the city bureau lost every role it held.
    status, body = call["city"]("PATCH", f"/orgs/{tree['C1'].id}", {"active": False})
    assert status == 403, body
    assert body["error"]["message"] == (
        "不能停用您本人角色所在的机构或其上级机构：停用后您将失去这些权限，且无法在系统中恢复"
    )
    assert _active("C1") and _deactivations() == 0
    assert actor_scope(actors["city"]).has(Role.CITY_BUREAU)


def test_nor_an_ancestor_of_its_own_node(tree: Any, actors: Any) -> None:
    # A city bureau user who also holds a role at a unit may not switch off that unit's
    # district either.
    from civtrain.accounts.api import role_assign

    city = actors["city"]
    role_assign(actor=SYSTEM, user=city, role=Role.TEACHER, org_id=tree["U2"].id)
    client = testing.ApiCaller(city)
    status, body = client("PATCH", f"/orgs/{tree['D2'].id}", {"active": False})
    assert status == 403, body
    assert _active("D2")


def test_a_subtree_with_people_or_staff_is_refused_with_what_is_still_there(
    call: Any, tree: Any
) -> None:
    testing.make_person(tree["U1-1"], "在职甲")
    status, body = call["city"]("PATCH", f"/orgs/{tree['D1'].id}", {"active": False})
    assert status == 400, body
    # D1 holds: the district bureau user; U1 the unit HR user; the learner and 在职甲 work
    # in U1 and U1-1 (api_callers adds the learner; make_person adds the city admin at C1).
    assert body["error"] == {
        "code": "org_in_use",
        "message": (
            "“渝中区”及其下级机构仍有 2 名在职人员、2 个管理角色账号："
            "请先将人员调出、将角色移交到其他机构，再停用"
        ),
        "details": {"people": 2, "roles": 2},
    }
    assert _active("D1") and _active("U1") and _deactivations() == 0


def test_an_empty_node_can_still_be_deactivated(call: Any, tree: Any) -> None:
    status, body = call["city"]("PATCH", f"/orgs/{tree['U2'].id}", {"active": False})
    assert status == 200, body
    assert not _active("U2")
    event = AuditEvent.objects.get(action="org.update")
    assert event.changes == {"active": [True, False]}


def test_the_tree_page_says_the_same(tree: Any, actors: Any) -> None:
    client = Client()
    client.force_login(actors["city"])
    response = client.post(f"/orgs/{tree['C1'].id}/edit/", {"name": tree["C1"].name}, follow=True)
    assert "不能停用您本人角色所在的机构或其上级机构" in response.content.decode()
    assert _active("C1")
