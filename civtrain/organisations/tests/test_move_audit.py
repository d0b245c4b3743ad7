"""Moving an org subtree re-files its audit rows under the new path, so whoever holds the
unit now reads its history on the audit page; the rows' content stays as recorded."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import SYSTEM, Role
from civtrain.core import clock
from civtrain.core.audit import audit_record
from civtrain.core.errors import ValidationFailed
from civtrain.core.models import AuditEvent
from civtrain.organisations import services
from civtrain.organisations.models import OrgNode

T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=clock.TZ)


def _node(code: str) -> OrgNode:
    return OrgNode.objects.get(code=code)


def _audit_page_labels(user: Any) -> set[str]:
    client = Client()
    client.force_login(user)
    response = client.get("/audit/", {"object_type": "thing"})
    assert response.status_code == 200
    body = response.content.decode()
    return {label for label in ("单位旧事", "科室旧事", "区里的事", "江北的事") if label in body}


def _old_events(tree: Any, actor: Any) -> None:
    clock.freeze(T0)
    for label, code in (
        ("单位旧事", "U1"),
        ("科室旧事", "U1-1"),
        ("区里的事", "D1"),
        ("江北的事", "U2"),
    ):
        audit_record(
            actor=actor,
            action="test.old",
            object_type="thing",
            object_label=label,
            org_path=tree[code].path,
            changes={"note": [label, None]},
        )
    clock.freeze(None)


def _evidence() -> dict[str, tuple[Any, ...]]:
    """Everything an audit row says happened, i.e. all but the scoping path."""
    return {
        e.object_label: (e.at, e.actor_id, e.actor_label, e.action, e.object_id, e.changes)
        for e in AuditEvent.objects.filter(action="test.old")
    }


def test_new_districts_auditor_sees_the_units_old_events(tree: Any, actors: Any) -> None:
    # implements the audit page's subtree scoping across an org move (REQUIREMENTS §7 audit)
    d1_auditor = testing.make_user(Role.CITY_BUREAU, tree["D1"])
    d2_auditor = testing.make_user(Role.CITY_BUREAU, tree["D2"])
    _old_events(tree, actors["district"])
    before = _evidence()
    assert _audit_page_labels(d1_auditor) == {"单位旧事", "科室旧事", "区里的事"}
    assert _audit_page_labels(d2_auditor) == {"江北的事"}

    services.org_move(actor=actors["city"], node=_node("U1"), new_parent=_node("D2"))

    d1_auditor = type(d1_auditor).objects.get(pk=d1_auditor.pk)  # fresh scope cache
    d2_auditor = type(d2_auditor).objects.get(pk=d2_auditor.pk)
    assert _audit_page_labels(d2_auditor) == {"单位旧事", "科室旧事", "江北的事"}
    assert _audit_page_labels(d1_auditor) == {"区里的事"}
    assert _evidence() == before  # who, what, when: unchanged


def test_paths_follow_the_move_and_the_move_is_audited(tree: Any, actors: Any) -> None:
    testing.make_person(tree["U1-1"], name="李四")  # a person.create row filed under U1-1
    _old_events(tree, actors["district"])
    old_u1, old_dept = tree["U1"].path, tree["U1-1"].path
    under_u1 = AuditEvent.objects.filter(org_path__startswith=old_u1).count()
    assert under_u1 >= 4  # org.create ×2, person.create, test.old ×2

    services.org_move(actor=actors["city"], node=_node("U1"), new_parent=_node("D2"))

    u1, dept = _node("U1"), _node("U1-1")
    old_rows = AuditEvent.objects.filter(action="test.old")
    paths = dict(old_rows.values_list("object_label", "org_path"))
    assert paths == {
        "单位旧事": u1.path,
        "科室旧事": dept.path,
        "区里的事": tree["D1"].path,
        "江北的事": tree["U2"].path,
    }
    person_row = AuditEvent.objects.get(action="person.create", object_label__contains="李四")
    assert person_row.org_path == dept.path != old_dept
    assert not AuditEvent.objects.filter(org_path__startswith=old_u1).exists()

    moved = AuditEvent.objects.get(action="org.move")
    assert moved.actor_id == actors["city"].pk
    assert moved.org_path == u1.path
    assert moved.changes == {
        "parent": ["D1", "D2"],
        "path": [old_u1, u1.path],
        "audit_rows_refiled": under_u1,
    }


def test_move_to_another_city_hands_the_history_to_that_city(tree: Any, actors: Any) -> None:
    # An operator's import (system actor) re-hangs a unit under the other city.
    _old_events(tree, actors["district"])
    assert _audit_page_labels(actors["other_city"]) == set()

    services.org_move(actor=SYSTEM, node=_node("U1"), new_parent=_node("C2"))

    other_city = type(actors["other_city"]).objects.get(pk=actors["other_city"].pk)
    city = type(actors["city"]).objects.get(pk=actors["city"].pk)
    assert _audit_page_labels(other_city) == {"单位旧事", "科室旧事"}
    assert _audit_page_labels(city) == {"区里的事", "江北的事"}


def test_refused_move_leaves_audit_paths_alone(tree: Any, actors: Any) -> None:
    _old_events(tree, actors["district"])
    before = dict(AuditEvent.objects.values_list("pk", "org_path"))
    with pytest.raises(ValidationFailed):
        services.org_move(actor=actors["city"], node=_node("U1"), new_parent=_node("U1-1"))
    assert dict(AuditEvent.objects.values_list("pk", "org_path")) == before


def test_audit_rows_stay_append_only_through_the_orm(tree: Any) -> None:
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.filter(org_path__startswith=tree["U1"].path).update(org_path="x/")
