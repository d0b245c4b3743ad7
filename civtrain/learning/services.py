"""Writes of online learning: courses, items, plans, progress and completion (#12 items 1, 4)."""

from collections.abc import Iterable, Mapping
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Sum

from civtrain.accounts.api import SYSTEM, actor_scope, is_system
from civtrain.catalogue.api import subjects_unknown
from civtrain.catalogue.data import DeliveryMode, TrainingType
from civtrain.compliance import api as compliance_api
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import NotFound, PermissionDenied
from civtrain.core.writes import checked
from civtrain.credits import api as credits_api
from civtrain.credits.data import SourceType
from civtrain.learning.data import (
    MEASURED_KINDS,
    Audience,
    ItemKind,
    ProgressSource,
)
from civtrain.learning.errors import LearningError, LearningErrorCode
from civtrain.learning.models import (
    Chapter,
    Completion,
    Course,
    CourseSubjectHours,
    Item,
    ItemProgress,
    Plan,
    PlanColumn,
    PlanEntry,
)
from civtrain.learning.selectors import AUTHORS
from civtrain.organisations.api import org_by_codes, org_data
from civtrain.people.api import person_data

TENTH = Decimal("0.1")
# Which courseware standard may report progress for which kind; video and documents are
# measured by the platform's heartbeats (PR-3) and take no report.
REPORTED_BY = {
    ItemKind.SCORM12: ProgressSource.SCORM,
    ItemKind.SCORM2004: ProgressSource.SCORM,
    ItemKind.XAPI: ProgressSource.XAPI,
}


def _invalid(message: str, **extra: Any) -> LearningError:
    return LearningError(LearningErrorCode.INVALID, message, extra)


def _kind(value: str) -> ItemKind:
    try:
        return ItemKind(value)
    except ValueError:
        raise _invalid(f"不支持的课件类型：{value}") from None


def require_author(actor: Actor, org_path: str) -> None:
    """City and district bureaus author the courses of their subtree (#12 item 7)."""
    if not is_system(actor) and not actor_scope(actor).covers(org_path, *AUTHORS):
        raise PermissionDenied("只有市、区县公务员主管部门可以发布本辖区的网络课程")


def _subject_pairs(subjects: Mapping[str, Any] | Iterable[Any]) -> dict[str, Decimal]:
    pairs = subjects.items() if isinstance(subjects, Mapping) else subjects
    out: dict[str, Decimal] = {}
    for pair in pairs:
        code, hours = pair.split(":", 1) if isinstance(pair, str) else pair
        try:
            value = Decimal(str(hours))
        except ArithmeticError:
            raise _invalid(f"科目 {code} 的学时不是数字：{hours}") from None
        if value <= 0:
            raise _invalid(f"科目 {code} 的学时必须大于 0")
        out[str(code).strip()] = value
    unknown = subjects_unknown(out)
    if unknown:
        raise _invalid(f"未知的科目：{'、'.join(unknown)}", subjects=unknown)
    return out


def _org_by_code(code: str) -> Any:
    found = org_by_codes([code]).get(code)
    if found is None:
        raise NotFound(f"单位 {code} 不存在或不在您的管辖范围内")
    return found


