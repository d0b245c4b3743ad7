"""Reads of online learning, scoped by the actor: the catalogue, my courses, the plan."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from civtrain.accounts.api import Role, actor_scope, is_system
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.learning.data import Audience
from civtrain.learning.models import Completion, Course, Item, ItemProgress, PlanEntry
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
        if entry.course.published and _admits(entry.course, entry.audience, person, on):
            found.setdefault(
                entry.course_id,
                RequiredCourse(entry.course, entry.column.title, entry.course_id in done),
            )
    own = Course.objects.filter(learner_q(person), required=True, published=True).filter(
        Q(available_from__isnull=True) | Q(available_from__year__lte=year),
        Q(available_until__isnull=True) | Q(available_until__year__gte=year),
    )
    for course in own.select_related("org", "audience_org"):
        if course.pk not in found and _admits(course, course.audience, person, on):
            found[course.pk] = RequiredCourse(course, "", course.pk in done)
    return list(found.values())


def _admits(course: Course, audience: Any, person: PersonData, on: dt.date) -> bool:
    """A plan entry's audience replaces the course's own; both within the course's subtree."""
    path = course.audience_org.path if course.audience_org else course.org.path
    return Audience.from_json(audience, path).admits(person, on)


def completions_of(person_id: int, year: int | None = None) -> QuerySet[Completion]:
    qs = Completion.objects.filter(person_id=person_id).select_related("course")
    return qs.filter(year=year) if year else qs
