"""Editing a course after creation (#12 item 4): facts, audience and window, chapters and
items, each change audited; only the course's authors may; a completed course keeps its
items."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.core import clock
from civtrain.core.audit import audit_events_of
from civtrain.learning import api, selectors
from civtrain.learning.models import Course, Item

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(tree: dict, actors: dict[str, Any]) -> api.CourseData:
    clock.freeze(dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.TZ))
    course = api.course_create(
        actor=actors["city"], title="保密教育", org_code="C1", kind="pdf", hours="2"
    )
    for title in ("第一讲", "第二讲", "第三讲"):
        api.item_add(
            actor=actors["city"], course_id=course.id, kind="pdf", title=title,
            ref=f"{title}.pdf", duration_seconds=600, pages=5,
        )  # fmt: skip
    return course


def editor(actor: Any, course_id: int) -> Any:
    client = Client()
    client.force_login(actor)

    def post(**data: Any) -> str:
        page = client.post(f"/learning/manage/{course_id}/edit/", data, follow=True)
        assert page.status_code == 200
        return page.content.decode()

    return post


def test_a_bureau_edits_the_course_its_audience_and_window(
    tree: dict, actors: dict, course: Any
) -> None:
    post = editor(actors["city"], course.id)
    page = post(
        action="course", title="保密教育（2026 版）", description="新版", hours="3",
        required="1", published="1", available_from="2026-04-01",
        available_until="2026-06-30", audience_org_code="D1",
        categories=["enforcement"], flags=["law_enforcement"], ranks="一级科员、二级科员",
    )  # fmt: skip
    assert "课程信息已保存" in page
    saved = Course.objects.get(pk=course.id)
    assert (saved.title, saved.hours, saved.required, saved.available_until) == (
        "保密教育（2026 版）", Decimal("3.0"), True, dt.date(2026, 6, 30)
    )  # fmt: skip
    assert saved.audience == {
        "categories": ["enforcement"], "ranks": ["一级科员", "二级科员"],
        "leadership_levels": [], "flags": ["law_enforcement"],
    }  # fmt: skip
    [event] = [
        e for e in audit_events_of(object_type="course", object_id=course.id)
        if e.action == "course.update"
    ]  # fmt: skip
    assert event.changes["title"] == ["保密教育", "保密教育（2026 版）"]
    assert event.changes["audience_org"] == [None, "D1"]
    assert event.changes["available_until"] == [None, "2026-06-30"]

    # The audience now holds: a law-enforcement officer of D1 is required, one of D2 is not.
    inside = testing.make_person(
        tree["U1"], name="执法甲", category="enforcement", rank="一级科员", law_enforcement=True
    )
    outside = testing.make_person(
        tree["U2"], name="执法乙", category="enforcement", rank="一级科员", law_enforcement=True
    )
    clock.freeze(dt.datetime(2026, 4, 2, 9, 0, tzinfo=clock.TZ))
    assert [r.course.pk for r in selectors.required_for(inside, 2026)] == [course.id]
    assert selectors.required_for(outside, 2026) == []

    # A window that ends before it starts is refused and nothing changes.
    page = post(action="course", title="保密教育（2026 版）", hours="3",
                available_from="2026-05-01", available_until="2026-04-01")  # fmt: skip
    assert "截止日期不能早于开放日期" in page
    assert Course.objects.get(pk=course.id).available_from == dt.date(2026, 4, 1)


def test_chapters_and_items_are_edited_in_the_page(actors: dict, course: Any) -> None:
    post = editor(actors["city"], course.id)
    assert "章节已添加" in post(action="chapter_add", title="上篇")
    chapter = Course.objects.get(pk=course.id).chapters.get()
    post(action="chapter_update", chapter=chapter.pk, title="上篇：法规")
    items = list(Item.objects.filter(course_id=course.id).order_by("position"))
    post(action="item_update", item=items[0].pk, title="保密法概述", chapter=chapter.pk,
         minutes="15")  # fmt: skip
    post(action="item_down", item=items[0].pk)
    post(action="item_delete", item=items[2].pk)
    rows = [
        (i.title, i.chapter.title if i.chapter else "", i.duration_seconds)
        for i in Item.objects.filter(course_id=course.id).order_by("position")
    ]
    assert rows == [("第二讲", "", 600), ("保密法概述", "上篇：法规", 900)]
    actions = [e.action for e in audit_events_of(object_type="course", object_id=course.id)]
    for action in ("course.chapter_add", "course.chapter_update", "course.item_update",
                   "course.item_move", "course.item_delete"):  # fmt: skip
        assert action in actions


def test_only_the_authors_edit_and_a_completed_course_keeps_its_items(
    tree: dict, actors: dict, course: Any
) -> None:
    client = Client()
    client.force_login(actors["other_city"])
    assert client.get(f"/learning/manage/{course.id}/edit/").status_code == 404
    response = client.post(
        f"/learning/manage/{course.id}/edit/", {"action": "course", "title": "改掉"}
    )
    assert response.status_code == 404
    assert Course.objects.get(pk=course.id).title == "保密教育"

    learner = testing.make_person(tree["U1"], name="学员丙")
    from civtrain.learning.models import ItemProgress

    for item in Item.objects.filter(course_id=course.id):
        ItemProgress.objects.create(person_id=learner.id, item=item, completed=True)
    api.course_complete(
        actor=actors["city"], person_id=learner.id, course_id=course.id, source="heartbeat"
    )
    first = Item.objects.filter(course_id=course.id).first()
    assert first is not None
    page = editor(actors["city"], course.id)(action="item_delete", item=first.pk)
    assert "已有学员完成本课程，不能删除其中的课件" in page
    assert Item.objects.filter(course_id=course.id).count() == 3