@transaction.atomic
def course_create(
    *,
    actor: Actor,
    title: str,
    org_code: str,
    kind: str,
    hours: Decimal | float | str | None = None,
    subjects: Mapping[str, Any] | Iterable[Any] = (),
    activity_iri: str = "",
    description: str = "",
    required: bool = False,
    audience: Audience | None = None,
    audience_org_code: str = "",
    available_from: Any = None,
    available_until: Any = None,
    published: bool = True,
    cover: str = "",
) -> Course:
    org = _org_by_code(org_code)
    require_author(actor, org.path)
    audience_org = _org_by_code(audience_org_code) if audience_org_code else None
    if audience_org is not None and not audience_org.path.startswith(org.path):
        raise _invalid("面向单位须在发布单位的辖区之内")
    course = Course(
        title=title.strip(),
        description=description,
        cover=cover,
        org_id=org.id,
        kind=_kind(kind),
        hours=None if hours in (None, "") else Decimal(str(hours)),
        required=required,
        audience_org_id=audience_org.id if audience_org else None,
        audience=(audience or Audience()).as_json(),
        available_from=available_from,
        available_until=available_until,
        activity_iri=activity_iri.strip(),
        published=published,
        created_by_id=getattr(actor, "pk", None),
    )
    _validate(course)
    subject_hours = _subject_pairs(subjects)
    _check_subject_total(course.hours, subject_hours)
    try:
        with transaction.atomic():
            course.save()
    except IntegrityError:
        raise LearningError(
            LearningErrorCode.ACTIVITY_IRI_TAKEN, f"活动标识 {activity_iri} 已绑定其他课程"
        ) from None
    CourseSubjectHours.objects.bulk_create(
        CourseSubjectHours(course=course, subject=code, hours=h)
        for code, h in subject_hours.items()
    )
    audit_record(
        actor=actor,
        action="course.create",
        object_type="course",
        object_id=course.pk,
        object_label=course.title,
        org_path=org.path,
        changes={"title": [None, course.title], "kind": [None, course.kind]},
    )
    return course


def _validate(course: Course) -> None:
    checked(course)
    if course.hours is not None and course.hours <= 0:
        raise _invalid("学时必须大于 0；不填则按适用规则集的网络学时折算办法计算")
    if (
        course.available_from
        and course.available_until
        and course.available_until < course.available_from
    ):
        raise _invalid("截止日期不能早于开放日期")


def _check_subject_total(hours: Decimal | None, subject_hours: Mapping[str, Decimal]) -> None:
    if hours is not None and sum(subject_hours.values(), Decimal(0)) > hours:
        raise _invalid("各科目学时之和不能超过课程学时")


def access_course_for_author(actor: Actor, course_id: int) -> Course:
    course = Course.objects.select_related("org").filter(pk=course_id).first()
    if course is None:
        raise NotFound("课程不存在或无权访问")
    try:
        require_author(actor, course.org.path)
    except PermissionDenied:
        raise NotFound("课程不存在或无权访问") from None
    return course


@transaction.atomic
def course_delete(*, actor: Actor, course_id: int) -> None:
    """Delete a course nobody has completed, with its items and everyone's progress in them."""
    course = access_course_for_author(actor, course_id)
    if course.completions.exists() or course.plan_entries.exists():
        raise _invalid("已有学员完成或已列入学习计划的课程不能删除，请改为不发布")
    audit_record(
        actor=actor,
        action="course.delete",
        object_type="course",
        object_id=course.pk,
        object_label=course.title,
        org_path=course.org.path,
        changes={"title": [course.title, None]},
    )
    course.delete()


@transaction.atomic
def chapter_add(*, actor: Actor, course_id: int, title: str) -> Chapter:
    course = access_course_for_author(actor, course_id)
    position = (course.chapters.aggregate(m=Max("position"))["m"] or 0) + 1
    chapter = Chapter(course=course, title=title.strip(), position=position)
    checked(chapter)
    chapter.save()
    audit_record(
        actor=actor,
        action="course.chapter_add",
        object_type="course",
        object_id=course.pk,
        object_label=course.title,
        org_path=course.org.path,
        changes={"chapter": [None, chapter.title]},
    )
    return chapter


