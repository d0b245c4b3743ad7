"""The institution registry page: bureaus register and recognise institutions (CQ-B1)."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from civtrain.accounts.api import Role, actor_scope
from civtrain.core import clock
from civtrain.core.errors import ApplicationError, ValidationFailed
from civtrain.institutions import selectors, services
from civtrain.institutions.data import INSTITUTION_KIND_LABELS, InstitutionKind
from civtrain.organisations.api import org_list_data

BUREAUS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU)


def _date(value: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(_("日期格式应为 年-月-日")) from None


@login_required
def institution_list(request: HttpRequest) -> HttpResponse:
    scope = actor_scope(request.user)
    if request.method == "POST":
        try:
            services.institution_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                org_id=int(request.POST.get("org_id") or 0),
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
    rows = [
        (
            i,
            bool(
                i.recognised_from
                and i.recognised_to
                and i.recognised_from <= today <= i.recognised_to
            ),
        )
        for i in selectors.institution_list(actor=request.user, search=request.GET.get("q", ""))
    ]
    context = {
        "rows": rows,
        "kinds": [(k.value, _(v)) for k, v in INSTITUTION_KIND_LABELS.items()],
        "kind_labels": {k.value: _(v) for k, v in INSTITUTION_KIND_LABELS.items()},
        "can_edit": scope.has(*BUREAUS),
        "orgs": org_list_data(scope_paths=scope.paths_for(*BUREAUS)) if scope.has(*BUREAUS) else [],
    }
    return render(request, "institutions/list.html", context)
