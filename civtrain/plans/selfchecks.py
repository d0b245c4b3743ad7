"""Self-checks (ZZ-O2, CQ-O1): each unit's annual self-check, and a programme period's
mid-term check and final evaluation per unit, district and city — figures pre-filled from the
platform (the plan, its delivery, credit hours), completed in text, submitted to the bureau
above, accepted or returned with a reason; the units whose annual self-check is overdue."""

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.urls import reverse

from civtrain.accounts.api import Role, actor_scope, users_with_role
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import NotFound
from civtrain.credits.api import entry_rows
from civtrain.inbox.api import inbox_send
from civtrain.organisations.api import OrgKind, org_data, org_list_data, subtree_q
from civtrain.plans.data import (
    NO_PLAN,
    OverdueUnit,
    SelfCheckKind,
    SelfCheckStatus,
    YearFigures,
    self_check_due,
)
from civtrain.plans.errors import PlanError, PlansErrorCode
from civtrain.plans.models import AnnualPlan, PlannedClass, SelfCheck

OWNERS = (Role.UNIT_HR, Role.DISTRICT_BUREAU, Role.CITY_BUREAU)
BUREAUS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU)
EDITABLE = (SelfCheckStatus.DRAFT, SelfCheckStatus.RETURNED)
MAX_PERIOD_YEARS = 10


# --- reads ---------------------------------------------------------------------------------


def year_figures(path: str, org_id: int, year: int) -> YearFigures:
    """The node's figures of a year: its plan and how much of it was delivered, and the credit
    hours recorded for the people of its subtree."""
    plan = AnnualPlan.objects.filter(org_id=org_id, year=year).first()
    planned = PlannedClass.objects.filter(plan=plan) if plan else PlannedClass.objects.none()
    ledger = (
        entry_rows()
        .filter(year=year, person__unit__path__startswith=path)
        .aggregate(h=Sum("hours"), people=Count("person_id", distinct=True))
    )
    return YearFigures(
        year=year,
        plan_status=plan.status if plan else NO_PLAN,
        planned_classes=planned.count(),
        delivered_classes=planned.filter(training_class__isnull=False).count(),
        people_trained=int(ledger["people"] or 0),
        hours=float(ledger["h"] or 0),
    )


def selfcheck_scope_q(actor: Actor) -> Any:
    return subtree_q(actor_scope(actor).paths_for(*OWNERS), "org__path")


def selfcheck_list(*, actor: Actor, year: int) -> QuerySet[SelfCheck]:
    """Self-checks in the actor's subtrees whose period ends in `year`."""
    return (
        SelfCheck.objects.filter(selfcheck_scope_q(actor), year_to=year)
        .select_related("org")
        .order_by("org__path", "kind")
    )


def access_selfcheck_by_id(actor: Actor, check_id: int) -> SelfCheck:
    found = SelfCheck.objects.filter(selfcheck_scope_q(actor), pk=check_id).select_related("org")
    check = found.first()
    if check is None:
        raise NotFound("自查报告不存在或无权访问")
    return check


def _own(actor: Actor, path: str, kind: OrgKind) -> bool:
    scope = actor_scope(actor)
    if kind == OrgKind.UNIT:
        return scope.covers(path, Role.UNIT_HR) and not _reviews(actor, path)
    return path in scope.paths_for(*BUREAUS)


def _reviews(actor: Actor, path: str) -> bool:
    return any(path.startswith(p) and path != p for p in actor_scope(actor).paths_for(*BUREAUS))


def may_edit(actor: Actor, check: SelfCheck) -> bool:
    return _own(actor, check.org.path, OrgKind(check.org.kind))


def may_review(actor: Actor, check: SelfCheck) -> bool:
    return _reviews(actor, check.org.path)


def overdue_selfchecks(*, year: int, root_paths: list[str], today: dt.date) -> list[OverdueUnit]:
    """Active units under `root_paths` whose annual self-check of `year` has not been
    submitted by its due date (31 January of the next year)."""
    due = self_check_due(year)
    if today <= due:
        return []
    units = [u for u in org_list_data(scope_paths=root_paths, kinds=[OrgKind.UNIT]) if u.active]
    statuses = dict(
        SelfCheck.objects.filter(
            kind=SelfCheckKind.ANNUAL, year_to=year, org_id__in=[u.id for u in units]
        ).values_list("org_id", "status")
    )
    done = (SelfCheckStatus.SUBMITTED, SelfCheckStatus.ACCEPTED)
    return [
        OverdueUnit(u.id, u.code, u.name, statuses.get(u.id, NO_PLAN), due)
        for u in units
        if statuses.get(u.id) not in done
    ]


# --- writes --------------------------------------------------------------------------------


def _audit(actor: Actor, check: SelfCheck, action: str, changes: dict[str, object]) -> None:
    audit_record(
        actor=actor,
        action=f"self_check.{action}",
        object_type="self_check",
        object_id=check.pk,
        object_label=f"{check.org.name} {check.year_from}-{check.year_to} {check.kind}",
        org_path=check.org.path,
        changes=changes,
    )


def _figures(check: SelfCheck) -> list[dict[str, Any]]:
    return [
        asdict(year_figures(check.org.path, check.org_id, y))
        for y in range(check.year_from, check.year_to + 1)
    ]


