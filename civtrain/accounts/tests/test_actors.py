"""Who acts (issue #9 item 5): every `actor` is typed `core.actors.Actor`; the system is an
explicit actor with its documented rights, and no missing actor is trusted in its place."""

import datetime as dt
import importlib
import inspect
import pkgutil
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest

import civtrain
from civtrain.accounts.api import SYSTEM, Role, actor_scope, is_system
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound, PermissionDenied
from civtrain.credits.api import credit_entry_record
from civtrain.organisations.api import OrgKind, org_create
from civtrain.testing import make_person, make_user


def _entry(actor: Any, person_id: int) -> Any:
    return credit_entry_record(
        actor=actor,
        person_id=person_id,
        title="专题培训",
        date=dt.date(2018, 5, 1),
        hours=Decimal("8"),
        training_type="in_service",
        mode="off_the_job",
        source_type="manual",
        source_ref="actors:1",
    )


def _modules() -> list[ModuleType]:
    found = []
    for info in pkgutil.walk_packages(civtrain.__path__, "civtrain."):
        name = info.name
        if any(part in name for part in (".tests", ".migrations", "__main__", "conftest")):
            continue
        found.append(importlib.import_module(name))
    return found


def test_every_actor_parameter_is_typed_actor() -> None:
    """No `actor: Any` left: a function taking an actor says it is an Actor (None only where
    an audit row may have no actor, and for the scope of nobody)."""
    untyped = []
    for module in _modules():
        for name, fn in vars(module).items():
            if not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                continue
            param = inspect.signature(fn).parameters.get("actor")
            if param is not None and param.annotation not in (Actor, Actor | None):
                untyped.append(f"{module.__name__}.{name}: {param.annotation}")
    assert untyped == []


def test_the_system_is_an_explicit_actor_and_none_is_nobody() -> None:
    assert is_system(SYSTEM)
    assert SYSTEM.pk is None and SYSTEM.is_authenticated and SYSTEM.is_active
    assert actor_scope(SYSTEM).covers("000000001/", Role.CITY_BUREAU)  # the whole tree
    assert not is_system(None)  # type: ignore[arg-type]
    assert actor_scope(None).paths == {}


@pytest.mark.django_db
def test_the_system_writes_any_ledger_and_a_missing_actor_none(tree: Any) -> None:
    person = make_person(tree["U1"])
    with pytest.raises(NotFound):
        _entry(None, person.id)
    teacher = make_user(Role.TEACHER, tree["U1"])
    with pytest.raises(NotFound):
        _entry(teacher, person.id)  # not personnel: no one's ledger (#8 item 12)
    assert _entry(SYSTEM, person.id).created


@pytest.mark.django_db
def test_only_the_system_creates_a_top_level_node(tree: Any) -> None:
    bureau = make_user(Role.CITY_BUREAU, tree["C1"])
    for actor in (None, bureau):
        with pytest.raises(PermissionDenied):
            org_create(actor=actor, code="C9", name="新市", kind=OrgKind.CITY)
    assert org_create(actor=SYSTEM, code="C9", name="新市", kind=OrgKind.CITY).code == "C9"
