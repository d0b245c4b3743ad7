"""The unit pickers (#11 item 3): the scoped type-ahead search, the one label function and
the picker field that takes a code, an id or an exact name."""

from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import SYSTEM, Role
from civtrain.organisations.api import (
    OrgKind,
    UnitPickForm,
    org_create,
    org_label,
    org_labels,
)


def _search(client: Client, q: str, purpose: str = "personnel", kinds: str = "") -> list[dict]:
    response = client.get("/orgs/pick/", {"q": q, "purpose": purpose, "kinds": kinds})
    assert response.status_code == 200
    return response.json()["results"]


def test_label_names_a_department_with_its_unit(tree: Any) -> None:
    labels = org_labels([tree["U1-1"].id, tree["U1"].id, tree["C1"].id])
    assert labels == {
        tree["U1-1"].id: "渝中区人力社保局 · 办公室",
        tree["U1"].id: "渝中区人力社保局",
        tree["C1"].id: "重庆市",
    }
    assert org_label(tree["U1-1"].id) == "渝中区人力社保局 · 办公室"
    assert org_label(None) == ""


def test_search_by_part_of_a_name_tells_homonyms_apart_by_their_path(
    client: Client, tree: Any, actors: Any
) -> None:
    org_create(actor=SYSTEM, code="U2-1", name="办公室", kind=OrgKind.DEPARTMENT, parent_code="U2")
    client.force_login(actors["city"])
    found = _search(client, "办公")
    assert [(r["value"], r["label"], r["hint"]) for r in found] == [
        ("U1-1", "渝中区人力社保局 · 办公室", "重庆市 / 渝中区 / 渝中区人力社保局 · U1-1"),
        ("U2-1", "江北区司法局 · 办公室", "重庆市 / 江北区 / 江北区司法局 · U2-1"),
    ]
    assert [r["value"] for r in _search(client, "U2")] == ["U2", "U2-1"]  # by code, too


def test_search_never_suggests_what_is_out_of_scope(client: Client, tree: Any, actors: Any) -> None:
    client.force_login(actors["unit_hr"])  # bound to U1
    assert [r["value"] for r in _search(client, "局")] == ["U1"]
    assert _search(client, "司法局") == []  # U2 is in the same city, not in U1's subtree
    client.force_login(actors["other_city"])
    assert [r["value"] for r in _search(client, "")] == ["C2", "U3"]


def test_a_learner_and_an_unknown_purpose_get_nothing(client: Client, tree: Any) -> None:
    learner = testing.make_user(Role.LEARNER, tree["U1"])
    client.force_login(learner)
    assert _search(client, "") == []
    assert _search(client, "局", purpose="organiser") == []
    client.force_login(testing.make_user(Role.CITY_BUREAU, tree["C1"]))
    assert _search(client, "局", purpose="everything") == []


def test_organiser_purpose_gives_institution_staff_their_whole_city(
    client: Client, tree: Any, actors: Any
) -> None:
    client.force_login(actors["institution"])
    assert _search(client, "局", purpose="personnel") == []  # not personnel staff
    # Both contain 局 at the same depth: by name (江 before 渝).
    assert [r["value"] for r in _search(client, "局", purpose="organiser")] == ["U2", "U1"]


def test_search_filters_kinds_and_is_bounded(client: Client, tree: Any, actors: Any) -> None:
    for i in range(25):
        org_create(actor=SYSTEM, code=f"X{i}", name=f"街道{i}", kind=OrgKind.UNIT, parent_code="D1")
    client.force_login(actors["city"])
    assert len(_search(client, "街道")) == 20
    assert {r["value"] for r in _search(client, "", kinds="district")} == {"D1", "D2"}
    assert _search(client, "街道", kinds="bogus,district") == []


def test_the_unit_named_exactly_comes_first_however_many_names_contain_it(
    client: Client, tree: Any, actors: Any
) -> None:
    """The issue's case: "司法局" is the name of one unit and part of the names of many; the
    picker shows 20, so unranked the one the user names could fall off the list."""
    for i in range(25):  # shallower than the exact match, so depth alone would drop it
        org_create(
            actor=SYSTEM,
            code=f"S{i:02d}",
            name=f"第{i:02d}司法局",
            kind=OrgKind.DISTRICT,
            parent_code="C1",
        )
    org_create(actor=SYSTEM, code="E1", name="司法局", kind=OrgKind.UNIT, parent_code="D2")
    org_create(actor=SYSTEM, code="E2", name="司法局机关", kind=OrgKind.UNIT, parent_code="D1")
    client.force_login(actors["city"])
    found = [r["value"] for r in _search(client, "司法局")]
    assert len(found) == 20
    # exact name, then the name that starts with it, then those containing it by depth, name
    assert found[:4] == ["E1", "E2", "S00", "S01"]
    assert "U2" not in found  # 江北区司法局 (depth 2) comes after the 25 districts


