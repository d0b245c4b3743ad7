"""The institution registry page: bureaus register and recognise institutions (CQ-B1)."""

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civtrain.accounts.api import Role, actor_scope
from civtrain.core import clock
from civtrain.core.errors import ApplicationError, ValidationFailed
from civtrain.institutions import selectors, services
from civtrain.institutions.data import (
    APPLICATION_STATUS_LABELS,
    INSTITUTION_KIND_LABELS,
    InstitutionKind,
)
from civtrain.organisations.api import OrgPickForm

BUREAUS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU)


def _date(value: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(_("日期格式应为 年-月-日")) from None


def _org_form(request: HttpRequest, data: Any = None) -> OrgPickForm:
    """Where a new institution is registered, picked by name (#11 item 3), not from every
    node of the bureau's subtree."""
    return OrgPickForm(
        data, actor=request.user, purpose="bureau", label=gettext_lazy("所属"), auto_id="i-%s"
    )


@login_required
def institution_list(request: HttpRequest) -> HttpResponse:
    scope = actor_scope(request.user)
    if request.method == "POST":
        try:
            org = _org_form(request, request.POST).chosen_org()
            services.institution_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                org_id=org.id,
                kind=InstitutionKind(request.POST.get("kind") or InstitutionKind.PARTY_SCHOOL),
                recognised_from=_date(request.POST.get("recognised_from", "")),
                recognised_to=_date(request.POST.get("recognised_to", "")),
                address=request.POST.get("address", ""),
            )
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        else:
            messages.success(request, _("施教机构已登记"))
        return redirect("institutions:list")
    today = clock.today()
    search = request.GET.get("q", "")
    # A page of 50 with the count (#11 item 2); an institution's own list stays whole.
    page = Paginator(selectors.institution_list(actor=request.user, search=search), 50).get_page(
        request.GET.get("page")
    )
    rows = [
        (
            i,
            bool(
                i.recognised_from
                and i.recognised_to
                and i.recognised_from <= today <= i.recognised_to
            ),
        )
        for i in page
    ]
    applications = list(selectors.application_list(actor=request.user)[:50])
    context = {
        "rows": rows,
        "applications": applications,
        "application_labels": {k.value: _(v) for k, v in APPLICATION_STATUS_LABELS.items()},
        "page": page,
        "query": urlencode({"q": search}) if search else "",
        "own": [
            i
            for i in selectors.institution_list(actor=request.user, search="")
            if scope.covers(i.org.path, Role.INSTITUTION)
        ]
        if scope.has(Role.INSTITUTION)
        else [],
        "kinds": [(k.value, _(v)) for k, v in INSTITUTION_KIND_LABELS.items()],
        "kind_labels": {k.value: _(v) for k, v in INSTITUTION_KIND_LABELS.items()},
        "can_edit": scope.has(*BUREAUS),
        "org_form": _org_form(request),
    }
    return render(request, "institutions/list.html", context)


@login_required
@require_POST
def recognition_apply(request: HttpRequest) -> HttpResponse:
    """Institution staff apply for a recognition period (CQ-B1)."""
    try:
        services.recognition_apply(
            actor=request.user,
            institution_id=int(request.POST.get("institution_id") or 0),
            requested_from=_date(request.POST.get("requested_from", "")) or clock.today(),
            requested_to=_date(request.POST.get("requested_to", "")) or clock.today(),
            note=request.POST.get("note", ""),
        )
    except ApplicationError as exc:
        messages.error(request, _(exc.message))
    else:
        messages.success(request, _("认定申请已提交"))
    return redirect("institutions:list")


@login_required
@require_POST
def recognition_decide(request: HttpRequest, application_id: int) -> HttpResponse:
    """A bureau grants the period applied for, or refuses with a reason."""
    grant = request.POST.get("decision") == "grant"
    try:
        services.recognition_decide(
            actor=request.user,
            application_id=application_id,
            grant=grant,
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as exc:
        messages.error(request, _(exc.message))
    else:
        messages.success(request, _("已予认定") if grant else _("已不予认定"))
    return redirect("institutions:list")


@login_required
def detail(request: HttpRequest, institution_id: int) -> HttpResponse:
    """An institution's page (CQ-B1): its recognition and applications, and year by year the
    classes it ran, the trainees it trained and its evaluation score (from the evaluation app
    through the site shell's tag)."""
    institution = selectors.access_institution_by_id(request.user, institution_id)
    today = clock.today()
    current = bool(
        institution.recognised_from
        and institution.recognised_to
        and institution.recognised_from <= today <= institution.recognised_to
    )
    context = {
        "institution": institution,
        "current": current,
        "applications": selectors.applications_of(
            actor=request.user, institution_id=institution.pk
        ),
        "application_labels": {k.value: _(v) for k, v in APPLICATION_STATUS_LABELS.items()},
        "kind_labels": {k.value: _(v) for k, v in INSTITUTION_KIND_LABELS.items()},
    }
    return render(request, "institutions/detail.html", context)
