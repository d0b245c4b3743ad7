"""Fixtures of the ledger tests: a tree, a unit HR officer and two people in unit U1."""

from typing import Any

import pytest

from civtrain import testing
from civtrain.organisations.api import OrgNodeData
from civtrain.people.data import PersonData


@pytest.fixture
def people(tree: dict[str, OrgNodeData]) -> dict[str, PersonData]:
    return {
        "zhang": testing.make_person(tree["U1"], "张三"),
        "li": testing.make_person(tree["U1"], "李四"),
        "wang": testing.make_person(tree["U2"], "王五"),
    }


@pytest.fixture
def hr(actors: dict[str, Any]) -> Any:
    return actors["unit_hr"]
