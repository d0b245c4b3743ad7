"""The half-year notice (半年通报, ZZ-N2): online study per unit and per person — online hours,
courses finished, required courses missing, laggards — with drill-down (city → districts →
units → people), an Excel export and a reminder to the laggards through the inbox.

Figures are as at the half's last day: completions (not revoked) dated in the half give the
hours and the courses finished; the year's required courses (plan entries and courses required
on their own whose audience admits the person, as `selectors.required_for` reads them) not
completed by then are missing. A laggard has a required course missing, or no online hours
in the year by the half's end. Everything is read set-wise: one query per table for the
whole subtree.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q

from civtrain.accounts.api import PERSONNEL_ROLES, actor_scope
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import NotFound, ValidationFailed
from civtrain.core.exports import Table
from civtrain.inbox.api import inbox_send
from civtrain.learning.models import Completion, Course, PlanEntry
from civtrain.learning.selectors import audience_admits
from civtrain.organisations.api import org_data, org_in_scope, org_list_data
from civtrain.organisations.data import OrgKind, OrgNodeData
from civtrain.people.api import person_rows
from civtrain.people.data import Status

NOT_FOUND = "单位不存在或不在您的管辖范围内"
REMINDER_KIND = "learning.half_year"
LEARNER_FIELDS = (
    "id", "name", "unit_id", "unit__path", "category", "rank", "leadership_level",
    "grassroots", "basic_post", "law_enforcement", "reporting_date",
)  # fmt: skip


@dataclass(frozen=True)
class Half:
    year: int
    half: int  # 1: January–June, 2: July–December

    @classmethod
    def parse(cls, year: object, half: object) -> "Half":
        try:
            value = cls(int(str(year)), int(str(half)))
        except ValueError:
            raise ValidationFailed("年度和半年必须是数字，例如 2026 年第 1 半年") from None
        if value.half not in (1, 2) or not 2000 <= value.year <= 2100:
            raise ValidationFailed("半年只能是 1（上半年）或 2（下半年）")
        return value

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, 6, 30) if self.half == 1 else dt.date(self.year, 12, 31)

    @property
    def label(self) -> str:
        return f"{self.year} 年{'上' if self.half == 1 else '下'}半年"


@dataclass(frozen=True)
class Learner:
    """What the audience test reads of a person (the fields of people.data.PersonData)."""

    id: int
    name: str
    unit_id: int
    unit_path: str
    category: str
    rank: str
    leadership_level: str | None
    grassroots: bool
    basic_post: bool
    law_enforcement: bool
    reporting_date: dt.date | None


@dataclass(frozen=True)
class PersonFigures:
    person: Learner
    unit_name: str
    online_hours: Decimal
    courses_finished: int
    required: int
    missing: tuple[str, ...]  # titles of the required courses not finished
    year_hours: Decimal  # online hours from January 1 to the half's end

    @property
    def laggard(self) -> bool:
        return bool(self.missing) or self.year_hours == 0


@dataclass(frozen=True)
class NodeFigures:
    org: OrgNodeData
    people: int
    online_hours: Decimal
    courses_finished: int
    missing_people: int
    laggards: int

    @property
    def laggard_percent(self) -> int:
        return round(100 * self.laggards / self.people) if self.people else 0


@dataclass(frozen=True)
class Notice:
    half: Half
    org: OrgNodeData
    total: NodeFigures
    children: list[NodeFigures]  # the next level down; empty for a unit
    people: list[PersonFigures]  # a unit's people (laggards first); empty above units


def access_org(actor: Actor, org_id: int | None) -> OrgNodeData:
    """The node the notice is for: one the actor holds a personnel role over (their own
    highest node by default); NotFound otherwise, as for a missing node."""
    paths = actor_scope(actor).paths_for(*PERSONNEL_ROLES)
    if not paths:
        raise NotFound(NOT_FOUND)
    if org_id is None:
        return org_data(int(paths[0].rstrip("/").split("/")[-1]))
    return org_in_scope(actor, org_id, PERSONNEL_ROLES, message=NOT_FOUND)


def notice(*, actor: Actor, half: Half, org_id: int | None = None) -> Notice:
    org = access_org(actor, org_id)
    figures = person_figures(org, half)
    if org.kind in (OrgKind.UNIT, OrgKind.DEPARTMENT):
        people = sorted(figures, key=lambda f: (not f.laggard, f.unit_name, f.person.name))
        return Notice(half, org, _sum(org, figures), [], people)
    children = [
        node
        for node in org_list_data(scope_paths=[org.path])
        if node.parent_id == org.id and node.kind != OrgKind.DEPARTMENT
    ]
    rows = [
        _sum(c, [f for f in figures if f.person.unit_path.startswith(c.path)]) for c in children
    ]
    return Notice(half, org, _sum(org, figures), [r for r in rows if r.people], [])


def _sum(org: OrgNodeData, figures: Sequence[PersonFigures]) -> NodeFigures:
    return NodeFigures(
        org=org,
        people=len(figures),
        online_hours=sum((f.online_hours for f in figures), Decimal(0)),
        courses_finished=sum(f.courses_finished for f in figures),
        missing_people=sum(1 for f in figures if f.missing),
        laggards=sum(1 for f in figures if f.laggard),
    )


def person_figures(org: OrgNodeData, half: Half) -> list[PersonFigures]:
    """Every active person in the subtree, with their figures for the half (set-wise)."""
    learners = [
        Learner(*(row[f] for f in LEARNER_FIELDS))
        for row in person_rows()
        .filter(unit__path__startswith=org.path, status=Status.ACTIVE)
        .values(*LEARNER_FIELDS)
    ]
    if not learners:
        return []
    units = {n.id: n.name for n in org_list_data(scope_paths=[org.path])}
    ids = [p.id for p in learners]
    completions = Completion.objects.filter(
        person_id__in=ids, year=half.year, revoked=False, completed_at__date__lte=half.end
    ).values_list("person_id", "course_id", "hours", "completed_at")
    done: dict[int, set[int]] = defaultdict(set)
    hours: dict[int, Decimal] = defaultdict(Decimal)
    year_hours: dict[int, Decimal] = defaultdict(Decimal)
    finished: dict[int, int] = defaultdict(int)
    for person_id, course_id, course_hours, completed_at in completions:
        done[person_id].add(course_id)
        year_hours[person_id] += course_hours
        if completed_at.astimezone(clock.TZ).date() >= half.start:
            hours[person_id] += course_hours
            finished[person_id] += 1
    required = required_courses(half.year)
    figures = []
    for person in learners:
        needed = {r.course.pk: r.course.title for r in required if r.binds(person, half.end)}
        missing = tuple(title for pk, title in needed.items() if pk not in done[person.id])
        figures.append(
            PersonFigures(
                person=person,
                unit_name=units.get(person.unit_id, ""),
                online_hours=hours[person.id],
                courses_finished=finished[person.id],
                required=len(needed),
                missing=missing,
                year_hours=year_hours[person.id],
            )
        )
    return figures


@dataclass(frozen=True)
class Requirement:
    """A course required in a year, for whom: the audience (within the course's subtree) of
    the people under `scope` (the plan's publisher; the course's own node when required on
    its own)."""

    course: Course
    audience: Any
    scope: str

    def binds(self, person: Any, on: dt.date) -> bool:
        return person.unit_path.startswith(self.scope) and audience_admits(
            self.course, self.audience, person, on
        )


def required_courses(year: int) -> list[Requirement]:
    """The year's required plan entries and the courses required on their own, as
    selectors.required_for reads them for one person (a plan binds only its publisher's
    subtree)."""
    entries = [
        Requirement(e.course, e.audience, e.column.plan.org.path)
        for e in PlanEntry.objects.filter(column__plan__year=year, required=True).select_related(
            "course__org", "course__audience_org", "column__plan__org"
        )
        if e.course.published
    ]
    own = Course.objects.filter(required=True, published=True).filter(
        Q(available_from__isnull=True) | Q(available_from__year__lte=year),
        Q(available_until__isnull=True) | Q(available_until__year__gte=year),
    )
    # A course both listed and required on its own binds whoever either admits (a person's
    # requirements are keyed by course, so it counts once).
    return entries + [
        Requirement(c, c.audience, c.org.path) for c in own.select_related("org", "audience_org")
    ]


# --- export and reminder ---------------------------------------------------------------------

HEADERS = ("单位", "姓名", "在线学时", "完成课程数", "必修课程数", "未完成必修课", "是否滞后")


def notice_table(actor: Actor, params: dict[str, Any]) -> Table:
    """core.exports' table source: one row per person of the subtree, as the page counts."""
    half = Half.parse(params.get("year"), params.get("half"))
    org = access_org(actor, int(params["org"]) if params.get("org") else None)
    figures = sorted(person_figures(org, half), key=lambda f: (f.person.unit_path, f.person.name))
    return Table(
        title=f"{org.name}{half.label}在线学习通报",
        headers=HEADERS,
        rows=_rows(figures),
        count=len(figures),
        org_path=org.path,
    )


def _rows(figures: Iterable[PersonFigures]) -> Iterator[Sequence[Any]]:
    for f in figures:
        yield (
            f.unit_name,
            f.person.name,
            f.online_hours,
            f.courses_finished,
            f.required,
            "、".join(f.missing),
            "是" if f.laggard else "否",
        )


@transaction.atomic
def laggards_remind(*, actor: Actor, half: Half, org_id: int | None = None) -> int:
    """A message in each laggard's inbox, at most once per person and half (dedupe key);
    returns how many were sent now."""
    org = access_org(actor, org_id)
    laggards = [f for f in person_figures(org, half) if f.laggard]
    sent = inbox_send(
        actor=actor,
        kind=REMINDER_KIND,
        subject=f"{half.label}在线学习提醒",
        body=(f"根据{half.label}在线学习通报，您的在线学习进度滞后：请尽快完成本年度的必修课程。"),
        url="/",
        person_ids=[f.person.id for f in laggards],
        dedupe_key=f"{REMINDER_KIND}:{half.year}-{half.half}",
    )
    audit_record(
        actor=actor,
        action="learning.half_year_remind",
        object_type="org",
        object_id=org.id,
        object_label=f"{org.name} {half.label}",
        org_path=org.path,
        changes={"laggards": len(laggards), "sent": sent},
    )
    return sent
