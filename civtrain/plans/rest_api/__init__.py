"""Annual plan and self-check endpoints (#16 item 7).

Annual plans (ZZ-O1): a unit's system (or a bureau, for its own node) opens the year's plan,
adds and removes planned classes and submits it; the bureau above lists the plans in its
scope, files or returns them with a reason, and reads the overdue list.

Self-checks (ZZ-O2, CQ-O1): a unit's system or the bureau lists and reads the self-checks in
its scope (a unit's annual self-check, a programme period's mid-term check and final
evaluation) and submits its own, its text with it.

Scope as on the pages: a plan or self-check outside the actor's subtrees answers 404 like a
missing one, as does a write the actor may not make on one it may read (a bureau reviews a
unit's plan or report, it does not edit or submit it; a unit does not file its own); an
account that keeps neither (a learner) is refused with 403."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from civtrain.accounts.api import actor_scope
from civtrain.compliance.api import unit_targets
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound, PermissionDenied
from civtrain.core.fields import DbId, NonBlank, NonNegative6_1, NonNegative12_2, Year
from civtrain.plans import selectors, selfchecks, services

router = Router(tags=["plans"])

Text = Annotated[str, Field(max_length=20000)]


# --- annual plans (ZZ-O1) ---------------------------------------------------------------------


class PlanOut(Schema):
    id: int
    org_id: int
    org_code: str
    org_name: str
    year: int
    status: str
    submitted_at: dt.datetime | None
    filed_at: dt.datetime | None


class PlannedClassOut(Schema):
    id: int
    title: str
    training_type: str
    subjects: list[str]
    audience: str
    size: int
    hours: float
    budget: float
    class_id: int | None


class TargetOut(Schema):
    """A ZZ-T2 target of the plan's rule set against the classes planned for it."""

    clause: str
    title: str
    subject: str
    required: int
    planned: int
    met: bool


class ReviewOut(Schema):
    action: str
    reason: str
    actor_name: str
    at: dt.datetime


class PlanDetailOut(PlanOut):
    deadline: dt.date
    classes: list[PlannedClassOut]
    targets: list[TargetOut]
    reviews: list[ReviewOut]
    survey_id: int | None
    can_edit: bool
    can_review: bool


class PlanOpenIn(Schema):
    org_id: DbId
    year: Year


class PlannedClassIn(Schema):
    title: Annotated[NonBlank, Field(max_length=200)]
    training_type: str
    subjects: Annotated[list[str], Field(max_length=20)] = []
    audience: Annotated[str, Field(max_length=200)] = ""
    size: Annotated[int, Field(ge=1, le=100000)]
    hours: NonNegative6_1
    budget: NonNegative12_2 = Decimal(0)


class ReturnIn(Schema):
    reason: Annotated[NonBlank, Field(max_length=2000)]


class OverdueOut(Schema):
    org_id: int
    code: str
    name: str
    status: str  # a plan status, or "none": no plan at all for the year
    deadline: dt.date


def _plan_actor(request: HttpRequest) -> Any:
    actor = getattr(request, "auth", None)
    if not actor_scope(actor).has(*selectors.OWNERS):
        raise PermissionDenied("只有组织人事部门和培训主管部门可以查看年度培训计划")
    return actor


def _plan(p: Any) -> dict[str, Any]:
    return {
        "id": p.pk,
        "org_id": p.org_id,
        "org_code": p.org.code,
        "org_name": p.org.name,
        "year": p.year,
        "status": p.status,
        "submitted_at": p.submitted_at,
        "filed_at": p.filed_at,
    }


