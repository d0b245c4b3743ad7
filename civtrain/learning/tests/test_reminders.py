"""Reminders of required courses through the inbox (#12 item 5, ZZ-N1): a month and a week
before a course closes, learners who have not started or not finished get one message per
window — never twice, never after finishing, never for a plan that does not bind them."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from civtrain import testing
from civtrain.core import clock
from civtrain.inbox.api import messages_for
from civtrain.learning import api as learning_api
from civtrain.learning import services
from civtrain.learning.models import ItemProgress
from civtrain.learning.reminders import KIND, required_reminders_send

pytestmark = pytest.mark.django_db


def on(day: dt.date) -> dt.date:
    clock.freeze(dt.datetime.combine(day, dt.time(8, 30), tzinfo=clock.TZ))
    return day


@pytest.fixture
def world(tree: Any, actors: Any) -> dict[str, Any]:
    """宪法学习: required of the whole city C1 until 30 June, with one video item. 江北专题:
    a course listed as required in the 2026 plan of district D2 only (closes 31 December).
    王一 (U1) has not started; 李二 (U1) watched some of it; 赵三 (U1) finished it (a
    second course without items); 孙四 works in D2."""
    on(dt.date(2026, 3, 1))
    city = actors["city"]
    constitution = learning_api.course_create(
        actor=city, title="宪法学习", org_code="C1", kind="video", hours=Decimal("2"),
        required=True, available_until=dt.date(2026, 6, 30),
    )  # fmt: skip
    item = learning_api.item_add(
        actor=city, course_id=constitution.id, kind="video", title="第一讲", ref="a.mp4",
        duration_seconds=600,
    )  # fmt: skip
    district_course = learning_api.course_create(
        actor=city, title="江北专题", org_code="C1", kind="video", hours=Decimal("1")
    )
    plan = services.plan_create(actor=city, org_code="D2", year=2026, title="江北区 2026 计划")
    column = services.plan_column_add(actor=city, plan_id=plan.pk, title="法治专题")
    services.plan_entry_add(actor=city, column_id=column.pk, course_id=district_course.id)
    people = {n: testing.make_person(tree["U1"], name=n) for n in ("王一", "李二", "赵三")}
    people["孙四"] = testing.make_person(tree["U2"], name="孙四")
    ItemProgress.objects.create(person_id=people["李二"].id, item_id=item.id, earned_seconds=120)
    ItemProgress.objects.create(
        person_id=people["赵三"].id, item_id=item.id, earned_seconds=600, completed=True
    )
    learning_api.course_complete(
        actor=city, person_id=people["赵三"].id, course_id=constitution.id, source="heartbeat"
    )
    return {"people": people, "constitution": constitution, "district": district_course}


def inbox(person: Any) -> list[tuple[str, str, str]]:
    return [(m.subject, m.body, m.url) for m in messages_for(person.user_id, kind=KIND)]


def test_a_month_before_the_deadline_each_learner_behind_is_reminded_once(world: Any) -> None:
    people, course = world["people"], world["constitution"]
    assert required_reminders_send(on=on(dt.date(2026, 5, 1))) == 0  # 60 days ahead: too early
    assert required_reminders_send(on=on(dt.date(2026, 6, 1))) == 3
    assert inbox(people["王一"]) == [
        (
            "必修课程《宪法学习》将于 06月30日 截止",
            "您还没有开始学习必修课程《宪法学习》，请在 2026年06月30日 前完成，"
            "完成后学时自动记入培训档案。",
            f"/learning/courses/{course.id}/",
        )
    ]
    assert inbox(people["李二"])[0][1].startswith("您已开始学习必修课程《宪法学习》，尚未完成")
    assert inbox(people["赵三"]) == []  # finished
    assert len(inbox(people["孙四"])) == 1  # the city's course binds D2 too
    # Rerun the same day, and the next: nothing twice.
    assert required_reminders_send(on=on(dt.date(2026, 6, 1))) == 0
    assert required_reminders_send(on=on(dt.date(2026, 6, 2))) == 0
    # A week before: the second reminder, once.
    assert required_reminders_send(on=on(dt.date(2026, 6, 25))) == 3
    assert len(inbox(people["王一"])) == 2
    assert required_reminders_send(on=on(dt.date(2026, 6, 26))) == 0
    # Closed: no more.
    assert required_reminders_send(on=on(dt.date(2026, 7, 1))) == 0


def test_a_district_plan_reminds_only_its_districts_people(world: Any) -> None:
    people = world["people"]
    call_command("learning_remind", "--date", "2026-12-01")
    assert [s for s, _, _ in inbox(people["孙四"])] == ["必修课程《江北专题》将于 12月31日 截止"]
    assert inbox(people["王一"]) == []  # D1: the plan of D2 does not bind them
