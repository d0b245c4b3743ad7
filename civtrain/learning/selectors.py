"""Reads of online learning, scoped by the actor: the catalogue, my courses, the plan."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from civtrain.accounts.api import Role, actor_scope, is_system
from civtrain.catalogue.data import DeliveryMode, TrainingType
from civtrain.compliance import api as compliance_api
from civtrain.compliance.data import fmt_number
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.learning.data import Audience
from civtrain.learning.models import (
    Chapter,
    Completion,
    Course,
    Item,
    ItemProgress,
    Plan,
    PlanEntry,
)
from civtrain.organisations.api import subtree_q
from civtrain.people.api import PersonData, person_for_user

AUTHORS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU)


def ancestor_paths(path: str) -> list[str]:
    """'1/7/9/' → ['1/', '1/7/', '1/7/9/']: the node and every node above it."""
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]


def courses_annotated() -> QuerySet[Course]:
    return (
        Course.objects.select_related("org", "audience_org")
        .annotate(item_count=Count("items", distinct=True))
        .annotate(length=Sum("items__duration_seconds"))
        .prefetch_related("subject_hours")
    )


def open_on_q(day: dt.date) -> Q:
    """Published and inside its availability window on `day`."""
    return (
        Q(published=True)
        & (Q(available_from__isnull=True) | Q(available_from__lte=day))
        & (Q(available_until__isnull=True) | Q(available_until__gte=day))
    )


def learner_q(person: PersonData) -> Q:
    """Courses a learner may take: published at or above their unit, for a subtree that holds
    them (#12 item 1). The audience's other criteria decide only what is required."""
    above = ancestor_paths(person.unit_path)
    return Q(org__path__in=above) & (Q(audience_org__isnull=True) | Q(audience_org__path__in=above))


def course_scope_q(actor: Actor) -> Q:
    """Courses the actor may see: authors their subtree's (drafts too) and what is published
    above it; a learner what learner_q gives them while it is open."""
    if is_system(actor):
        return Q()
    scope = actor_scope(actor)
    q = subtree_q(scope.paths_for(*AUTHORS), "org__path")
    staff = [r for r in scope.paths if r != Role.LEARNER]
    above = {a for p in scope.paths_for(*staff) for a in ancestor_paths(p)}
    if above:
        q |= Q(org__path__in=above, published=True)
    person = learner_of(actor)
    if person is not None:
        q |= learner_q(person) & open_on_q(clock.today())
    return q


def learner_of(actor: Actor) -> PersonData | None:
    user_id = getattr(actor, "pk", None)
    if user_id is None or is_system(actor):
        return None
    return person_for_user(user_id)


def course_list(
    *, actor: Actor, search: str = "", kind: str = "", subject: str = "", required: str = ""
) -> QuerySet[Course]:
    """The catalogue (#12 item 1): what the actor may see, searched and filtered."""
    qs = courses_annotated().filter(course_scope_q(actor))
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(description__icontains=search))
    if kind:
        qs = qs.filter(kind=kind)
    if subject:
        qs = qs.filter(subject_hours__subject=subject)
    if required in ("1", "0"):
        qs = qs.filter(required=required == "1")
    return qs.order_by("-id")


def access_course(actor: Actor, course_id: int) -> Course:
    found = courses_annotated().filter(course_scope_q(actor), pk=course_id).first()
    if found is None:
        raise NotFound("课程不存在或无权访问")
    return found


def access_course_for_learner(person: PersonData, course_id: int, *, on: dt.date) -> Course:
    """The course if the person may study it on `on` (open and for them); NotFound otherwise."""
    found = courses_annotated().filter(learner_q(person), open_on_q(on), pk=course_id).first()
    if found is None:
        raise NotFound("课程不存在、未开放或不面向您")
    return found


def items_of(course: Course) -> QuerySet[Item]:
    return course.items.select_related("chapter").order_by("position", "id")


def chapters_of(course: Course) -> list[Chapter]:
    return list(course.chapters.all())


def progress_of(person_id: int, item_ids: Iterable[int]) -> dict[int, ItemProgress]:
    return {
        p.item_id: p
        for p in ItemProgress.objects.filter(person_id=person_id, item_id__in=list(item_ids))
    }


@dataclass(frozen=True)
class RequiredCourse:
    course: Course
    column: str  # the plan's 专题, "" for a course required on its own
    completed: bool


