"""The teacher pool page (师资库, CQ-B2)."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civtrain.accounts.api import Role, actor_scope
from civtrain.catalogue.api import subject_names
from civtrain.core.errors import ApplicationError
from civtrain.faculty import selectors, services
from civtrain.faculty.pickers import teacher_choices
from civtrain.organisations.api import OrgPickForm

PAGE_SIZE = 50

MANAGERS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.INSTITUTION)


def _org_form(request: HttpRequest, data: Any = None) -> OrgPickForm:
    """Where a new teacher is kept, picked by name (#11 item 3), not from every node."""
    return OrgPickForm(
        data, actor=request.user, purpose="faculty", label=gettext_lazy("所属"), auto_id="t-%s"
    )


@login_required
def teacher_list(request: HttpRequest) -> HttpResponse:
    scope = actor_scope(request.user)
    if request.method == "POST":
        try:
            org = _org_form(request, request.POST).chosen_org()
            services.teacher_create(
                actor=request.user,
                org_id=org.id,
                name=request.POST.get("name", ""),
                internal=request.POST.get("internal") == "1",
                title=request.POST.get("title", ""),
                subjects=request.POST.getlist("subjects"),
                phone=request.POST.get("phone", ""),
            )
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        else:
            messages.success(request, _("教师已加入师资库"))
        return redirect("faculty:list")
    names = subject_names(include_inactive=True)
    teachers = selectors.teacher_list(
        actor=request.user, search=request.GET.get("q", ""), subject=request.GET.get("subject", "")
    )
    # A city's pool runs to hundreds: a page of 50 with the count (#11 item 2).
    page = Paginator(teachers, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": urlencode({k: request.GET[k] for k in ("q", "subject") if request.GET.get(k)}),
        "rows": [(t, "、".join(names.get(s, s) for s in t.subjects or [])) for t in page],
        "subjects": names,
        "can_edit": scope.has(*MANAGERS),
        "org_form": _org_form(request),
        "q": request.GET.get("q", ""),
        "subject": request.GET.get("subject", ""),
    }
    return render(request, "faculty/list.html", context)


@login_required
def teacher_pick(request: HttpRequest) -> JsonResponse:
    """The teacher picker's type-ahead (#11 item 3): up to 20 teachers of the pools the actor
    schedules from whose name or title contains `q`; nothing for a learner."""
    found = teacher_choices(actor=request.user, query=request.GET.get("q", "")[:50])
    return JsonResponse({"results": found})