@transaction.atomic
def item_add(
    *,
    actor: Actor,
    course_id: int,
    kind: str,
    title: str,
    ref: str,
    duration_seconds: int | None = None,
    chapter_id: int | None = None,
    pages: int | None = None,
    poster: str = "",
) -> Item:
    """Add a piece of courseware; the course takes the kind of its first item."""
    course = access_course_for_author(actor, course_id)
    item_kind = _kind(kind)
    if item_kind in MEASURED_KINDS and not duration_seconds:
        raise LearningError(
            LearningErrorCode.BAD_MEDIA,
            "视频时长为 0 秒，不能作为课件"
            if item_kind == ItemKind.VIDEO
            else "请填写预计阅读时长",
        )
    if chapter_id is not None and not course.chapters.filter(pk=chapter_id).exists():
        raise NotFound("章节不存在")
    position = (course.items.aggregate(m=Max("position"))["m"] or 0) + 1
    item = Item(
        course=course,
        chapter_id=chapter_id,
        kind=item_kind,
        title=title.strip(),
        ref=ref,
        duration_seconds=duration_seconds,
        pages=pages,
        poster=poster,
        position=position,
    )
    checked(item)
    item.save()
    if position == 1 and course.kind != item_kind:
        course.kind = item_kind
        course.save(update_fields=["kind", "updated_at"])
    audit_record(
        actor=actor,
        action="course.item_add",
        object_type="course",
        object_id=course.pk,
        object_label=course.title,
        org_path=course.org.path,
        changes={"item": [None, f"{item_kind}:{item.title}"]},
    )
    return item


def _progress_for_update(person_id: int, item: Item) -> ItemProgress:
    ItemProgress.objects.get_or_create(person_id=person_id, item=item)
    return ItemProgress.objects.select_for_update().get(person_id=person_id, item=item)


@transaction.atomic
def item_progress_report(
    *,
    person_id: int,
    item_id: int,
    completed: bool,
    score: Decimal | float | None = None,
    seconds: Decimal | float | None = None,
    source: str,
) -> ItemProgress:
    """The single path by which SCORM runtime data and xAPI statements mark an item done.

    Video and documents are measured by the server (PR-3): their progress comes only from
    heartbeats, never from this report. When the last item is done the course completes."""
    item = Item.objects.select_related("course", "course__org").filter(pk=item_id).first()
    if item is None:
        raise NotFound("课件不存在")
    if REPORTED_BY.get(ItemKind(item.kind)) != source:
        raise _invalid(f"{source} 不能报告此类课件的进度", kind=item.kind)
    progress = _progress_for_update(person_id, item)
    if seconds is not None:
        progress.earned_seconds = max(progress.earned_seconds, Decimal(str(seconds)))
    if score is not None:
        progress.score = Decimal(str(score))
    progress.source = source
    newly_done = completed and not progress.completed
    if newly_done:
        progress.completed, progress.completed_at = True, clock.now()
    progress.save()
    if newly_done:
        complete_if_finished(person_id=person_id, course=item.course, source=source)
    return progress


def item_mark_done(
    *, progress: ItemProgress, course: Course, source: str
) -> tuple[Completion, bool] | None:
    """Mark a measured item done (earning's heartbeats) and complete the course when it was
    the last; inside the caller's transaction."""
    progress.completed, progress.completed_at = True, clock.now()
    progress.source = source
    progress.save(update_fields=["completed", "completed_at", "source", "updated_at"])
    return complete_if_finished(person_id=progress.person_id, course=course, source=source)


def complete_if_finished(
    *, person_id: int, course: Course, source: str
) -> tuple[Completion, bool] | None:
    items = course.items.count()
    done = ItemProgress.objects.filter(
        person_id=person_id, item__course=course, completed=True
    ).count()
    if done < items:
        return None
    return course_complete(actor=SYSTEM, person_id=person_id, course_id=course.pk, source=source)


def course_credit_hours(course: Course, person_id: int, on: Any) -> Decimal:
    """The course's 学时 for the person: fixed hours, or the governing set's crediting policy
    applied to the course's length at 100 % (PR-1). Never a figure the client claimed."""
    if course.hours is not None:
        return course.hours
    seconds = course.items.aggregate(s=Sum("duration_seconds"))["s"] or 0
    hours = compliance_api.online_credit_hours(person_id, on, seconds / 60, 1.0)
    return Decimal(hours).quantize(TENTH, ROUND_DOWN)


def _scaled_subjects(course: Course, hours: Decimal) -> dict[str, Decimal]:
    """Subject hours, scaled down when the credited hours are less than their sum."""
    subjects = dict(course.subject_hours.values_list("subject", "hours"))
    total = sum(subjects.values(), Decimal(0))
    if total <= hours or total == 0:
        return subjects
    return {k: (v * hours / total).quantize(TENTH, ROUND_DOWN) for k, v in subjects.items()}