def _plan_detail(actor: Actor, plan: Any) -> dict[str, Any]:
    """A plan the actor may read (the service that just wrote it has checked that)."""
    targets = [
        (t.clause, t.title, t.subject, t.min_count) for t in unit_targets(plan.org_id, plan.year)
    ]
    return {
        **_plan(plan),
        "deadline": selectors.deadline_of(selectors.city_id_of(plan.org.path), plan.year),
        "classes": [
            {
                "id": c.pk,
                "title": c.title,
                "training_type": c.training_type,
                "subjects": c.subjects or [],
                "audience": c.audience,
                "size": c.size,
                "hours": float(c.hours),
                "budget": float(c.budget),
                "class_id": c.training_class_id,
            }
            for c in selectors.planned_classes(plan)
        ],
        "targets": [{**vars(t), "met": t.met} for t in selectors.target_checks(plan, targets)],
        "reviews": [
            {"action": r.action, "reason": r.reason, "actor_name": r.actor_name, "at": r.at}
            for r in selectors.reviews(plan)
        ],
        "survey_id": plan.survey_id,
        "can_edit": selectors.may_edit(actor, plan) and plan.status in services.EDITABLE,
        "can_review": selectors.may_review(actor, plan) and plan.status == "submitted",
    }


@router.get("", response=list[PlanOut], summary="年度培训计划列表（管辖范围内）")
def plan_list(request: HttpRequest, year: Year | None = None) -> Any:
    """The plans of `year` (this year unless given) in the caller's subtrees, in tree order."""
    plans = selectors.plan_list(actor=_plan_actor(request), year=year or clock.today().year)
    return [_plan(p) for p in plans[:5000]]


@router.post("", response=PlanDetailOut, summary="编制（打开）本单位的年度培训计划")
def plan_open(request: HttpRequest, payload: PlanOpenIn) -> Any:
    """The node's plan for the year, begun as a draft if it has none: a unit by its HR
    office, a district or city by its own bureau."""
    actor = _plan_actor(request)
    plan = services.plan_open(actor=actor, org_id=payload.org_id, year=payload.year)
    return _plan_detail(actor, plan)


@router.get("/overdue", response=list[OverdueOut], summary="逾期未备案的单位")
def plan_overdue(request: HttpRequest, year: Year | None = None) -> Any:
    """Active units under the caller's bureaus that have not filed the year's plan and
    whose city's deadline has passed (ZZ-O1); a unit's HR office is refused."""
    roots = list(actor_scope(_plan_actor(request)).paths_for(*selectors.BUREAUS))
    if not roots:
        raise PermissionDenied("只有培训主管部门可以查看逾期未备案的单位")
    rows = selectors.overdue_units(
        year=year or clock.today().year, root_paths=roots, today=clock.today()
    )
    return [vars(r) for r in rows]


@router.get(
    "/{int:plan_id}", response=PlanDetailOut, summary="年度培训计划（含班次、指标与审核记录）"
)
def plan_detail(request: HttpRequest, plan_id: DbId) -> Any:
    actor = _plan_actor(request)
    return _plan_detail(actor, selectors.access_plan_by_id(actor, plan_id))


@router.post("/{int:plan_id}/classes", response={201: PlanDetailOut}, summary="在计划中增加培训班")
def planned_class_add(request: HttpRequest, plan_id: DbId, payload: PlannedClassIn) -> Any:
    actor = _plan_actor(request)
    planned = services.planned_class_add(actor=actor, plan_id=plan_id, **payload.dict())
    return Status(201, _plan_detail(actor, planned.plan))


@router.delete(
    "/{int:plan_id}/classes/{int:planned_id}", response={204: None}, summary="删除计划中的培训班"
)
def planned_class_remove(request: HttpRequest, plan_id: DbId, planned_id: DbId) -> Any:
    services.planned_class_remove(
        actor=_plan_actor(request), plan_id=plan_id, planned_id=planned_id
    )
    return Status(204, None)


@router.post("/{int:plan_id}/submit", response=PlanDetailOut, summary="报送计划")
def plan_submit(request: HttpRequest, plan_id: DbId) -> Any:
    actor = _plan_actor(request)
    return _plan_detail(actor, services.plan_submit(actor=actor, plan_id=plan_id))


