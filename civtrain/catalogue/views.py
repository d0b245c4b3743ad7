"""The subject taxonomy page: everyone reads it, the city bureau edits it (ZZ-T2)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from civtrain.accounts.api import Role, actor_scope
from civtrain.catalogue import selectors, services
from civtrain.catalogue.data import DELIVERY_MODE_LABELS, TRAINING_TYPE_LABELS
from civtrain.core.errors import ApplicationError


@login_required
def subjects(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            if request.POST.get("action") == "toggle":
                services.subject_update(
                    actor=request.user,
                    code=request.POST.get("code", ""),
                    active=request.POST.get("active") == "1",
                )
            elif request.POST.get("action") == "rename":
                services.subject_update(
                    actor=request.user,
                    code=request.POST.get("code", ""),
                    name=request.POST.get("name", ""),
                )
            else:
                services.subject_create(
                    actor=request.user,
                    code=request.POST.get("code", ""),
                    name=request.POST.get("name", ""),
                    sort_order=int(request.POST.get("sort_order") or 0),
                )
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        else:
            messages.success(request, _("培训科目已保存"))
        return redirect("catalogue:subjects")
    context = {
        "subjects": selectors.subject_list(include_inactive=True),
        "can_edit": actor_scope(request.user).has(Role.CITY_BUREAU),
        "types": [_(v) for v in TRAINING_TYPE_LABELS.values()],
        "modes": [_(v) for v in DELIVERY_MODE_LABELS.values()],
    }
    return render(request, "catalogue/subjects.html", context)
