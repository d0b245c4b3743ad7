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


def test_writes_are_validated_and_audited_through_one_path(actors: dict[str, Any]) -> None:
    # core.writes.save_audited: a bad value is a 422 naming the field, with nothing saved
    # or audited; a good update records only the fields that changed.
    from civtrain.core.errors import ValidationFailed
    from civtrain.core.models import AuditEvent

    with pytest.raises(ValidationFailed) as err:
        subject_create(actor=actors["city"], code="long", name="长" * 51)
    assert err.value.message.startswith("输入有误：名称：")
    assert [f["field"] for f in err.value.extra["fields"]] == ["name"]
    assert "long" not in subject_names(include_inactive=True)
    assert not AuditEvent.objects.filter(action="subject.create").exists()

    subject_update(actor=actors["city"], code="writing", name="公文写作与处理", sort_order=7)
    event = AuditEvent.objects.get(action="subject.update")
    assert (event.object_label, event.changes) == (
        "公文写作与处理",
        {"name": ["公文写作", "公文写作与处理"], "sort_order": [event.changes["sort_order"][0], 7]},
    )
    assert event.changes["sort_order"][0] != 7


def test_patching_a_missing_subject_is_a_404(actors: dict[str, Any]) -> None:
    # #8 item 11: it answered 422 ("科目 x 不存在"), a validation error for a valid request.
    from civtrain.testing import ApiCaller

    status, body = ApiCaller(actors["city"])("PATCH", "/catalogue/subjects/nosuch", {"name": "新"})
    assert (status, body["error"]["code"]) == (404, "not_found")
    assert body["error"]["message"] == "科目 nosuch 不存在"