@router.post("/{int:plan_id}/return", response=PlanDetailOut, summary="退回计划（须写明原因）")
def plan_return(request: HttpRequest, plan_id: DbId, payload: ReturnIn) -> Any:
    actor = _plan_actor(request)
    return _plan_detail(
        actor, services.plan_return(actor=actor, plan_id=plan_id, reason=payload.reason)
    )


@router.post("/{int:plan_id}/file", response=PlanDetailOut, summary="计划备案")
def plan_file(request: HttpRequest, plan_id: DbId) -> Any:
    actor = _plan_actor(request)
    return _plan_detail(actor, services.plan_file(actor=actor, plan_id=plan_id))


# --- self-checks (ZZ-O2, CQ-O1) ----------------------------------------------------------------


class YearFiguresOut(Schema):
    year: int
    plan_status: str
    planned_classes: int
    delivered_classes: int
    people_trained: int
    hours: float


class SelfCheckOut(Schema):
    id: int
    org_id: int
    org_code: str
    org_name: str
    kind: str
    year_from: int
    year_to: int
    status: str
    reason: str
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None


class SelfCheckDetailOut(SelfCheckOut):
    figures: list[YearFiguresOut]
    figures_at: dt.datetime | None
    achievements: str
    problems: str
    measures: str
    can_submit: bool


class SelfCheckSubmitIn(Schema):
    """The three parts of the report (ZZ-O2), saved then submitted to the bureau above."""

    achievements: Text
    problems: Text
    measures: Text


def _actor(request: HttpRequest) -> Any:
    actor = getattr(request, "auth", None)
    if not actor_scope(actor).has(*selfchecks.OWNERS):
        raise PermissionDenied("只有组织人事部门和培训主管部门可以查看自查报告")
    return actor


def _check(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "org_id": c.org_id,
        "org_code": c.org.code,
        "org_name": c.org.name,
        "kind": c.kind,
        "year_from": c.year_from,
        "year_to": c.year_to,
        "status": c.status,
        "reason": c.reason,
        "submitted_at": c.submitted_at,
        "reviewed_at": c.reviewed_at,
    }


def _detail(actor: Actor, c: Any) -> dict[str, Any]:
    return {
        **_check(c),
        "figures": c.figures,
        "figures_at": c.figures_at,
        "achievements": c.achievements,
        "problems": c.problems,
        "measures": c.measures,
        "can_submit": selfchecks.may_edit(actor, c) and c.status in selfchecks.EDITABLE,
    }


@router.get("/self-checks", response=list[SelfCheckOut], summary="自查报告列表（管辖范围内）")
def selfcheck_list(request: HttpRequest, year: Year | None = None) -> Any:
    """The self-checks whose period ends in `year` (this year unless given)."""
    checks = selfchecks.selfcheck_list(actor=_actor(request), year=year or clock.today().year)
    return [_check(c) for c in checks[:1000]]


@router.get(
    "/self-checks/{int:check_id}", response=SelfCheckDetailOut, summary="自查报告（含数据）"
)
def selfcheck_detail(request: HttpRequest, check_id: DbId) -> Any:
    actor = _actor(request)
    return _detail(actor, selfchecks.access_selfcheck_by_id(actor, check_id))


@router.post(
    "/self-checks/{int:check_id}/submit", response=SelfCheckDetailOut, summary="报送自查报告"
)
def selfcheck_submit(request: HttpRequest, check_id: DbId, payload: SelfCheckSubmitIn) -> Any:
    actor = _actor(request)
    check = selfchecks.access_selfcheck_by_id(actor, check_id)
    if not selfchecks.may_edit(actor, check):
        raise NotFound("自查报告不存在或无权访问")
    submitted = selfchecks.selfcheck_save_and_submit(
        actor=actor,
        check_id=check.pk,
        achievements=payload.achievements,
        problems=payload.problems,
        measures=payload.measures,
    )
    return _detail(actor, submitted)
