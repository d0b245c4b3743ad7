"""Reads of annual plans, scoped by the actor: plans in the actor's subtrees; the overdue
list (ZZ-O1); targets and plan against actual."""

import datetime as dt
from collections import Counter

from django.db.models import Q, QuerySet

from civtrain.accounts.api import Role, actor_scope
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.organisations.api import OrgKind, org_list_data, subtree_q
from civtrain.plans.data import (
    NO_PLAN,
    OverdueUnit,
    PlanFindings,
    PlanStatus,
    TargetCheck,
    default_deadline,
)
from civtrain.plans.models import AnnualPlan, PlanDeadline, PlannedClass, PlanReview
from civtrain.surveys import api as surveys_api

__all__ = ["AnnualPlan", "PlanDeadline", "PlanReview", "PlannedClass"]

OWNERS = (Role.UNIT_HR, Role.DISTRICT_BUREAU, Role.CITY_BUREAU)
BUREAUS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU)


def plan_scope_q(actor: Actor) -> Q:
    return subtree_q(actor_scope(actor).paths_for(*OWNERS), "org__path")


def plan_list(*, actor: Actor, year: int) -> QuerySet[AnnualPlan]:
    return (
        AnnualPlan.objects.filter(plan_scope_q(actor), year=year)
        .select_related("org")
        .order_by("org__path")
    )


def access_plan_by_id(actor: Actor, plan_id: int) -> AnnualPlan:
    found = AnnualPlan.objects.filter(plan_scope_q(actor), pk=plan_id).select_related("org").first()
    if found is None:
        raise NotFound("培训计划不存在或无权访问")
    return found


def may_edit(actor: Actor, plan: AnnualPlan) -> bool:
    """The node's own officers: a unit's HR, or a bureau for its own district or city plan."""
    scope = actor_scope(actor)
    if plan.org.kind == OrgKind.UNIT:
        return scope.covers(plan.org.path, Role.UNIT_HR) and not may_review(actor, plan)
    return plan.org.path in scope.paths_for(*BUREAUS)


def may_review(actor: Actor, plan: AnnualPlan) -> bool:
    """A bureau above the node files or returns its plan (ZZ-O1 备案)."""
    return any(
        plan.org.path.startswith(p) and plan.org.path != p
        for p in actor_scope(actor).paths_for(*BUREAUS)
    )


def deadline_of(city_id: int, year: int) -> dt.date:
    found = PlanDeadline.objects.filter(city_id=city_id, year=year).first()
    return found.deadline if found else default_deadline(year)


def city_id_of(path: str) -> int:
    return int(path.split("/")[0])


def overdue_units(*, year: int, root_paths: list[str], today: dt.date) -> list[OverdueUnit]:
    """Active units under `root_paths` that have not filed their plan for `year` and whose
    city's deadline has passed (ZZ-O1), in tree order."""
    units = [u for u in org_list_data(scope_paths=root_paths, kinds=[OrgKind.UNIT]) if u.active]
    statuses = dict(
        AnnualPlan.objects.filter(year=year, org_id__in=[u.id for u in units]).values_list(
            "org_id", "status"
        )
    )
    deadlines: dict[int, dt.date] = {}
    out = []
    for u in units:
        city = city_id_of(u.path)
        if city not in deadlines:
            deadlines[city] = deadline_of(city, year)
        status = statuses.get(u.id, NO_PLAN)
        if status != PlanStatus.FILED and today > deadlines[city]:
            out.append(OverdueUnit(u.id, u.code, u.name, status, deadlines[city]))
    return out


def target_checks(plan: AnnualPlan, targets: list[tuple[str, str, str, int]]) -> list[TargetCheck]:
    """Each ZZ-T2 target (clause, title, subject, minimum) against the plan's classes with
    that subject."""
    planned = Counter(s for c in plan.classes.all() for s in set(c.subjects or []))
    return [TargetCheck(cl, title, subj, n, planned.get(subj, 0)) for cl, title, subj, n in targets]


def survey_findings(plan: AnnualPlan) -> PlanFindings | None:
    """The attached survey's findings from the plan's own subtree, each demanded subject
    with the number of planned classes that answer it (CQ-M1 → ZZ-O1)."""
    if plan.survey_id is None:
        return None
    found = surveys_api.survey_findings(plan.survey_id, under_path=plan.org.path)
    if found is None:
        return None
    planned = Counter(s for c in plan.classes.all() for s in set(c.subjects or []))
    rows = tuple((d, planned.get(d.subject, 0)) for d in found.demand if d.respondents)
    return PlanFindings(found, rows)


def planned_classes(plan: AnnualPlan) -> list[PlannedClass]:
    return list(plan.classes.select_related("training_class"))


def reviews(plan: AnnualPlan) -> list[PlanReview]:
    return list(plan.reviews.all())
