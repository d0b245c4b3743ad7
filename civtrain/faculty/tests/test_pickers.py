"""The teacher picker (#11 item 3): teachers found by name or title in the pools the actor
schedules from, each shown with title, subjects and keeping node; a learner finds none."""

from typing import Any

from django.test import Client

from civtrain import testing
from civtrain.accounts.api import Role
from civtrain.catalogue.api import subject_names
from civtrain.faculty.api import TeacherPickerField, teacher_create


def _search(client: Client, q: str) -> list[dict]:
    response = client.get("/teachers/pick/", {"q": q})
    assert response.status_code == 200
    return response.json()["results"]


def _pool(tree: Any, actors: Any) -> dict[str, int]:
    made = {
        "刘芳": ("C1", "教授", ["law"]),
        "刘强": ("U1-1", "", []),
        "刘郑": ("U3", "讲师", []),  # kept in the other city
    }
    ids = {}
    for name, (org, title, subjects) in made.items():
        actor = actors["other_city"] if org == "U3" else actors["city"]
        t = teacher_create(
            actor=actor, org_id=tree[org].id, name=name, title=title, subjects=subjects
        )
        ids[name] = t.pk
    return ids


def test_teachers_found_by_name_with_title_subjects_and_node(
    client: Client, tree: Any, actors: Any
) -> None:
    ids = _pool(tree, actors)
    client.force_login(actors["institution"])  # bound to C1
    found = _search(client, "刘")
    law = subject_names(include_inactive=True)["law"]
    assert {r["label"]: (r["value"], r["hint"]) for r in found} == {
        "刘芳": (str(ids["刘芳"]), f"教授 · {law} · 重庆市"),
        "刘强": (str(ids["刘强"]), "渝中区人力社保局 · 办公室"),
    }  # 刘郑 is kept in the other city: never suggested
    assert [r["label"] for r in _search(client, "教授")] == ["刘芳"]  # by title


def test_a_learner_finds_no_teacher(client: Client, tree: Any, actors: Any) -> None:
    _pool(tree, actors)
    client.force_login(testing.make_user(Role.LEARNER, tree["U1"]))
    assert _search(client, "刘") == []


def test_field_takes_the_picked_id_or_an_exact_name_in_scope(tree: Any, actors: Any) -> None:
    ids = _pool(tree, actors)
    field = TeacherPickerField(required=False)
    field.actor = actors["institution"]
    assert field.clean(str(ids["刘芳"])) == ids["刘芳"]
    assert field.clean("刘强") == ids["刘强"]
    assert field.clean("") is None
    for outside in (str(ids["刘郑"]), "刘郑", "刘"):
        try:
            field.clean(outside)
        except Exception as exc:
            assert "不存在或不在您可选的师资库中" in str(exc)
        else:
            raise AssertionError(f"{outside} accepted")
