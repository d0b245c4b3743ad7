"""The jurisdiction tree (CQ-O2): subtree queries, moving a subtree, allowed kinds, audit."""

from typing import Any

import pytest

from civtrain import testing
from civtrain.accounts.api import SYSTEM, Role
from civtrain.core.errors import NotFound, PermissionDenied, ValidationFailed
from civtrain.core.models import AuditEvent
from civtrain.organisations import selectors, services
from civtrain.organisations.api import subtree_q
from civtrain.organisations.data import OrgKind
from civtrain.organisations.models import OrgNode
from civtrain.people.api import person_ids_in_scope


def _node(code: str) -> OrgNode:
    return OrgNode.objects.get(code=code)


def _codes_under(code: str) -> list[str]:
    node = _node(code)
    return list(
        selectors.org_list(scope_paths=[node.path]).values_list("code", flat=True).order_by("code")
    )


def test_subtree_is_exactly_the_descendants(tree: Any) -> None:
    assert _codes_under("C1") == ["C1", "D1", "D2", "U1", "U1-1", "U2"]
    assert _codes_under("D1") == ["D1", "U1", "U1-1"]
    assert _codes_under("U1") == ["U1", "U1-1"]
    assert _codes_under("U1-1") == ["U1-1"]
    assert _codes_under("C2") == ["C2", "U3"]


def test_paths_and_depths_follow_the_parents(tree: Any) -> None:
    for node in OrgNode.objects.all():
        if node.parent is None:
            assert node.depth == 0
            assert node.path == f"{node.pk:09d}/"
        else:
            assert node.depth == node.parent.depth + 1
            assert node.path == f"{node.parent.path}{node.pk:09d}/"


def test_ids_sharing_a_digit_prefix_do_not_leak_into_each_others_subtree(tree: Any) -> None:
    # Without fixed-width segments, node 1's subtree "1/" would also match "10/…", "11/…".
    # Create enough siblings that ids 1x and 1xx exist, then check every subtree.
    d2 = _node("D2")
    for i in range(12):
        services.org_create(
            actor=SYSTEM, code=f"X{i}", name=f"单位{i}", kind=OrgKind.UNIT, parent=d2
        )
    for node in OrgNode.objects.all():
        expected = {
            n.code for n in OrgNode.objects.all() if n.pk == node.pk or node.pk in _ancestor_ids(n)
        }
        got = set(OrgNode.objects.filter(subtree_q([node.path])).values_list("code", flat=True))
        assert got == expected, node.code


def _ancestor_ids(node: OrgNode) -> set[int]:
    ids = set()
    while node.parent_id is not None:
        node = OrgNode.objects.get(pk=node.parent_id)
        ids.add(node.pk)
    return ids


def test_paths_are_digits_so_like_wildcards_cannot_appear(tree: Any) -> None:
    # A code or name with % or _ never reaches the LIKE pattern: only the path does.
    node = services.org_create(
        actor=SYSTEM, code="A_%1", name="名称_%", kind=OrgKind.UNIT, parent=_node("D1")
    )
    assert set(node.path) <= set("0123456789/")
    assert _codes_under("A_%1") == ["A_%1"]
    assert "A_%1" in _codes_under("D1")
    assert "A_%1" not in _codes_under("D2")


def test_moving_a_subtree_updates_every_descendant(tree: Any) -> None:
    services.org_create(
        actor=SYSTEM, code="U1-1-1", name="科", kind=OrgKind.DEPARTMENT, parent=_node("U1-1")
    )
    services.org_move(actor=SYSTEM, node=_node("U1"), new_parent=_node("D2"))
    d2, u1 = _node("D2"), _node("U1")
    assert u1.parent_id == d2.pk
    assert (u1.path, u1.depth) == (f"{d2.path}{u1.pk:09d}/", 2)
    dept = _node("U1-1")
    assert (dept.path, dept.depth) == (f"{u1.path}{dept.pk:09d}/", 3)
    sub = _node("U1-1-1")
    assert (sub.path, sub.depth) == (f"{dept.path}{sub.pk:09d}/", 4)
    assert _codes_under("D1") == ["D1"]
    assert _codes_under("D2") == ["D2", "U1", "U1-1", "U1-1-1", "U2"]


def test_people_follow_their_unit_when_it_moves(tree: Any) -> None:
    person = testing.make_person(tree["U1-1"], name="李四")
    d1_officer = testing.make_user(Role.DISTRICT_BUREAU, tree["D1"])
    d2_officer = testing.make_user(Role.DISTRICT_BUREAU, tree["D2"])
    assert list(person_ids_in_scope(d1_officer).values_list("pk", flat=True)) == [person.id]
    assert list(person_ids_in_scope(d2_officer).values_list("pk", flat=True)) == []

    services.org_move(actor=SYSTEM, node=_node("U1"), new_parent=_node("D2"))

    # Fresh user objects: the scope is cached per request on the user.
    d1_officer = type(d1_officer).objects.get(pk=d1_officer.pk)
    d2_officer = type(d2_officer).objects.get(pk=d2_officer.pk)
    assert list(person_ids_in_scope(d1_officer).values_list("pk", flat=True)) == []
    assert list(person_ids_in_scope(d2_officer).values_list("pk", flat=True)) == [person.id]


