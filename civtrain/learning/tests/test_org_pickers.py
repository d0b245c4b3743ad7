"""The node a course or a learning plan is published for, and a course's audience, are picked
by name (#11 item 3): a type-ahead over the bureau's subtree, not a <select> or a code box."""

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from civtrain.core import clock
from civtrain.learning import api
from civtrain.learning.models import Course, Plan

pytestmark = pytest.mark.django_db

FEBRUARY = dt.datetime(2026, 2, 3, 9, 0, tzinfo=clock.TZ)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _picker(html: str, name: str) -> bool:
    return bool(
        re.search(rf'<input[^>]*data-picker="/orgs/pick/\?purpose=bureau[^>]*name="{name}"', html)
        or re.search(
            rf'<input[^>]*name="{name}"[^>]*data-picker="/orgs/pick/\?purpose=bureau', html
        )
    ) and not re.search(rf'<select[^>]*name="{name}"', html)


def test_a_course_is_published_for_a_node_named(tree: dict, actors: dict[str, Any]) -> None:
    clock.freeze(FEBRUARY)
    district = _client(actors["district"])  # bound to D1 (渝中区)
    assert _picker(district.get("/learning/manage/").content.decode(), "org_code")
    found = district.get("/orgs/pick/", {"purpose": "bureau", "q": "渝中"}).json()["results"]
    assert [r["value"] for r in found] == ["D1", "U1"]

    response = district.post("/learning/manage/", {"title": "保密常识", "org_code": "渝中区"})
    course = Course.objects.get(title="保密常识")
    assert response["Location"] == f"/learning/courses/{course.pk}/"
    assert course.org_id == tree["D1"].id

    page = district.post("/learning/manage/", {"title": "越权", "org_code": "D2"}, follow=True)
    assert "该单位不存在或不在您的管辖范围内" in page.content.decode()
    assert not Course.objects.filter(title="越权").exists()


def test_a_course_audience_is_picked_by_name_and_shown_by_its_label(
    tree: dict, actors: dict[str, Any]
) -> None:
    clock.freeze(FEBRUARY)
    course = api.course_create(actor=actors["district"], title="宪法", org_code="D1", kind="pdf")
    district = _client(actors["district"])
    url = f"/learning/manage/{course.id}/edit/"
    assert _picker(district.get(url).content.decode(), "audience_org_code")
    form = {"action": "course", "title": "宪法", "published": "1"}
    district.post(url, {**form, "audience_org_code": "渝中区人力社保局"})
    assert Course.objects.get(pk=course.id).audience_org_id == tree["U1"].id
    html = district.get(url).content.decode()
    assert 'data-picker-label="渝中区人力社保局"' in html and 'value="U1"' in html

    district.post(url, {**form, "audience_org_code": ""})  # blank: the whole subtree again
    assert Course.objects.get(pk=course.id).audience_org_id is None


def test_a_learning_plan_is_published_for_a_node_named(tree: dict, actors: dict[str, Any]) -> None:
    clock.freeze(FEBRUARY)
    city = _client(actors["city"])
    assert _picker(city.get("/learning/plans/?year=2026").content.decode(), "org_code")
    form = {"action": "plan_create", "year": "2026", "title": "2026 年学习计划"}
    page = city.post("/learning/plans/?year=2026", {**form, "org_code": "重庆市"}, follow=True)
    assert "学习计划已创建" in page.content.decode()
    assert Plan.objects.get(year=2026).org_id == tree["C1"].id
    page = city.post("/learning/plans/?year=2026", {**form, "org_code": "U3"}, follow=True)
    assert "该单位不存在或不在您的管辖范围内" in page.content.decode()
    assert Plan.objects.filter(year=2026).count() == 1
