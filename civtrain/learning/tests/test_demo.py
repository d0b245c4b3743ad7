"""The demo's learning step (issue #12): each city's annual plan (ZZ-N1) with its 专题, courses
of every courseware kind, required and elective, for audiences; learners who finished
courses through the player's services (ledger entries, mode online) and learners halfway;
the files in the courseware directory; the same seed, the same learning."""

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import Role, User
from civtrain.core import clock
from civtrain.credits.api import entry_rows
from civtrain.demo.steps import DemoContext, run_all
from civtrain.learning.models import Completion, Course, Item, ItemProgress, Plan, PlanEntry
from civtrain.learning.selectors import required_for
from civtrain.people.api import person_for_user

AS_OF = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=clock.TZ)


def _run(people: int = 300, seed: int = 1) -> DemoContext:
    return run_all(DemoContext(seed=seed, people=people, as_of=AS_OF))


@pytest.fixture
def ctx(store: Path, db: Any) -> DemoContext:
    clock.freeze(NOW)
    with transaction.atomic():
        testing.reseed_migration_data()
        return _run()


def test_each_city_publishes_its_plan_with_columns_and_courses_of_every_kind(
    ctx: DemoContext, store: Path
) -> None:
    plans = {p.org.name: p for p in Plan.objects.select_related("org")}
    assert set(plans) == {"重庆市", "郑州市"}
    for city, plan in plans.items():
        assert plan.year == 2026 and plan.title == f"{city}2026年度公务员网络学习计划"
        assert [c.title for c in plan.columns.all()] == [
            "学习贯彻习近平新时代中国特色社会主义思想",
            "法治政府建设",
            "履职能力提升（选学）",
        ]
        kinds = Counter(Course.objects.filter(org=plan.org).values_list("kind", flat=True))
        assert kinds == {"video": 2, "pdf": 2, "scorm12": 1, "scorm2004": 1}
        entries = PlanEntry.objects.filter(column__plan=plan)
        assert entries.filter(required=True).count() == 4
        assert entries.filter(required=False).count() == 1
        flags = {tuple(e.audience.get("flags") or ()) for e in entries}
        assert {("law_enforcement",), ("new_hire",), ()} == flags
    # A course required on its own for leaders, and one for a single district's subtree.
    leaders = Course.objects.filter(title="廉洁从政警示教育", required=True)
    assert leaders.count() == 2 and all(c.audience["leadership_levels"] for c in leaders)
    assert Course.objects.filter(audience_org__isnull=False).count() == 2
    # The courseware is where the setting says, probed and counted: no file in the repository.
    videos = Item.objects.filter(kind="video")
    assert videos.count() == 4 and all(i.duration_seconds == 60 and i.poster for i in videos)
    assert all((store / "video" / i.ref).is_file() for i in videos)
    documents = Item.objects.filter(kind="pdf")
    assert all(i.pages == 3 and (store / "documents" / i.ref).is_file() for i in documents)
    assert Item.objects.filter(kind__startswith="scorm").exclude(ref="").count() == 4


def test_learners_finished_some_courses_into_the_ledger_and_left_others_halfway(
    ctx: DemoContext,
) -> None:
    done = Completion.objects.select_related("course")
    assert done.count() >= 10
    assert {c.course.kind for c in done} >= {"video", "pdf", "scorm12"}
    for completion in done:
        entry = entry_rows().get(pk=completion.ledger_entry_id)
        assert entry.mode == "online" and entry.date == AS_OF
        assert entry.source_ref == f"course:{completion.course_id}:2026"
        assert entry.hours == completion.hours > 0
        if completion.course.hours is not None:
            assert completion.hours == completion.course.hours
    halfway = ItemProgress.objects.filter(completed=False, earned_seconds__gt=0)
    assert {p.item.kind for p in halfway.select_related("item")} >= {"video", "pdf", "scorm12"}
    # Earned time is real time (PR-3): nobody earned more than the item lasts.
    for p in ItemProgress.objects.filter(item__kind="video").select_related("item"):
        assert p.earned_seconds <= p.item.duration_seconds + 2
    # The demo's learners studied on the demo's morning, and the clock is the caller's again.
    assert clock.now() == NOW


def test_the_printed_learners_have_required_courses_and_progress(ctx: DemoContext) -> None:
    logins = [a.username for a in ctx.accounts if a.role_label == Role.LEARNER.label]
    studied = 0
    for user in User.objects.filter(username__in=logins):
        person = person_for_user(user.pk)
        assert person is not None
        required = {r.course.title for r in required_for(person, 2026)}
        assert {"深入学习贯彻党的二十大精神", "《中华人民共和国公务员法》导读"} <= required
        studied += ItemProgress.objects.filter(person_id=person.id, earned_seconds__gt=0).count()
    enforcer = next(a for a in ctx.accounts if "行政执法" in a.note)
    person = person_for_user(User.objects.get(username=enforcer.username).pk)
    assert person is not None
    assert "行政执法典型案例研习" in {r.course.title for r in required_for(person, 2026)}
    assert studied > 0


def test_a_demo_learner_opens_a_package_and_its_files_are_served(ctx: DemoContext) -> None:
    """The page walk cannot follow the SCORM player's frame (its script loads it): here the
    enforcer opens the 1.2 course from its page, and the package's launch file is served."""
    enforcer = next(a for a in ctx.accounts if "行政执法" in a.note)
    client = Client()
    client.force_login(User.objects.get(username=enforcer.username))
    course = Course.objects.get(title="行政执法典型案例研习", org__name="重庆市")
    page = client.get(f"/learning/courses/{course.pk}/").content.decode()
    item = course.items.get()
    assert f'href="/scorm/items/{item.pk}/"' in page
    player = client.get(f"/scorm/items/{item.pk}/")
    assert player.status_code == 200
    settings = json.loads(
        re.search(r'id="scorm-settings"[^>]*>(.*?)</script>', player.content.decode(), re.S)[1]
    )
    content = client.get(settings["contentUrl"])
    assert content.status_code == 200
    assert "行政执法典型案例研习（SCORM 1.2）" in b"".join(content).decode()


def _learning_snapshot(ctx: DemoContext) -> list[Any]:
    """Courses, plans, progress and completions as people see them, without database ids."""
    who = {p.person_id: p.id_number for p in ctx.persons}
    courses = sorted(
        Course.objects.values_list(
            "org__code", "title", "kind", "hours", "required", "audience"
        ).order_by("org__code", "title"),
        key=str,
    )
    entries = sorted(
        PlanEntry.objects.values_list(
            "column__plan__title", "column__title", "course__title", "required", "audience"
        ),
        key=str,
    )
    progress = sorted(
        (who[p.person_id], p.item.course.org.code, p.item.title, p.furthest_seconds,
         p.earned_seconds, p.completed)
        for p in ItemProgress.objects.select_related("item__course__org")
    )  # fmt: skip
    completions = sorted(
        (who[c.person_id], c.course.org.code, c.course.title, c.hours, c.completed_at)
        for c in Completion.objects.select_related("course__org")
    )
    return [courses, entries, progress, completions]


def test_the_same_seed_gives_the_same_courses_plans_progress_and_completions(
    store: Path, db: Any
) -> None:
    clock.freeze(NOW)
    snapshots = []
    for _ in range(2):
        with transaction.atomic():
            testing.reseed_migration_data()
            snapshots.append(_learning_snapshot(_run(people=150, seed=3)))
            transaction.set_rollback(True)
    assert snapshots[0] == snapshots[1]
    assert snapshots[0][2] and snapshots[0][3]  # somebody studied, somebody finished
