"""Reminders of required online courses through the inbox (#12 item 5, ZZ-N1, ADR 0022).

Every morning the learners whose required course of the year closes within REMIND_DAYS get
one message per course and window — "not started" or "not finished yet" — with a link to
the course. The inbox's dedupe key (course, year, window) makes a rerun, or tomorrow's run,
send nothing twice; a course finished meanwhile is never reminded.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Q

from civtrain.accounts.api import SYSTEM
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.inbox.api import inbox_send
from civtrain.learning.models import Completion, ItemProgress
from civtrain.learning.supervision import LEARNER_FIELDS, Learner, Requirement, required_courses
from civtrain.people.api import person_rows
from civtrain.people.data import Status

KIND = "learning.required_due"
# Days before a course's deadline when the reminders go out: a month ahead, then a week.
REMIND_DAYS = (30, 7)


def deadline_of(requirement: Requirement, year: int) -> dt.date:
    """The last day to finish: the course's availability window's end when it falls in the
    year, else 31 December (the year's requirement, ZZ-N1)."""
    until = requirement.course.available_until
    return until if until is not None and until.year == year else dt.date(year, 12, 31)


def _window(days_left: int) -> int | None:
    """The reminder window a day falls in (the smallest that still holds it)."""
    inside = [d for d in REMIND_DAYS if 0 <= days_left <= d]
    return min(inside) if inside else None


def required_reminders_send(*, actor: Actor = SYSTEM, on: dt.date | None = None) -> int:
    """Remind the learners behind on a required course whose deadline is near; returns how
    many messages were written now."""
    today = on or clock.today()
    due = []
    for requirement in required_courses(today.year):
        deadline = deadline_of(requirement, today.year)
        window = _window((deadline - today).days)
        if window is not None:
            due.append((requirement, deadline, window))
    if not due:
        return 0
    within = Q()
    for requirement, _, _ in due:
        within |= Q(unit__path__startswith=requirement.scope)
    learners = [
        Learner(*(row[f] for f in LEARNER_FIELDS))
        for row in person_rows().filter(within, status=Status.ACTIVE).values(*LEARNER_FIELDS)
    ]
    course_ids = {r.course.pk for r, _, _ in due}
    done = set(
        Completion.objects.filter(
            course_id__in=course_ids, year=today.year, revoked=False
        ).values_list("person_id", "course_id")
    )
    started = set(
        ItemProgress.objects.filter(item__course_id__in=course_ids)
        .filter(Q(earned_seconds__gt=0) | Q(completed=True))
        .values_list("person_id", "item__course_id")
    )
    # (course, window) → started? → people; a course listed twice reminds once.
    groups: dict[tuple[int, int], dict[bool, set[int]]] = defaultdict(lambda: defaultdict(set))
    courses = {}
    for requirement, deadline, window in due:
        course = requirement.course
        courses[course.pk] = (course, deadline)
        for person in learners:
            key = (person.id, course.pk)
            if key not in done and requirement.binds(person, today):
                groups[(course.pk, window)][key in started].add(person.id)
    sent = 0
    for (course_id, window), by_state in groups.items():
        course, deadline = courses[course_id]
        for is_started, people in by_state.items():
            body = (
                f"您已开始学习必修课程《{course.title}》，尚未完成，"
                if is_started
                else f"您还没有开始学习必修课程《{course.title}》，"
            ) + f"请在 {deadline:%Y年%m月%d日} 前完成，完成后学时自动记入培训档案。"
            count = inbox_send(
                actor=actor,
                kind=KIND,
                subject=f"必修课程《{course.title}》将于 {deadline:%m月%d日} 截止",
                body=body,
                url=f"/learning/courses/{course.pk}/",
                person_ids=sorted(people),
                dedupe_key=f"{KIND}:{course.pk}:{today.year}:{window}",
            )
            if count:
                audit_record(
                    actor=actor,
                    action="learning.required_remind",
                    object_type="course",
                    object_id=course.pk,
                    object_label=course.title,
                    org_path=course.org.path,
                    changes={"window_days": window, "started": is_started, "sent": count},
                )
            sent += count
    return sent
