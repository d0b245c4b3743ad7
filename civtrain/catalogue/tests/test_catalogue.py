"""The subject taxonomy: seeded from the defaults, edited by the city bureau only (ZZ-T2)."""

from typing import Any

import pytest

from civtrain.catalogue.api import subject_create, subject_names, subject_update
from civtrain.catalogue.data import DEFAULT_SUBJECTS, TrainingType, base_type
from civtrain.core.errors import PermissionDenied

pytestmark = pytest.mark.django_db


def test_defaults_are_seeded_in_order() -> None:
    assert subject_names() == DEFAULT_SUBJECTS


def test_city_bureau_edits_the_taxonomy(actors: dict[str, Any]) -> None:
    subject_create(actor=actors["city"], code="security", name="国家安全", sort_order=200)
    subject_update(actor=actors["city"], code="writing", active=False)
    names = subject_names()
    assert names["security"] == "国家安全"
    assert "writing" not in names
    assert subject_names(include_inactive=True)["writing"] == "公文写作"


def test_others_may_not_edit(actors: dict[str, Any]) -> None:
    for who in ("district", "unit_hr", "institution"):
        with pytest.raises(PermissionDenied, match="只有市公务员局可以维护培训科目"):
            subject_create(actor=actors[who], code="x", name="某科目")
    assert "x" not in subject_names()


def test_thematic_and_paired_are_in_service() -> None:
    # implements ZZ-T1, CQ-T8
    assert base_type(TrainingType.THEMATIC) == TrainingType.IN_SERVICE
    assert base_type(TrainingType.PAIRED) == TrainingType.IN_SERVICE
    assert base_type(TrainingType.INITIAL) == TrainingType.INITIAL
