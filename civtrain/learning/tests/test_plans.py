"""The annual learning plan pages (ZZ-N1, #12 item 3): a city bureau publishes the year's plan
with themed columns (专题) and required courses; its learners see them, and the required ones
in "required for me this year"; a district sees the city's plan but cannot change it."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.core import clock
from civtrain.core.audit import audit_events_of
from civtrain.learning import api
from civtrain.learning.models import Plan

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_city_publishes_its_plan_and_the_learner_sees_it(tree: dict, actors: dict) -> None:
    clock.freeze(dt.datetime(2026, 2, 3, 9, 0, tzinfo=clock.TZ))
    course = api.course_create(actor=actors["city"], title="宪法学习", org_code="C1", kind="pdf")
    elective = api.course_create(actor=actors["city"], title="公文写作", org_code="C1", kind="pdf")
    city = client_for(actors["city"])
    page = city.post(
        "/learning/plans/?year=2026",
        {"action": "plan_create", "org_code": "C1", "year": "2026", "title": "2026 年学习计划"},
        follow=True,
    ).content.decode()
    assert "学习计划已创建" in page
    plan = Plan.objects.get(year=2026)
    city.post("/learning/plans/", {"action": "column_add", "plan": plan.pk, "title": "法治专题"})
    column = plan.columns.get()
    city.post("/learning/plans/", {"action": "entry_add", "column": column.pk,
                                   "course": course.id, "required": "1"})  # fmt: skip
    city.post("/learning/plans/", {"action": "entry_add", "column": column.pk,
                                   "course": elective.id})  # fmt: skip
    actions = {e.action for e in audit_events_of(object_type="learning_plan", object_id=plan.pk)}
    assert actions == {"plan.create", "plan.column_add", "plan.entry_add"}

    person = testing.make_person(tree["U1"], name="学员丁")
    learner = client_for(User.objects.get(person__pk=person.id))
    shown = learner.get("/learning/plans/?year=2026").content.decode()
    assert "2026 年学习计划" in shown and "法治专题" in shown
    assert "宪法学习" in shown and "公文写作" in shown and "选修" in shown
    assert 'class="column-add' not in shown and 'class="row g-2 mt-1 entry-add' not in shown
    mine = learner.get("/learning/").content.decode()
    assert "宪法学习" in mine.split('id="catalogue"')[0]  # required for me, with its column
    assert "法治专题" in mine.split('id="catalogue"')[0]
    assert "公文写作" not in mine.split('id="catalogue"')[0]  # an elective is not required

    # The district sees the city's plan but cannot add to it; another city sees nothing.
    district = client_for(actors["district"])
    page = district.post(
        "/learning/plans/", {"action": "column_add", "plan": plan.pk, "title": "区里加的"},
        follow=True,
    ).content.decode()  # fmt: skip
    assert "学习计划不存在或无权访问" in page and "区里加的" not in page
    assert "法治专题" in page
    other = client_for(actors["other_city"]).get("/learning/plans/?year=2026").content.decode()
    assert "2026 年学习计划" not in other