def required_for(person: PersonData, year: int) -> list[RequiredCourse]:
    """The courses the person must take in `year` (ZZ-N1): required entries of the plans
    published at or above their unit, and courses required on their own, whose audience
    admits them; each with whether it is done this year."""
    on = max(dt.date(year, 1, 1), min(clock.today(), dt.date(year, 12, 31)))
    above = ancestor_paths(person.unit_path)
    found: dict[int, RequiredCourse] = {}
    entries = PlanEntry.objects.filter(
        column__plan__year=year, column__plan__org__path__in=above, required=True
    ).select_related("column", "course", "course__org", "course__audience_org")
    done = set(
        Completion.objects.filter(person_id=person.id, year=year, revoked=False).values_list(
            "course_id", flat=True
        )
    )
    for entry in entries:
        if entry.course.published and audience_admits(entry.course, entry.audience, person, on):
            found.setdefault(
                entry.course_id,
                RequiredCourse(entry.course, entry.column.title, entry.course_id in done),
            )
    own = Course.objects.filter(learner_q(person), required=True, published=True).filter(
        Q(available_from__isnull=True) | Q(available_from__year__lte=year),
        Q(available_until__isnull=True) | Q(available_until__year__gte=year),
    )
    for course in own.select_related("org", "audience_org"):
        if course.pk not in found and audience_admits(course, course.audience, person, on):
            found[course.pk] = RequiredCourse(course, "", course.pk in done)
    return list(found.values())


@dataclass(frozen=True)
class Gap:
    """What a learner still lacks this year by the rule set governing them, and the open
    courses that fill it (#12 item 1: "62.5 / 90 学时，还差 4 学时法治培训")."""

    rule: str
    clause: str
    title: str
    achieved: str  # "62.5"
    required: str  # "90"
    gap: str  # "27.5"
    unit: str  # 学时 / 天 / 次, as the rule set counts it
    what: str  # what the gap is made of, e.g. "法治培训"
    alternative: str  # the either-or bound, e.g. "或 12 天"
    deadline: dt.date | None
    missed: bool  # the deadline has passed
    online_counts: bool  # False: an online course does not count toward it (e.g. 集中培训)
    courses: list[dict[str, Any]]  # course_summary rows that fill it, required ones first


# What a finished course writes to the ledger (services.course_complete): an in-service
# entry, mode online, with the course's subject hours.
ONLINE_ENTRY = (TrainingType.IN_SERVICE.value, DeliveryMode.ONLINE.value)
GAP_COURSES = 3
OPEN_STATUSES = (compliance_api.OutcomeStatus.NOT_YET, compliance_api.OutcomeStatus.MISSED)


def gaps_for(person: PersonData, result: compliance_api.PersonResult) -> tuple[str, list[Gap]]:
    """The title of the governing set ("" when none governs) and each of its requirements the
    person has not met yet in the year of `result` (their evaluation), with up to GAP_COURSES
    courses open to them today and not yet finished that year whose ledger entry would count
    toward it (its subject, when the requirement is a subject's)."""
    year = result.year
    if not result.ruleset:
        return "", []
    counts = compliance_api.outcome_counts(result.ruleset)
    open_now = (
        courses_annotated()
        .filter(learner_q(person), open_on_q(clock.today()))
        .exclude(pk__in=completed_course_ids(person.id, year))
        .order_by("-required", "title", "id")
    )
    candidates: list[Course] | None = None
    gaps = []
    for o in result.outcomes:
        if o.status not in OPEN_STATUSES:
            continue
        rule = counts.get(o.rule)
        online = rule is not None and rule.admits(*ONLINE_ENTRY, (rule.subject,))
        courses: list[dict[str, Any]] = []
        if rule is not None and online:
            if candidates is None:
                candidates = list(open_now)
            courses = [
                course_summary(c)
                for c in candidates
                if rule.admits(*ONLINE_ENTRY, {s.subject for s in c.subject_hours.all()})
            ][:GAP_COURSES]
        gaps.append(
            Gap(
                rule=o.rule,
                clause=o.clause,
                title=o.title,
                achieved=fmt_number(o.achieved),
                required=fmt_number(o.required),
                gap=fmt_number(o.gap),
                unit=o.unit,
                what=o.what,
                alternative=o.alternative,
                deadline=o.deadline,
                missed=o.status == compliance_api.OutcomeStatus.MISSED,
                online_counts=online,
                courses=courses,
            )
        )
    return compliance_api.ruleset_title(result.ruleset), gaps


def audience_admits(course: Course, audience: Any, person: Any, on: dt.date) -> bool:
    """A plan entry's audience replaces the course's own; both within the course's subtree.
    `person`: anything with PersonData's fields (the supervision's Learner rows too)."""
    path = course.audience_org.path if course.audience_org else course.org.path
    return Audience.from_json(audience, path).admits(person, on)