@transaction.atomic
def course_complete(
    *, actor: Actor, person_id: int, course_id: int, source: str
) -> tuple[Completion, bool]:
    """The one completion path (#12 item 4): one ledger entry per learner, course and year,
    mode online, hours from the course. A course with items completes when every item is
    done; a course without items (bound to an xAPI activity) on its source's word."""
    course = Course.objects.select_related("org").filter(pk=course_id).first()
    if course is None:
        raise NotFound("课程不存在")
    person = person_data(person_id)
    today = clock.today()
    existing = Completion.objects.filter(
        person_id=person_id, course=course, year=today.year
    ).first()
    if existing is not None:
        return existing, False
    items = course.items.count()
    done = ItemProgress.objects.filter(
        person_id=person_id, item__course=course, completed=True
    ).count()
    if done < items:
        raise LearningError(LearningErrorCode.NOT_COMPLETE, f"课程还有 {items - done} 项课件未完成")
    hours = course_credit_hours(course, person_id, today)
    entry_id = None
    if hours > 0:
        entry = credits_api.credit_entry_record(
            actor=SYSTEM,
            person_id=person_id,
            title=course.title,
            date=today,
            hours=hours,
            training_type=TrainingType.IN_SERVICE,
            mode=DeliveryMode.ONLINE,
            subject_hours=_scaled_subjects(course, hours),
            source_type=SourceType.ONLINE_COURSE,
            source_ref=f"course:{course.pk}:{today.year}",
            evidence=f"网络课程完成（{source}）",
        )
        entry_id = entry.id
    completion = Completion.objects.create(
        person_id=person_id,
        course=course,
        year=today.year,
        hours=hours,
        ledger_entry_id=entry_id,
        source=source,
        completed_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action="course.complete",
        object_type="course_completion",
        object_id=completion.pk,
        object_label=f"{person.name} {course.title}",
        org_path=person.unit_path,
        changes={"hours": [None, str(hours)], "source": [None, source]},
    )
    return completion, True


# -- the annual learning plan (ZZ-N1) ---------------------------------------------------


@transaction.atomic
def plan_create(*, actor: Actor, org_code: str, year: int, title: str) -> Plan:
    org = _org_by_code(org_code)
    require_author(actor, org.path)
    if Plan.objects.filter(org_id=org.id, year=year).exists():
        raise _invalid(f"{org.name} {year} 年度的学习计划已存在")
    plan = Plan(org_id=org.id, year=year, title=title.strip())
    checked(plan)
    plan.save()
    audit_record(
        actor=actor,
        action="plan.create",
        object_type="learning_plan",
        object_id=plan.pk,
        object_label=plan.title,
        org_path=org.path,
        changes={"year": [None, year]},
    )
    return plan


def _plan_for_author(actor: Actor, plan_id: int) -> Plan:
    plan = Plan.objects.filter(pk=plan_id).first()
    if plan is None:
        raise NotFound("学习计划不存在或无权访问")
    try:
        require_author(actor, org_data(plan.org_id).path)
    except PermissionDenied:
        raise NotFound("学习计划不存在或无权访问") from None
    return plan


@transaction.atomic
def plan_column_add(*, actor: Actor, plan_id: int, title: str) -> PlanColumn:
    plan = _plan_for_author(actor, plan_id)
    position = (plan.columns.aggregate(m=Max("position"))["m"] or 0) + 1
    column = PlanColumn(plan=plan, title=title.strip(), position=position)
    checked(column)
    column.save()
    audit_record(
        actor=actor,
        action="plan.column_add",
        object_type="learning_plan",
        object_id=plan.pk,
        object_label=plan.title,
        org_path=org_data(plan.org_id).path,
        changes={"column": [None, column.title]},
    )
    return column