@transaction.atomic
def selfcheck_open(
    *, actor: Actor, org_id: int, kind: str, year_from: int, year_to: int
) -> SelfCheck:
    """The node's self-check for the period, begun with its figures if it has none (its own
    officers). An annual self-check covers one year."""
    try:
        org = org_data(org_id)
    except Exception:
        raise NotFound("组织不存在或不在您的管辖范围内") from None
    if not _own(actor, org.path, org.kind):
        raise NotFound("组织不存在或不在您的管辖范围内")
    if kind not in SelfCheckKind.__members__.values():
        raise PlanError(PlansErrorCode.INVALID, "自查类型无效")
    if kind == SelfCheckKind.ANNUAL:
        year_from = year_to
    if not 2000 <= year_from <= year_to <= 2100 or year_to - year_from >= MAX_PERIOD_YEARS:
        raise PlanError(PlansErrorCode.INVALID, "规划期无效")
    check, created = SelfCheck.objects.get_or_create(
        org_id=org.id, kind=kind, year_from=year_from, year_to=year_to
    )
    check = SelfCheck.objects.select_related("org").get(pk=check.pk)
    if created:
        check.figures, check.figures_at = _figures(check), clock.now()
        check.save(update_fields=["figures", "figures_at"])
        _audit(actor, check, "create", {"kind": kind, "years": [year_from, year_to]})
    return check


def _editable(actor: Actor, check_id: int) -> SelfCheck:
    check = access_selfcheck_by_id(actor, check_id)
    if not may_edit(actor, check):
        raise NotFound("自查报告不存在或无权访问")
    if check.status not in EDITABLE:
        raise PlanError(PlansErrorCode.NOT_EDITABLE, "自查报告已报送，不能修改")
    return check


@transaction.atomic
def selfcheck_save(
    *, actor: Actor, check_id: int, achievements: str, problems: str, measures: str
) -> SelfCheck:
    check = _editable(actor, check_id)
    check.achievements, check.problems = achievements.strip(), problems.strip()
    check.measures = measures.strip()
    check.save(update_fields=["achievements", "problems", "measures"])
    _audit(actor, check, "save", {"length": len(check.achievements + check.problems)})
    return check


@transaction.atomic
def selfcheck_refresh(*, actor: Actor, check_id: int) -> SelfCheck:
    """The figures read again from the platform (they change as the year goes on)."""
    check = _editable(actor, check_id)
    check.figures, check.figures_at = _figures(check), clock.now()
    check.save(update_fields=["figures", "figures_at"])
    _audit(actor, check, "refresh", {})
    return check


@transaction.atomic
def selfcheck_submit(*, actor: Actor, check_id: int) -> SelfCheck:
    check = _editable(actor, check_id)
    if not check.achievements or not check.problems or not check.measures:
        raise PlanError(PlansErrorCode.INVALID, "请填写主要做法和成效、存在的问题和改进措施")
    check.figures, check.figures_at = _figures(check), clock.now()  # as submitted
    check.status, check.submitted_at, check.reason = SelfCheckStatus.SUBMITTED, clock.now(), ""
    check.save(update_fields=["figures", "figures_at", "status", "submitted_at", "reason"])
    _audit(actor, check, "submit", {})
    return check


@transaction.atomic
def selfcheck_save_and_submit(
    *, actor: Actor, check_id: int, achievements: str, problems: str, measures: str
) -> SelfCheck:
    """The report's text saved and submitted at once (the API): a refused submission keeps
    nothing of the text either."""
    selfcheck_save(
        actor=actor,
        check_id=check_id,
        achievements=achievements,
        problems=problems,
        measures=measures,
    )
    return selfcheck_submit(actor=actor, check_id=check_id)


def _reviewable(actor: Actor, check_id: int) -> SelfCheck:
    check = access_selfcheck_by_id(actor, check_id)
    if not may_review(actor, check):
        raise NotFound("自查报告不存在或无权访问")
    if check.status != SelfCheckStatus.SUBMITTED:
        raise PlanError(PlansErrorCode.BAD_TRANSITION, "只有已报送的自查报告可以审核或退回")
    return check


@transaction.atomic
def selfcheck_review(*, actor: Actor, check_id: int, accept: bool, reason: str = "") -> SelfCheck:
    """The bureau above accepts the report, or returns it with its reason."""
    check = _reviewable(actor, check_id)
    reason = reason.strip()
    if not accept and not reason:
        raise PlanError(PlansErrorCode.REASON_REQUIRED, "退回须写明原因")
    check.status = SelfCheckStatus.ACCEPTED if accept else SelfCheckStatus.RETURNED
    check.reason, check.reviewed_at = ("" if accept else reason), clock.now()
    check.save(update_fields=["status", "reason", "reviewed_at"])
    _audit(actor, check, "accept" if accept else "return", {"reason": reason})
    role = Role.UNIT_HR if check.org.kind == OrgKind.UNIT else Role.DISTRICT_BUREAU
    users = [u for u, _, p in users_with_role(role, [check.org.path]) if p == check.org.path]
    inbox_send(
        actor=actor,
        kind="plan",
        subject=f"自查报告{'已审核' if accept else '被退回'}（{check.year_from}–{check.year_to}）",
        body=reason,
        url=reverse("plans:selfcheck", args=[check.pk]),
        user_ids=users,
    )
    return check


def export_text(check: SelfCheck, kind_label: str, status_label: str) -> str:
    """The report as plain text (opened by Word as it is): figures and the three parts."""
    lines = [
        f"{check.org.name} {check.year_from}–{check.year_to} {kind_label}",
        f"状态：{status_label}",
        "",
        "一、主要数据",
    ]
    lines += [
        f"{f['year']}年：计划培训班 {f['planned_classes']} 个，"
        f"已实施 {f['delivered_classes']} 个；"
        f"参训 {f['people_trained']} 人，登记学时 {f['hours']:.1f}"
        for f in check.figures
    ]
    lines += ["", "二、主要做法和成效", check.achievements, "", "三、存在的问题", check.problems]
    lines += ["", "四、改进措施", check.measures, ""]
    return "\r\n".join(lines)
