"""Courses, items, the plan, progress reports and completion into the ledger (#12 items 1, 4)."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from civtrain import testing
from civtrain.accounts.api import SYSTEM, User
from civtrain.core import clock
from civtrain.core.errors import NotFound, PermissionDenied
from civtrain.credits.api import entry_rows, subject_rows
from civtrain.learning import api, selectors, services
from civtrain.learning.data import Audience
from civtrain.learning.errors import LearningError
from civtrain.people.api import PersonData

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 6, 1, 12, 0, tzinfo=clock.TZ)


@pytest.fixture(autouse=True)
def _june() -> None:
    clock.freeze(NOON)


def scorm_course(actors: dict[str, Any], **fields: Any) -> api.CourseData:
    fields.setdefault("hours", "2")
    course = api.course_create(
        actor=actors["city"], title="依法行政", org_code="C1", kind="scorm12", **fields
    )
    api.item_add(
        actor=actors["city"], course_id=course.id, kind="scorm12", title="第一讲", ref="pkg-1"
    )
    return api.course_data(course.id)


def test_a_course_reports_its_kind_hours_and_items(tree: dict, actors: dict[str, Any]) -> None:
    course = api.course_create(
        actor=actors["city"],
        title="宪法学习",
        org_code="C1",
        kind="video",
        hours=Decimal("1.5"),
        subjects={"law": "1", "theory": "0.5"},
        activity_iri="https://example.org/xapi/constitution",
    )
    api.item_add(
        actor=actors["city"],
        course_id=course.id,
        kind="pdf",
        title="讲义",
        ref="a.pdf",
        duration_seconds=600,
    )
    api.item_add(
        actor=actors["city"],
        course_id=course.id,
        kind="video",
        title="视频",
        ref="b.mp4",
        duration_seconds=1200,
    )
    data = api.course_data(course.id)
    # a course of mixed items reports the kind of its first item (coordination contract)
    assert (data.kind, data.hours, data.item_count, data.duration_seconds) == (
        "pdf",
        Decimal("1.5"),
        2,
        1800,
    )
    assert data.subject_hours == {"law": Decimal("1.0"), "theory": Decimal("0.5")}
    assert api.course_by_activity_iri("https://example.org/xapi/constitution") == data
    assert api.course_by_activity_iri("https://example.org/other") is None


def test_bad_courses_are_refused_clearly(tree: dict, actors: dict[str, Any]) -> None:
    with pytest.raises(LearningError, match="未知的科目：astrology"):
        api.course_create(
            actor=actors["city"], title="x", org_code="C1", kind="video", subjects={"astrology": 1}
        )
    with pytest.raises(LearningError, match="各科目学时之和不能超过课程学时"):
        api.course_create(
            actor=actors["city"],
            title="x",
            org_code="C1",
            kind="video",
            hours=1,
            subjects=("law:2",),
        )
    with pytest.raises(LearningError, match="不支持的课件类型"):
        api.course_create(actor=actors["city"], title="x", org_code="C1", kind="flash")
    api.course_create(
        actor=actors["city"], title="a", org_code="C1", kind="xapi", activity_iri="urn:x:1"
    )
    with pytest.raises(LearningError, match="活动标识 urn:x:1 已绑定其他课程"):
        api.course_create(
            actor=actors["city"], title="b", org_code="C1", kind="xapi", activity_iri="urn:x:1"
        )
    course = api.course_create(actor=actors["city"], title="c", org_code="C1", kind="video")
    with pytest.raises(LearningError, match="视频时长为 0 秒"):
        api.item_add(
            actor=actors["city"],
            course_id=course.id,
            kind="video",
            title="v",
            ref="v.mp4",
            duration_seconds=0,
        )
    assert api.course_items(course.id) == []


def test_only_bureaus_author_and_only_in_their_subtree(tree: dict, actors: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        api.course_create(actor=actors["unit_hr"], title="x", org_code="U1", kind="video")
    with pytest.raises(PermissionDenied):
        api.course_create(actor=actors["district"], title="x", org_code="C1", kind="video")
    own = api.course_create(actor=actors["district"], title="区课", org_code="D1", kind="pdf")
    # another city's bureau cannot add items to it: the same answer as a missing course
    with pytest.raises(NotFound):
        api.item_add(
            actor=actors["other_city"],
            course_id=own.id,
            kind="pdf",
            title="p",
            ref="p.pdf",
            duration_seconds=60,
        )


def learner(tree: dict, unit: str = "U1", **fields: Any) -> PersonData:
    return testing.make_person(tree[unit], name="李四", **fields)


def test_scorm_progress_completes_the_course_once_into_the_ledger(
    tree: dict, actors: dict[str, Any]
) -> None:
    # implements #12 item 4: one entry, idempotent on person + course + year, mode online
    course = scorm_course(actors, subjects={"law": 2})
    person = learner(tree)
    item = api.course_items(course.id)[0]
    progress = api.item_progress_report(
        person_id=person.id, item_id=item.id, completed=True, score=88, source="scorm"
    )
    assert progress.completed and progress.score == Decimal("88")
    again = api.course_complete(
        actor=SYSTEM, person_id=person.id, course_id=course.id, source="scorm"
    )
    assert not again.created and again.hours == Decimal("2.0") and again.year == 2026
    entries = list(entry_rows().filter(person_id=person.id).values("hours", "mode", "source_ref"))
    assert entries == [
        {"hours": Decimal("2.00"), "mode": "online", "source_ref": f"course:{course.id}:2026"}
    ]
    subjects = list(subject_rows().filter(person_id=person.id).values_list("subject", "hours"))
    assert subjects == [("law", Decimal("2.00"))]
    # a second report changes nothing
    api.item_progress_report(person_id=person.id, item_id=item.id, completed=True, source="scorm")
    assert entry_rows().filter(person_id=person.id).count() == 1


def test_measured_items_refuse_a_reported_completion(tree: dict, actors: dict[str, Any]) -> None:
    # implements PR-3: a video's time is the server's measurement, never the client's word
    course = api.course_create(actor=actors["city"], title="v", org_code="C1", kind="video")
    item = api.item_add(
        actor=actors["city"],
        course_id=course.id,
        kind="video",
        title="v",
        ref="v.mp4",
        duration_seconds=60,
    )
    person = learner(tree)
    for source in ("scorm", "xapi", "heartbeat"):
        with pytest.raises(LearningError):
            api.item_progress_report(
                person_id=person.id, item_id=item.id, completed=True, source=source
            )
    with pytest.raises(LearningError, match="还有 1 项课件未完成"):
        api.course_complete(actor=SYSTEM, person_id=person.id, course_id=course.id, source="xapi")
    assert entry_rows().filter(person_id=person.id).count() == 0


def test_course_hours_from_the_crediting_policy_when_not_fixed(
    tree: dict, actors: dict[str, Any]
) -> None:
    # implements PR-1: without a bound set, 100 % progress and 45 minutes a 学时 (PR-2)
    course = api.course_create(
        actor=actors["city"], title="无学时", org_code="C1", kind="xapi", subjects={"law": 5}
    )
    api.item_add(
        actor=actors["city"],
        course_id=course.id,
        kind="xapi",
        title="a",
        ref="urn:a",
        duration_seconds=90 * 60,
    )
    person = learner(tree)
    item = api.course_items(course.id)[0]
    api.item_progress_report(person_id=person.id, item_id=item.id, completed=True, source="xapi")
    done = services.course_complete(
        actor=SYSTEM, person_id=person.id, course_id=course.id, source="xapi"
    )[0]
    assert done.hours == Decimal("2.0")
    # subject hours scaled to what was credited
    assert list(subject_rows().filter(person_id=person.id).values_list("subject", "hours")) == [
        ("law", Decimal("2.00"))
    ]


def test_required_for_me_follows_the_plan_and_the_audience(
    tree: dict, actors: dict[str, Any]
) -> None:
    # implements ZZ-N1: required courses of the year per audience, in themed columns
    law = scorm_course(actors)
    leaders = api.course_create(actor=actors["city"], title="领导力", org_code="C1", kind="pdf")
    enforcement = api.course_create(
        actor=actors["district"],
        title="执法规范",
        org_code="D1",
        kind="pdf",
        required=True,
        audience=Audience(flags=("law_enforcement",)),
    )
    plan = services.plan_create(
        actor=actors["city"], org_code="C1", year=2026, title="2026年学习计划"
    )
    column = services.plan_column_add(actor=actors["city"], plan_id=plan.pk, title="法治专题")
    services.plan_entry_add(actor=actors["city"], column_id=column.pk, course_id=law.id)
    services.plan_entry_add(
        actor=actors["city"],
        column_id=column.pk,
        course_id=leaders.id,
        audience=Audience(leadership_levels=("division_chief",)),
    )
    officer = learner(tree, law_enforcement=True)
    clerk = learner(tree, "U2")
    far = learner(tree, "U3")

    def titles(person: PersonData) -> list[tuple[str, str]]:
        return sorted((r.course.title, r.column) for r in selectors.required_for(person, 2026))

    assert titles(officer) == [("依法行政", "法治专题"), ("执法规范", "")]
    assert titles(clerk) == [("依法行政", "法治专题")]
    assert titles(far) == []
    assert enforcement.id not in [c.pk for c in selectors.course_list(actor=actors["other_city"])]


def test_catalogue_is_scoped_and_searchable(tree: dict, actors: dict[str, Any]) -> None:
    scorm_course(actors)
    api.course_create(
        actor=actors["city"], title="草稿", org_code="C1", kind="pdf", published=False
    )
    api.course_create(actor=actors["other_city"], title="郑州课程", org_code="C2", kind="pdf")
    ended = api.course_create(
        actor=actors["city"],
        title="已结束",
        org_code="C1",
        kind="pdf",
        available_until=dt.date(2026, 3, 1),
    )
    person = learner(tree)
    user = User.objects.get(person__pk=person.id)
    assert sorted(c.title for c in selectors.course_list(actor=user)) == ["依法行政"]
    assert [c.title for c in selectors.course_list(actor=user, search="依法")] == ["依法行政"]
    assert [c.title for c in selectors.course_list(actor=actors["city"], kind="pdf")] == [
        "已结束",
        "草稿",
    ]
    # closed for study after its window
    with pytest.raises(NotFound):
        api.course_open_for(person.id, ended.id)


def test_courses_list_prints_json(tree: dict, actors: dict[str, Any]) -> None:
    # implements #12 item 6
    import json
    from io import StringIO

    from django.core.management import call_command

    scorm = scorm_course(actors)
    by_policy = api.course_create(actor=actors["city"], title="按规则", org_code="C1", kind="video")
    api.item_add(
        actor=actors["city"],
        course_id=by_policy.id,
        kind="video",
        title="v",
        ref="v.mp4",
        duration_seconds=90,
    )
    out = StringIO()
    call_command("courses", "list", "--format", "json", stdout=out)
    rows = json.loads(out.getvalue())
    assert [(r["id"], r["title"], r["kind"], r["hours"], r["items"]) for r in rows] == [
        (scorm.id, "依法行政", "scorm12", 2.0, 1),
        (by_policy.id, "按规则", "video", None, 1),
    ]
    assert rows[1]["minutes"] == 1.5


def test_a_course_someone_completed_cannot_be_deleted(tree: dict, actors: dict[str, Any]) -> None:
    course = scorm_course(actors)
    person = learner(tree)
    item = api.course_items(course.id)[0]
    api.item_progress_report(person_id=person.id, item_id=item.id, completed=True, source="scorm")
    with pytest.raises(LearningError, match="不能删除"):
        api.course_delete(actor=actors["city"], course_id=course.id)
    spare = api.course_create(actor=actors["city"], title="草稿", org_code="C1", kind="pdf")
    api.course_delete(actor=actors["city"], course_id=spare.id)
    assert api.course_by_activity_iri("x") is None
    with pytest.raises(NotFound):
        api.course_delete(actor=actors["city"], course_id=spare.id)