@transaction.atomic
def plan_entry_add(
    *,
    actor: Actor,
    column_id: int,
    course_id: int,
    required: bool = True,
    audience: Audience | None = None,
) -> PlanEntry:
    column = PlanColumn.objects.select_related("plan").filter(pk=column_id).first()
    if column is None:
        raise NotFound("专题不存在或无权访问")
    plan = _plan_for_author(actor, column.plan_id)
    course = Course.objects.select_related("org").filter(pk=course_id).first()
    plan_path = org_data(plan.org_id).path
    if course is None or not plan_path.startswith(course.org.path):
        # A plan lists courses its learners can see: published at or above the plan's node.
        raise NotFound("课程不存在或不面向本计划的学员")
    if column.entries.filter(course=course).exists():
        raise _invalid("该课程已在此专题中")
    position = (column.entries.aggregate(m=Max("position"))["m"] or 0) + 1
    entry = PlanEntry.objects.create(
        column=column,
        course=course,
        required=required,
        audience=(audience or Audience()).as_json(),
        position=position,
    )
    audit_record(
        actor=actor,
        action="plan.entry_add",
        object_type="learning_plan",
        object_id=plan.pk,
        object_label=plan.title,
        org_path=plan_path,
        changes={"course": [None, course.title], "required": [None, required]},
    )
    return entry


# -- authoring edits after creation (#12 item 4) ------------------------------------------

COURSE_EDITABLE = (
    "title", "description", "hours", "required", "published", "available_from",
    "available_until",
)  # fmt: skip


def _shown(value: Any) -> Any:
    return None if value in (None, "") else str(value)


@transaction.atomic
def course_update(
    *,
    actor: Actor,
    course_id: int,
    audience: Audience | None = None,
    audience_org_code: str | None = None,
    **fields: Any,
) -> Course:
    """Change a course after creation: its texts, 学时, required/published, availability
    window, audience (criteria and subtree). Audited with each changed value, before and
    after. Hours already written to the ledger by completions stay as they were."""
    course = (
        Course.objects.select_for_update(of=("self",))
        .select_related("org", "audience_org")
        .get(pk=access_course_for_author(actor, course_id).pk)
    )
    unknown = set(fields) - set(COURSE_EDITABLE)
    if unknown:
        raise _invalid(f"不能修改的字段：{'、'.join(sorted(unknown))}")
    before = {name: _shown(getattr(course, name)) for name in COURSE_EDITABLE}
    before["audience"] = course.audience
    before["audience_org"] = course.audience_org.code if course.audience_org else None
    for name, value in fields.items():
        if name == "hours":
            value = None if value in (None, "") else Decimal(str(value))
        elif name == "title":
            value = str(value).strip()
        setattr(course, name, value)
    if audience is not None:
        course.audience = audience.as_json()
    if audience_org_code is not None:
        audience_org = _org_by_code(audience_org_code) if audience_org_code else None
        if audience_org is not None and not audience_org.path.startswith(course.org.path):
            raise _invalid("面向单位须在发布单位的辖区之内")
        course.audience_org_id = audience_org.id if audience_org else None
    _validate(course)
    _check_subject_total(course.hours, dict(course.subject_hours.values_list("subject", "hours")))
    course.save()
    after = {name: _shown(getattr(course, name)) for name in COURSE_EDITABLE}
    after["audience"] = course.audience
    after["audience_org"] = (
        audience_org_code if audience_org_code is not None else before["audience_org"]
    )
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        audit_record(
            actor=actor,
            action="course.update",
            object_type="course",
            object_id=course.pk,
            object_label=course.title,
            org_path=course.org.path,
            changes=changes,
        )
    return course


def _item_for_author(actor: Actor, item_id: int) -> Item:
    item = Item.objects.select_related("course").filter(pk=item_id).first()
    if item is None:
        raise NotFound("课件不存在或无权访问")
    access_course_for_author(actor, item.course_id)
    return item


def _audit_course(actor: Actor, course: Course, action: str, changes: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="course",
        object_id=course.pk,
        object_label=course.title,
        org_path=course.org.path,
        changes=changes,
    )


