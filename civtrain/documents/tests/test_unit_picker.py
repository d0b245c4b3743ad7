"""The unit whose people's documents are zipped is picked by name (#11 item 3): a type-ahead
over the personnel roles' subtrees, not a flat <select> of the first 300 nodes."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civtrain import testing
from civtrain.organisations.api import OrgNodeData

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_zip_unit_is_picked_by_name(
    tree: dict[str, OrgNodeData],
    actors: dict[str, Any],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.CIVTRAIN_JOBS_INLINE = True
    testing.make_person(tree["U2"], "王五")
    district = _client(actors["city"])
    html = district.get(reverse("documents:home")).content.decode()
    assert 'data-picker="/orgs/pick/?purpose=personnel' in html
    assert re.search(r'<input[^>]*name="unit_id"', html)
    assert not re.search(r'<select[^>]*name="unit_id"', html)
    # Without JavaScript the box submits what was typed: the unit's exact name does.
    with django_capture_on_commit_callbacks(execute=True):
        started = district.post(
            reverse("documents:zip_start"), {"kind": "booklet", "unit_id": "江北区司法局"}
        )
    assert started.status_code == 302
    assert "已生成 1 份文件" in district.get(started["Location"]).content.decode()
    refused = _client(actors["unit_hr"]).post(
        reverse("documents:zip_start"), {"kind": "booklet", "unit_id": "江北区司法局"}
    )
    assert refused.status_code == 422
    assert "该单位不存在或不在您的管辖范围内" in refused.content.decode()
