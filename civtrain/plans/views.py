"""Annual plan pages (ZZ-O1): a unit drafts and submits its plan; a bureau files or returns
it, sets the deadline and sees the overdue list."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civtrain.accounts.api import Role, actor_scope
from civtrain.catalogue.api import subject_names
from civtrain.catalogue.data import TRAINING_TYPE_LABELS
from civtrain.compliance.api import unit_targets
from civtrain.core import clock
from civtrain.core.errors import ApplicationError
from civtrain.core.pages import act_then_redirect
from civtrain.organisations.api import OrgKind, OrgPickForm, org_list_data
from civtrain.plans import selectors, selfchecks, services
from civtrain.plans.data import (
    NO_PLAN,
    NO_PLAN_LABEL,
    PLAN_STATUS_LABELS,
    SELF_CHECK_KIND_LABELS,
    SELF_CHECK_STATUS_LABELS,
    SelfCheckKind,
    self_check_due,
)
from civtrain.surveys.api import surveys_covering

OWNERS = (Role.UNIT_HR, Role.DISTRICT_BUREAU, Role.CITY_BUREAU)
BUREAUS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU)


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year") or request.POST.get("year") or clock.today().year)
    except ValueError:
        return clock.today().year


def _owner_form(request: HttpRequest, label: Any, prefix: str, data: Any = None) -> OrgPickForm:
    """Whose plan or self-check is begun, picked by name (#11 item 3): a unit by its HR
    officers, a bureau's own node (purpose `plan`), not a flat list of every unit in scope."""
    return OrgPickForm(
        data,
        actor=request.user,
        purpose="plan",
        label=label,
        auto_id=f"{prefix}-%s",
        start_with_own=True,
    )


def _status_labels() -> dict[str, str]:
    labels = {k.value: _(v) for k, v in PLAN_STATUS_LABELS.items()}
    labels[NO_PLAN] = _(NO_PLAN_LABEL)
    return labels


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    scope = actor_scope(request.user)
    year = _year(request)
    plans = list(selectors.plan_list(actor=request.user, year=year))
    context = {
        "year": year,
        "plans": plans,
        "can_open": scope.has(Role.UNIT_HR, *BUREAUS),
        "owner_form": _owner_form(request, gettext_lazy("编制单位"), "plan"),
        "status_labels": _status_labels(),
        "is_bureau": scope.has(*BUREAUS),
    }
    return render(request, "plans/list.html", context)


@login_required
@require_POST
def plan_open(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    try:
        org = _owner_form(request, gettext_lazy("编制单位"), "plan", request.POST).chosen_org()
        plan = services.plan_open(actor=request.user, org_id=org.id, year=year)
    except ApplicationError as exc:
        messages.error(request, _(exc.message))
        return redirect(f"{reverse('plans:list')}?year={year}")
    return redirect("plans:detail", plan.pk)


@login_required
def detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.access_plan_by_id(request.user, plan_id)
    targets = [
        (t.clause, t.title, t.subject, t.min_count) for t in unit_targets(plan.org_id, plan.year)
    ]
    findings = selectors.survey_findings(plan)
    context: dict[str, Any] = {
        "plan": plan,
        "planned": selectors.planned_classes(plan),
        "checks": selectors.target_checks(plan, targets),
        "reviews": selectors.reviews(plan),
        "can_edit": selectors.may_edit(request.user, plan),
        "editable": plan.status in services.EDITABLE,
        "can_review": selectors.may_review(request.user, plan) and plan.status == "submitted",
        "status_labels": _status_labels(),
        "subjects": subject_names(),
        "types": [(k.value, _(v)) for k, v in TRAINING_TYPE_LABELS.items()],
        "deadline": selectors.deadline_of(selectors.city_id_of(plan.org.path), plan.year),
        "findings": findings,
        "can_see_survey": findings is not None
        and actor_scope(request.user).covers(findings.survey.org_path, *OWNERS),
        "surveys": surveys_covering(plan.org.path),
    }
    return render(request, "plans/detail.html", context)


def _act(request: HttpRequest, plan_id: int, done: str, call: Callable[[], object]) -> HttpResponse:
    return act_then_redirect(request, done, call, reverse("plans:detail", args=[plan_id]))


@login_required
@require_POST
def class_add(request: HttpRequest, plan_id: int) -> HttpResponse:
    post = request.POST
    return _act(
        request,
        plan_id,
        _("计划班次已添加"),
        lambda: services.planned_class_add(
            actor=request.user,
            plan_id=plan_id,
            title=post.get("title", ""),
            training_type=post.get("training_type", ""),
            subjects=post.getlist("subjects"),
            size=int(post.get("size") or 0) if (post.get("size") or "0").isdigit() else 0,
            hours=post.get("hours") or 0,
            budget=post.get("budget") or 0,
            audience=post.get("audience", ""),
        ),
    )


@login_required
@require_POST
def class_remove(request: HttpRequest, plan_id: int, planned_id: int) -> HttpResponse:
    return _act(
        request,
        plan_id,
        _("计划班次已删除"),
        lambda: services.planned_class_remove(
            actor=request.user, plan_id=plan_id, planned_id=planned_id
        ),
    )


@login_required
@require_POST
def class_link(request: HttpRequest, plan_id: int, planned_id: int) -> HttpResponse:
    value = request.POST.get("class_id", "")
    return _act(
        request,
        plan_id,
        _("已关联实际培训班"),
        lambda: services.planned_class_link(
            actor=request.user,
            plan_id=plan_id,
            planned_id=planned_id,
            class_id=int(value) if value.isdigit() else None,
        ),
    )


@login_required
@require_POST
def survey_attach(request: HttpRequest, plan_id: int) -> HttpResponse:
    value = request.POST.get("survey_id", "")
    return _act(
        request,
        plan_id,
        _("已引用需求调查结果") if value else _("已取消引用需求调查"),
        lambda: services.plan_survey_attach(
            actor=request.user,
            plan_id=plan_id,
            survey_id=int(value) if value.isdigit() else None,
        ),
    )


@login_required
@require_POST
def submit(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _act(
        request,
        plan_id,
        _("计划已报送"),
        lambda: services.plan_submit(actor=request.user, plan_id=plan_id),
    )


@login_required
@require_POST
def return_(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _act(
        request,
        plan_id,
        _("计划已退回"),
        lambda: services.plan_return(
            actor=request.user, plan_id=plan_id, reason=request.POST.get("reason", "")
        ),
    )


@login_required
@require_POST
def file(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _act(
        request,
        plan_id,
        _("计划已备案"),
        lambda: services.plan_file(actor=request.user, plan_id=plan_id),
    )


@login_required
def overdue(request: HttpRequest) -> HttpResponse:
    """The bureau's overdue list; the city bureau sets the deadline and sends reminders."""
    scope = actor_scope(request.user)
    year = _year(request)
    roots = list(scope.paths_for(*BUREAUS))
    cities = [
        o
        for o in org_list_data(scope_paths=scope.paths_for(Role.CITY_BUREAU))
        if o.kind == OrgKind.CITY
    ]
    if request.method == "POST":
        try:
            if request.POST.get("action") == "deadline":
                services.deadline_set(
                    actor=request.user,
                    city_id=int(request.POST.get("city_id") or 0),
                    year=year,
                    deadline=dt.date.fromisoformat(request.POST.get("deadline", "")),
                )
                messages.success(request, _("报送截止日期已设置"))
            else:
                n = services.overdue_remind(actor=request.user, year=year, root_paths=roots)
                messages.success(request, _("已提醒 %(n)s 人") % {"n": n})
        except ValueError:
            messages.error(request, _("日期格式应为 年-月-日"))
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        return redirect(f"{request.path}?year={year}")
    rows = selectors.overdue_units(year=year, root_paths=roots, today=clock.today())
    context = {
        "year": year,
        "rows": rows,
        "cities": [(c, selectors.deadline_of(c.id, year)) for c in cities],
        "status_labels": _status_labels(),
    }
    return render(request, "plans/overdue.html", context)


# --- self-checks (ZZ-O2, CQ-O1) ----------------------------------------------------------------


def _check_labels() -> dict[str, Any]:
    statuses = {k.value: _(v) for k, v in SELF_CHECK_STATUS_LABELS.items()}
    statuses[NO_PLAN] = _("未报送")
    return {
        "kind_labels": {k.value: _(v) for k, v in SELF_CHECK_KIND_LABELS.items()},
        "check_status_labels": statuses,
        "plan_status_labels": _status_labels(),
    }


@login_required
def selfcheck_list(request: HttpRequest) -> HttpResponse:
    """Self-checks whose period ends in the year; the actor's own nodes begin theirs here."""
    scope = actor_scope(request.user)
    year = _year(request)
    if request.method == "POST":
        try:
            org = _owner_form(request, gettext_lazy("单位"), "sc", request.POST).chosen_org()
            check = selfchecks.selfcheck_open(
                actor=request.user,
                org_id=org.id,
                kind=request.POST.get("kind", ""),
                year_from=int(request.POST.get("year_from") or year),
                year_to=year,
            )
        except (ValueError, ApplicationError) as exc:
            messages.error(request, _(getattr(exc, "message", "年度无效")))
            return redirect(f"{request.path}?year={year}")
        return redirect("plans:selfcheck", check.pk)
    context = {
        "year": year,
        "checks": list(selfchecks.selfcheck_list(actor=request.user, year=year)),
        "own": scope.has(*OWNERS),
        "owner_form": _owner_form(request, gettext_lazy("单位"), "sc"),
        "kinds": [(k.value, _(v)) for k, v in SELF_CHECK_KIND_LABELS.items()],
        "is_bureau": scope.has(*BUREAUS),
        "due": self_check_due(year),
        **_check_labels(),
    }
    return render(request, "plans/selfchecks.html", context)


@login_required
def selfcheck(request: HttpRequest, check_id: int) -> HttpResponse:
    check = selfchecks.access_selfcheck_by_id(request.user, check_id)
    if request.method == "POST":
        action = request.POST.get("action", "")
        post = request.POST
        try:
            if action == "save" or action == "submit":
                selfchecks.selfcheck_save(
                    actor=request.user,
                    check_id=check_id,
                    achievements=post.get("achievements", ""),
                    problems=post.get("problems", ""),
                    measures=post.get("measures", ""),
                )
                if action == "submit":
                    selfchecks.selfcheck_submit(actor=request.user, check_id=check_id)
            elif action == "refresh":
                selfchecks.selfcheck_refresh(actor=request.user, check_id=check_id)
            elif action in ("accept", "return"):
                selfchecks.selfcheck_review(
                    actor=request.user,
                    check_id=check_id,
                    accept=action == "accept",
                    reason=post.get("reason", ""),
                )
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        else:
            messages.success(request, _("已保存"))
        return redirect("plans:selfcheck", check_id)
    context = {
        "check": check,
        "can_edit": selfchecks.may_edit(request.user, check)
        and check.status in selfchecks.EDITABLE,
        "can_review": selfchecks.may_review(request.user, check) and check.status == "submitted",
        "is_programme": check.kind != SelfCheckKind.ANNUAL,
        **_check_labels(),
    }
    return render(request, "plans/selfcheck.html", context)


@login_required
def selfcheck_export(request: HttpRequest, check_id: int) -> HttpResponse:
    """The report as text Word opens (UTF-8 with BOM), for filing and printing."""
    check = selfchecks.access_selfcheck_by_id(request.user, check_id)
    labels = _check_labels()
    text = selfchecks.export_text(
        check, labels["kind_labels"][check.kind], labels["check_status_labels"][check.status]
    )
    response = HttpResponse("\ufeff" + text, content_type="text/plain; charset=utf-8")
    name = f"self-check-{check.pk}.txt"
    response["Content-Disposition"] = f"attachment; filename={name}"
    return response


@login_required
def selfcheck_overdue(request: HttpRequest) -> HttpResponse:
    scope = actor_scope(request.user)
    year = _year(request)
    rows = selfchecks.overdue_selfchecks(
        year=year, root_paths=list(scope.paths_for(*BUREAUS)), today=clock.today()
    )
    context = {"year": year, "rows": rows, "due": self_check_due(year), **_check_labels()}
    return render(request, "plans/selfcheck_overdue.html", context)