@transaction.atomic
def chapter_update(*, actor: Actor, chapter_id: int, title: str) -> Chapter:
    chapter = Chapter.objects.select_related("course").filter(pk=chapter_id).first()
    if chapter is None:
        raise NotFound("章节不存在")
    course = access_course_for_author(actor, chapter.course_id)
    old, chapter.title = chapter.title, title.strip()
    checked(chapter)
    chapter.save(update_fields=["title"])
    _audit_course(actor, course, "course.chapter_update", {"chapter": [old, chapter.title]})
    return chapter


@transaction.atomic
def chapter_delete(*, actor: Actor, chapter_id: int) -> None:
    """Remove a chapter; its items stay in the course, outside any chapter."""
    chapter = Chapter.objects.filter(pk=chapter_id).first()
    if chapter is None:
        raise NotFound("章节不存在")
    course = access_course_for_author(actor, chapter.course_id)
    _audit_course(actor, course, "course.chapter_delete", {"chapter": [chapter.title, None]})
    chapter.delete()


@transaction.atomic
def item_update(
    *,
    actor: Actor,
    item_id: int,
    title: str | None = None,
    chapter_id: int | str | None = "",
    duration_seconds: int | None = None,
) -> Item:
    """Rename an item, move it to a chapter (None: none; "": unchanged), or change a
    document's expected reading time (a video's length is probed, never typed)."""
    item = _item_for_author(actor, item_id)
    course = item.course
    changes: dict[str, Any] = {}
    if title is not None and title.strip() != item.title:
        changes["title"] = [item.title, title.strip()]
        item.title = title.strip()
    if chapter_id != "" and chapter_id != item.chapter_id:
        if chapter_id is not None and not course.chapters.filter(pk=chapter_id).exists():
            raise NotFound("章节不存在")
        changes["chapter"] = [item.chapter_id, chapter_id]
        item.chapter_id = chapter_id  # type: ignore[assignment]
    if duration_seconds is not None and duration_seconds != item.duration_seconds:
        if item.kind != ItemKind.PDF:
            raise _invalid("视频时长由文件测得，不能修改")
        if not 0 < duration_seconds <= 24 * 3600:
            raise _invalid("预计阅读时长应在 1 到 1440 分钟之间")
        changes["duration_seconds"] = [item.duration_seconds, duration_seconds]
        item.duration_seconds = duration_seconds
    if changes:
        checked(item)
        item.save()
        _audit_course(actor, Course.objects.select_related("org").get(pk=course.pk),
                      "course.item_update", {"item": item.pk, **changes})  # fmt: skip
    return item


@transaction.atomic
def item_move(*, actor: Actor, item_id: int, step: int) -> None:
    """Move an item one place up (step -1) or down (+1) in its course's order."""
    item = _item_for_author(actor, item_id)
    order = list(Item.objects.select_for_update().filter(course_id=item.course_id))
    index = next(i for i, x in enumerate(order) if x.pk == item.pk)
    other = index + (1 if step > 0 else -1)
    if not 0 <= other < len(order):
        return
    order[index], order[other] = order[other], order[index]
    for position, x in enumerate(order, start=1):
        if x.position != position:
            x.position = position
            x.save(update_fields=["position"])
    course = Course.objects.select_related("org").get(pk=item.course_id)
    _audit_course(
        actor, course, "course.item_move", {"item": item.pk, "position": [index + 1, other + 1]}
    )


@transaction.atomic
def item_delete(*, actor: Actor, item_id: int) -> None:
    """Remove an item (and learners' progress in it) while nobody has completed the course:
    a completed course's items are what its ledger entries stand for."""
    item = _item_for_author(actor, item_id)
    course = Course.objects.select_related("org").get(pk=item.course_id)
    if course.completions.exists():
        raise _invalid("已有学员完成本课程，不能删除其中的课件；可改为不发布并新建课程")
    _audit_course(
        actor, course, "course.item_delete", {"item": [f"{item.kind}:{item.title}", None]}
    )
    item.delete()
