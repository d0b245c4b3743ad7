"""Institution registry: bureaus register in their subtree; staff act for their node's (CQ-B1)."""

import datetime as dt
from typing import Any

import pytest

from civtrain import testing
from civtrain.accounts.api import Role
from civtrain.core.errors import NotFound, ValidationFailed
from civtrain.institutions.api import access_institution, institution_create
from civtrain.institutions.selectors import institution_list

pytestmark = pytest.mark.django_db


def test_bureau_registers_inside_its_subtree_only(tree: dict, actors: dict[str, Any]) -> None:
    district = actors["district"]  # D1
    inst = institution_create(
        actor=district,
        name="渝中区委党校",
        org_id=tree["D1"].id,
        recognised_from=dt.date(2026, 1, 1),
        recognised_to=dt.date(2026, 12, 31),
    )
    assert inst.recognised_by_id == district.pk
    with pytest.raises(NotFound):
        institution_create(actor=district, name="江北区委党校", org_id=tree["D2"].id)
    with pytest.raises(NotFound):
        institution_create(actor=actors["unit_hr"], name="某培训中心", org_id=tree["U1"].id)
    with pytest.raises(ValidationFailed, match="认定截止日期不能早于起始日期"):
        institution_create(
            actor=district,
            name="错期机构",
            org_id=tree["D1"].id,
            recognised_from=dt.date(2026, 5, 1),
            recognised_to=dt.date(2026, 4, 1),
        )


def test_staff_act_for_institutions_under_their_node(tree: dict, actors: dict[str, Any]) -> None:
    d1 = testing.make_institution(tree["D1"], name="渝中党校")
    d2 = testing.make_institution(tree["D2"], name="江北党校")
    staff_d1 = testing.make_user(Role.INSTITUTION, tree["D1"])
    assert [i.name for i in institution_list(actor=staff_d1)] == ["渝中党校"]
    assert access_institution(staff_d1, d1.id, staff_only=True).name == "渝中党校"
    with pytest.raises(NotFound):
        access_institution(staff_d1, d2.id)
    # City-level staff act for both; another city's bureau sees neither.
    assert {i.name for i in institution_list(actor=actors["institution"])} == {
        "渝中党校",
        "江北党校",
    }
    assert list(institution_list(actor=actors["other_city"])) == []