def test_moving_under_own_descendant_or_itself_is_refused(tree: Any) -> None:
    before = dict(OrgNode.objects.values_list("code", "path"))
    for target in ("U1-1", "U1"):
        with pytest.raises(ValidationFailed, match="自己或它的下级"):
            services.org_move(actor=SYSTEM, node=_node("U1"), new_parent=_node(target))
    assert dict(OrgNode.objects.values_list("code", "path")) == before
    assert not AuditEvent.objects.filter(action="org.move").exists()


@pytest.mark.parametrize(
    ("kind", "parent", "allowed"),
    [
        (OrgKind.DISTRICT, "C1", True),
        (OrgKind.DISTRICT, "D1", False),
        (OrgKind.DISTRICT, "U1", False),
        (OrgKind.UNIT, "C1", True),  # 市直单位
        (OrgKind.UNIT, "D1", True),
        (OrgKind.UNIT, "U1", True),
        (OrgKind.UNIT, "U1-1", False),
        (OrgKind.DEPARTMENT, "U1", True),
        (OrgKind.DEPARTMENT, "U1-1", True),
        (OrgKind.DEPARTMENT, "D1", False),
        (OrgKind.DEPARTMENT, "C1", False),
        (OrgKind.CITY, "C1", False),
    ],
)
def test_kinds_allowed_under_parents(tree: Any, kind: OrgKind, parent: str, allowed: bool) -> None:
    count = OrgNode.objects.count()
    if allowed:
        node = services.org_create(
            actor=SYSTEM, code="NEW", name="新", kind=kind, parent=_node(parent)
        )
        assert node.parent_id == _node(parent).pk
        assert OrgNode.objects.count() == count + 1
    else:
        with pytest.raises(ValidationFailed, match="不能设在"):
            services.org_create(
                actor=SYSTEM, code="NEW", name="新", kind=kind, parent=_node(parent)
            )
        assert OrgNode.objects.count() == count


def test_move_checks_the_kind_too(tree: Any) -> None:
    with pytest.raises(ValidationFailed, match="“区县”不能设在“区县”之下"):
        services.org_move(actor=SYSTEM, node=_node("D1"), new_parent=_node("D2"))
    with pytest.raises(ValidationFailed, match="“市”不能设在"):
        services.org_move(actor=SYSTEM, node=_node("C2"), new_parent=_node("C1"))


def test_create_and_move_leave_audit_rows(tree: Any, actors: dict[str, Any]) -> None:
    city = actors["city"]
    node = services.org_create(
        actor=city, code="U7", name="渝中区司法局", kind=OrgKind.UNIT, parent=_node("D1")
    )
    created = AuditEvent.objects.get(action="org.create", object_id=str(node.pk))
    assert (created.actor_id, created.object_label) == (city.pk, "渝中区司法局（U7）")
    assert created.changes == {"code": "U7", "name": "渝中区司法局", "kind": "unit"}
    assert created.org_path == node.path

    old_path = node.path
    services.org_move(actor=city, node=node, new_parent=_node("D2"))
    moved = AuditEvent.objects.get(action="org.move", object_id=str(node.pk))
    assert moved.actor_id == city.pk
    assert moved.changes == {
        "parent": ["D1", "D2"],
        "path": [old_path, _node("U7").path],
        "audit_rows_refiled": 1,  # the org.create row above
    }
    assert moved.org_path == _node("U7").path


def test_moving_to_the_same_parent_changes_nothing(tree: Any) -> None:
    services.org_move(actor=SYSTEM, node=_node("U1"), new_parent=_node("D1"))
    assert not AuditEvent.objects.filter(action="org.move").exists()


def test_only_a_city_bureau_changes_the_tree_inside_its_subtree(
    tree: Any, actors: dict[str, Any]
) -> None:
    with pytest.raises(PermissionDenied):
        services.org_create(
            actor=actors["district"], code="Z1", name="z", kind=OrgKind.UNIT, parent=_node("D1")
        )
    with pytest.raises(NotFound):
        services.org_create(
            actor=actors["other_city"], code="Z1", name="z", kind=OrgKind.UNIT, parent=_node("D1")
        )
    with pytest.raises(NotFound):  # the target parent lies outside C1
        services.org_move(actor=actors["city"], node=_node("U1"), new_parent=_node("C2"))
    with pytest.raises(PermissionDenied):
        services.org_create(actor=actors["city"], code="C3", name="新市", kind=OrgKind.CITY)
    assert not OrgNode.objects.filter(code__in=["Z1", "C3"]).exists()
    assert _node("U1").parent_id == tree["D1"].id


def test_the_system_actor_may_create_a_city(db: Any) -> None:
    node = services.org_create(actor=SYSTEM, code="C9", name="洛阳市", kind=OrgKind.CITY)
    assert (node.depth, node.path) == (0, f"{node.pk:09d}/")
