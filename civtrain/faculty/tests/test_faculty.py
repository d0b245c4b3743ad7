"""Teacher pool: subjects from the catalogue, phone encrypted and shown masked (CQ-B2)."""

from typing import Any

import pytest
from django.test import Client

from civtrain.core.errors import NotFound, ValidationFailed
from civtrain.faculty.api import teacher_create
from civtrain.faculty.models import Teacher
from civtrain.faculty.selectors import teacher_list

pytestmark = pytest.mark.django_db


def test_teacher_phone_is_encrypted_and_masked(tree: dict, actors: dict[str, Any]) -> None:
    t = teacher_create(
        actor=actors["institution"],
        org_id=tree["C1"].id,
        name="刘教授",
        internal=False,
        title="教授",
        subjects=["law", "ethics"],
        phone="13812345678",
    )
    row = Teacher.objects.get(pk=t.pk)
    assert row.phone_masked == "138******78"
    assert b"13812345678" not in bytes(row.phone_enc)
    assert row.phone == "13812345678"
    assert [x.name for x in teacher_list(actor=actors["unit_hr"], subject="law")] == ["刘教授"]
    assert list(teacher_list(actor=actors["unit_hr"], subject="writing")) == []
    assert list(teacher_list(actor=actors["other_city"])) == []


def test_unknown_subjects_and_foreign_nodes_are_refused(tree: dict, actors: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed, match="未知的科目：astrology"):
        teacher_create(
            actor=actors["city"], org_id=tree["C1"].id, name="某人", subjects=["astrology"]
        )
    with pytest.raises(NotFound):
        teacher_create(actor=actors["city"], org_id=tree["U3"].id, name="外市教师")


def test_the_pool_is_paged_with_its_count(tree: dict, actors: dict[str, Any]) -> None:
    """#11 item 2: a city's pool runs to hundreds; 50 a page, the total shown."""
    for n in range(53):
        teacher_create(actor=actors["city"], org_id=tree["C1"].id, name=f"教师{n:02d}")
    client = Client()
    client.force_login(actors["city"])
    first = client.get("/teachers/").content.decode()
    row = '<tr><td><a href="/teachers/'  # each teacher's name links to their page
    assert first.count(row) == 50 and "共 53 条" in first
    second = client.get("/teachers/?page=2").content.decode()
    assert second.count(row) == 3
