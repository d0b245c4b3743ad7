"""Writes of annual plans (ZZ-O1): draft, planned classes, submit → filed or returned with
reasons → resubmitted; deadlines; reminders to units that have not filed."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction

from civtrain.accounts.api import Role, actor_scope, users_with_role
from civtrain.catalogue.api import subjects_unknown
from civtrain.catalogue.data import TRAINING_TYPE_LABELS
from civtrain.classes.api import access_class
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import NotFound
from civtrain.core.writes import checked
from civtrain.inbox.api import inbox_send
from civtrain.organisations.api import OrgKind, org_data, org_in_scope
from civtrain.plans.data import PLAN_STATUS_LABELS, PlanStatus, ReviewAction
from civtrain.plans.errors import PlanError, PlansErrorCode
from civtrain.plans.models import AnnualPlan, PlanDeadline, PlannedClass, PlanReview
from civtrain.plans.selectors import access_plan_by_id, may_edit, may_review, overdue_units
from civtrain.surveys.api import surveys_covering

EDITABLE = (PlanStatus.DRAFT, PlanStatus.RETURNED)


def _audit(actor: Actor, plan: AnnualPlan, action: str, changes: dict[str, object]) -> None:
    audit_record(
        actor=actor,
        action=f"plan.{action}",
        object_type="annual_plan",
        object_id=plan.pk,
        object_label=f"{plan.org.name} {plan.year}",
        org_path=plan.org.path,
        changes=changes,
    )


@transaction.atomic
def plan_open(*, actor: Actor, org_id: int, year: int) -> AnnualPlan:
    """The node's plan for the year, begun as a draft if it has none (its own officers)."""
    org = org_in_scope(
        actor,
        org_id,
        (Role.UNIT_HR, Role.CITY_BUREAU, Role.DISTRICT_BUREAU),
        message="组织不存在或不在您的管辖范围内",
    )
    scope = actor_scope(actor)
    own = (
        scope.covers(org.path, Role.UNIT_HR)
        if org.kind == OrgKind.UNIT
        else org.path in scope.paths_for(Role.CITY_BUREAU, Role.DISTRICT_BUREAU)
    )
    if not own:
        raise NotFound("组织不存在或不在您的管辖范围内")
    if not 2000 <= year <= 2100:
        raise PlanError(PlansErrorCode.INVALID, "年度无效")
    plan, created = AnnualPlan.objects.select_related("org").get_or_create(org_id=org.id, year=year)
    if created:
        plan = AnnualPlan.objects.select_related("org").get(pk=plan.pk)
        _audit(actor, plan, "create", {"year": year})
    return plan


def _editable(actor: Actor, plan_id: int) -> AnnualPlan:
    plan = access_plan_by_id(actor, plan_id)
    if not may_edit(actor, plan):
        raise NotFound("培训计划不存在或无权访问")
    if plan.status not in EDITABLE:
        raise PlanError(
            PlansErrorCode.NOT_EDITABLE,
            f"计划{PLAN_STATUS_LABELS[PlanStatus(plan.status)]}，不能修改",
        )
    return plan


def _decimal(value: object, what: str) -> Decimal:
    try:
        number = Decimal(str(value or 0))
    except InvalidOperation:
        raise PlanError(PlansErrorCode.INVALID, f"{what}应为数字") from None
    if number < 0 or not number.is_finite():
        raise PlanError(PlansErrorCode.INVALID, f"{what}不能为负数")
    return number


@transaction.atomic
def planned_class_add(
    *,
    actor: Actor,
    plan_id: int,
    title: str,
    training_type: str,
    subjects: list[str],
    size: int,
    hours: object,
    budget: object = 0,
    audience: str = "",
) -> PlannedClass:
    plan = _editable(actor, plan_id)
    if training_type not in TRAINING_TYPE_LABELS:
        raise PlanError(PlansErrorCode.INVALID, f"未知的培训类型“{training_type}”")
    unknown = subjects_unknown(subjects)
    if unknown:
        raise PlanError(PlansErrorCode.INVALID, f"未知的科目：{'、'.join(unknown)}")
    if not title.strip() or size <= 0:
        raise PlanError(PlansErrorCode.INVALID, "班名不能为空，计划人数须大于 0")
    planned = PlannedClass(
        plan=plan,
        title=title.strip(),
        training_type=training_type,
        subjects=list(dict.fromkeys(subjects)),
        audience=audience.strip(),
        size=size,
        hours=_decimal(hours, "学时"),
        budget=_decimal(budget, "预算"),
    )
    checked(planned)
    planned.save()
    _audit(actor, plan, "class_add", {"title": planned.title, "subjects": planned.subjects})
    return planned


@transaction.atomic
def planned_class_remove(*, actor: Actor, plan_id: int, planned_id: int) -> None:
    plan = _editable(actor, plan_id)
    planned = plan.classes.filter(pk=planned_id).first()
    if planned is None:
        raise NotFound("计划班次不存在")
    _audit(actor, plan, "class_remove", {"title": planned.title})
    planned.delete()


@transaction.atomic
def planned_class_link(
    *, actor: Actor, plan_id: int, planned_id: int, class_id: int | None
) -> None:
    """Tie a planned class to the real class that delivers it (plan against actual); the
    plan may be filed already — delivery comes after filing."""
    plan = access_plan_by_id(actor, plan_id)
    if not may_edit(actor, plan):
        raise NotFound("培训计划不存在或无权访问")
    planned = plan.classes.filter(pk=planned_id).first()
    if planned is None:
        raise NotFound("计划班次不存在")
    if class_id is not None:
        access_class(actor, class_id)
    planned.training_class_id = class_id
    planned.save(update_fields=["training_class"])
    _audit(actor, plan, "class_link", {"title": planned.title, "class_id": class_id})