def completions_of(person_id: int, year: int | None = None) -> QuerySet[Completion]:
    qs = Completion.objects.filter(person_id=person_id).select_related("course")
    return qs.filter(year=year) if year else qs


def completed_course_ids(person_id: int, year: int) -> set[int]:
    """The courses the person completed in the year (a revoked completion is not one)."""
    return set(
        Completion.objects.filter(person_id=person_id, year=year, revoked=False).values_list(
            "course_id", flat=True
        )
    )


def completed_this_year(person_id: int, course_id: int, year: int) -> bool:
    return Completion.objects.filter(
        person_id=person_id, course_id=course_id, year=year, revoked=False
    ).exists()


def course_summary(c: Course) -> dict[str, Any]:
    """A course of courses_annotated() as pages and endpoints show it."""
    return {
        "id": c.pk,
        "title": c.title,
        "description": c.description,
        "kind": c.kind,
        "hours": c.hours,
        "minutes": round((getattr(c, "length", 0) or 0) / 60, 1),
        "items": getattr(c, "item_count", 0),
        "required": c.required,
        "org": c.org.name,
        "subject_hours": {s.subject: s.hours for s in c.subject_hours.all()},
        "available_from": c.available_from,
        "available_until": c.available_until,
    }


def course_page(
    *, actor: Actor, offset: int = 0, limit: int = 50, **filters: str
) -> tuple[int, list[dict[str, Any]]]:
    qs = course_list(actor=actor, **filters)
    return qs.count(), [course_summary(c) for c in qs[offset : offset + limit]]


def courses_by_id(ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    return {c.pk: course_summary(c) for c in courses_annotated().filter(pk__in=list(ids))}


def course_items_with_progress(course: Course, person_id: int | None) -> list[dict[str, Any]]:
    """The course's items in order, each with the learner's progress (none for staff)."""
    items = list(items_of(course))
    progress = progress_of(person_id, [i.pk for i in items]) if person_id else {}
    rows = []
    for i in items:
        p = progress.get(i.pk)
        rows.append(
            {
                "id": i.pk,
                "kind": i.kind,
                "title": i.title,
                "chapter": i.chapter.title if i.chapter else "",
                "duration_seconds": i.duration_seconds,
                "pages": i.pages,
                "poster": bool(i.poster),
                "furthest_seconds": p.furthest_seconds if p else Decimal(0),
                "earned_seconds": p.earned_seconds if p else Decimal(0),
                "completed": p.completed if p else False,
            }
        )
    return rows


def access_item(actor: Actor, item_id: int) -> Item:
    """An item of a course the actor may see; NotFound otherwise."""
    item = Item.objects.select_related("course").filter(pk=item_id).first()
    if item is None:
        raise NotFound("课件不存在或无权访问")
    access_course(actor, item.course_id)
    return item


def is_author(actor: Actor, course: Course | None = None) -> bool:
    """Whether the actor authors courses (of `course`'s node, when given)."""
    scope = actor_scope(actor)
    if course is None:
        return scope.has(*AUTHORS)
    return scope.covers(course.org.path, *AUTHORS)


def is_author_of(actor: Actor, org_path: str) -> bool:
    return is_system(actor) or actor_scope(actor).covers(org_path, *AUTHORS)


# -- the annual learning plan (ZZ-N1) ---------------------------------------------------


def plans_visible(actor: Actor, year: int) -> list[Plan]:
    """The year's plans the actor sees: an author's own subtree's, and for a learner (or any
    staff) those published at or above their node; columns and entries prefetched."""
    scope = actor_scope(actor) if not is_system(actor) else None
    q = Q(pk__in=[])
    if scope is None:
        q = Q()
    else:
        q |= subtree_q(scope.paths_for(*AUTHORS), "org__path")
        above = {a for p in scope.paths.values() for path in p for a in ancestor_paths(path)}
        person = learner_of(actor)
        if person is not None:
            above |= set(ancestor_paths(person.unit_path))
        if above:
            q |= Q(org__path__in=above)
    return list(
        Plan.objects.filter(q, year=year)
        .select_related("org")
        .prefetch_related("columns__entries__course")
        .order_by("org__path")
    )


def access_plan(actor: Actor, plan_id: int) -> Plan:
    plan = Plan.objects.select_related("org").filter(pk=plan_id).first()
    if plan is None or plan not in plans_visible(actor, plan.year):
        raise NotFound("学习计划不存在或无权访问")
    return plan