def test_an_exact_code_comes_first_then_codes_starting_with_it(
    client: Client, tree: Any, actors: Any
) -> None:
    org_create(actor=SYSTEM, code="U10", name="渝中区财政局", kind=OrgKind.UNIT, parent_code="D1")
    client.force_login(actors["city"])
    assert [r["value"] for r in _search(client, "U1")] == ["U1", "U10", "U1-1"]
    assert [r["value"] for r in _search(client, "U1-")] == ["U1-1"]


def test_a_prefix_of_the_name_ranks_before_a_match_inside_it(
    client: Client, tree: Any, actors: Any
) -> None:
    org_create(actor=SYSTEM, code="Z1", name="区政府办公室", kind=OrgKind.UNIT, parent_code="D1")
    org_create(actor=SYSTEM, code="Z2", name="办公室主任室", kind=OrgKind.UNIT, parent_code="D2")
    client.force_login(actors["city"])
    # 办公室 exactly (the department), then the one starting with it, then the one inside.
    assert [r["value"] for r in _search(client, "办公室")] == ["U1-1", "Z2", "Z1"]


def test_homonyms_are_told_apart_by_naming_what_they_are_in(
    client: Client, tree: Any, actors: Any
) -> None:
    org_create(actor=SYSTEM, code="U2-1", name="办公室", kind=OrgKind.DEPARTMENT, parent_code="U2")
    client.force_login(actors["city"])
    assert [r["value"] for r in _search(client, "办公室")] == ["U1-1", "U2-1"]
    assert [r["value"] for r in _search(client, "司法局 办公室")] == ["U2-1"]
    assert [r["value"] for r in _search(client, "江北 办公")] == ["U2-1"]
    # a label or a path as the pickers show them, typed back
    assert [r["value"] for r in _search(client, "江北区司法局 · 办公室")] == ["U2-1"]
    assert [r["value"] for r in _search(client, "重庆市 / 渝中区 / 办公室")] == ["U1-1"]
    # the earlier words name something above, never the node itself
    assert _search(client, "办公室 办公室") == []
    assert [r["value"] for r in _search(client, "司法局 ")] == ["U2"]  # a trailing space


def test_words_naming_what_is_above_do_not_widen_the_scope(
    client: Client, tree: Any, actors: Any
) -> None:
    client.force_login(actors["unit_hr"])  # bound to U1
    assert [r["value"] for r in _search(client, "重庆市 办公室")] == ["U1-1"]
    assert _search(client, "重庆市 江北区司法局") == []


def test_login_required(client: Client, tree: Any) -> None:
    response = client.get("/orgs/pick/", {"q": "局", "purpose": "personnel"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("U1-1", "U1-1"),
        ("渝中区人力社保局", "U1"),
        ("", None),
        ("U2", "refused"),
        ("办公", "refused"),
    ],
)
def test_unit_field_takes_a_code_an_exact_name_or_nothing(
    tree: Any, actors: Any, typed: str, found: str | None
) -> None:
    """Without JavaScript the box submits what was typed: a code, or an exact name."""
    form = UnitPickForm({"unit": typed}, actor=actors["unit_hr"])
    if found == "refused":
        assert not form.is_valid()
        assert "不存在或不在您的管辖范围内" in str(form.errors["unit"])
    else:
        assert form.is_valid()
        unit = form.cleaned_data["unit"]
        assert (unit.code if unit else None) == found


def test_unit_field_shows_the_chosen_unit_by_its_label(tree: Any, actors: Any) -> None:
    html = str(UnitPickForm(initial={"unit": tree["U1-1"].id}, actor=actors["city"])["unit"])
    assert 'value="U1-1"' in html
    assert 'data-picker-label="渝中区人力社保局 · 办公室"' in html
    assert 'data-picker="/orgs/pick/?purpose=personnel&amp;kinds="' in html