@transaction.atomic
def plan_survey_attach(*, actor: Actor, plan_id: int, survey_id: int | None) -> AnnualPlan:
    """Attach the needs survey the plan answers (CQ-M1): one sent to a population that
    includes the plan's node (run by the node or a bureau above it); None detaches it."""
    plan = _editable(actor, plan_id)
    if survey_id is not None and survey_id not in {s.id for s in surveys_covering(plan.org.path)}:
        raise NotFound("需求调查不存在或未覆盖本单位")
    was = plan.survey_id
    plan.survey_id = survey_id
    plan.save(update_fields=["survey", "updated_at"])
    _audit(actor, plan, "survey", {"survey_id": [was, survey_id]})
    return plan


def _review(actor: Actor, plan: AnnualPlan, action: ReviewAction, reason: str = "") -> None:
    PlanReview.objects.create(
        plan=plan,
        action=action,
        reason=reason,
        actor_id=actor.pk,
        actor_name=str(actor)[:100],
        at=clock.now(),
    )


@transaction.atomic
def plan_submit(*, actor: Actor, plan_id: int) -> AnnualPlan:
    """Draft or returned → submitted to the bureau (报送)."""
    plan = _editable(actor, plan_id)
    if not plan.classes.exists():
        raise PlanError(PlansErrorCode.EMPTY, "计划中还没有培训班，不能报送")
    was = plan.status
    plan.status, plan.submitted_at = PlanStatus.SUBMITTED, clock.now()
    plan.save(update_fields=["status", "submitted_at", "updated_at"])
    _review(actor, plan, ReviewAction.SUBMIT)
    _audit(actor, plan, "submit", {"status": [was, plan.status]})
    return plan


def _reviewable(actor: Actor, plan_id: int) -> AnnualPlan:
    plan = access_plan_by_id(actor, plan_id)
    if not may_review(actor, plan):
        raise NotFound("培训计划不存在或无权访问")
    if plan.status != PlanStatus.SUBMITTED:
        raise PlanError(PlansErrorCode.BAD_TRANSITION, "只有已报送的计划可以备案或退回")
    return plan


@transaction.atomic
def plan_return(*, actor: Actor, plan_id: int, reason: str) -> AnnualPlan:
    """The bureau sends the plan back with its reasons; the unit amends and resubmits."""
    plan = _reviewable(actor, plan_id)
    reason = reason.strip()
    if not reason:
        raise PlanError(PlansErrorCode.REASON_REQUIRED, "退回须写明原因")
    plan.status = PlanStatus.RETURNED
    plan.save(update_fields=["status", "updated_at"])
    _review(actor, plan, ReviewAction.RETURN, reason)
    _audit(actor, plan, "return", {"reason": reason})
    _tell_owners(actor, plan, f"{plan.year}年度培训计划被退回", reason)
    return plan


@transaction.atomic
def plan_file(*, actor: Actor, plan_id: int) -> AnnualPlan:
    """The bureau files the plan (备案)."""
    plan = _reviewable(actor, plan_id)
    plan.status, plan.filed_at = PlanStatus.FILED, clock.now()
    plan.save(update_fields=["status", "filed_at", "updated_at"])
    _review(actor, plan, ReviewAction.FILE)
    _audit(actor, plan, "file", {"status": ["submitted", "filed"]})
    _tell_owners(actor, plan, f"{plan.year}年度培训计划已备案", "")
    return plan


def _tell_owners(actor: Actor, plan: AnnualPlan, subject: str, body: str) -> None:
    from django.urls import reverse

    role = Role.UNIT_HR if plan.org.kind == OrgKind.UNIT else Role.DISTRICT_BUREAU
    users = [u for u, _, path in users_with_role(role, [plan.org.path]) if path == plan.org.path]
    inbox_send(
        actor=actor,
        kind="plan",
        subject=subject,
        body=body,
        url=reverse("plans:detail", args=[plan.pk]),
        user_ids=users,
    )


@transaction.atomic
def deadline_set(*, actor: Actor, city_id: int, year: int, deadline: dt.date) -> PlanDeadline:
    """The city bureau sets the year's filing deadline for the units under it (ZZ-O1)."""
    city = org_data(city_id)
    if city.kind != OrgKind.CITY or not actor_scope(actor).covers(city.path, Role.CITY_BUREAU):
        raise NotFound("组织不存在或不在您的管辖范围内")
    if deadline.year != year:
        raise PlanError(PlansErrorCode.INVALID, "截止日期须在该年度内")
    row, _ = PlanDeadline.objects.update_or_create(
        city_id=city.id, year=year, defaults={"deadline": deadline}
    )
    audit_record(
        actor=actor,
        action="plan.deadline",
        object_type="plan_deadline",
        object_id=row.pk,
        object_label=f"{city.name} {year}",
        org_path=city.path,
        changes={"deadline": str(deadline)},
    )
    return row


def overdue_remind(*, actor: Actor, year: int, root_paths: list[str]) -> int:
    """Remind the HR officers of every overdue unit (at most once a day each)."""
    today = clock.today()
    units = overdue_units(year=year, root_paths=root_paths, today=today)
    sent = 0
    for unit in units:
        users = [u for u, _, _ in users_with_role(Role.UNIT_HR, [org_data(unit.org_id).path])]
        sent += inbox_send(
            actor=actor,
            kind="plan",
            subject=f"提醒：{year}年度培训计划已过报送截止日期（{unit.deadline:%m月%d日}）",
            body="请尽快编制并报送年度培训计划。",
            url="/plans/",
            user_ids=users,
            dedupe_key=f"plan-overdue-{year}-{unit.org_id}-{today:%Y%m%d}",
        )
    return sent
