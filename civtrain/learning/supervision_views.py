"""The half-year notice page (半年通报, ZZ-N2): figures with drill-down, the Excel export, the
reminder to laggards; printable with the browser (a print stylesheet hides the controls)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civtrain.core import clock, exports
from civtrain.learning import supervision


def _half(request: HttpRequest) -> supervision.Half:
    today = clock.today()
    data = request.POST if request.method == "POST" else request.GET
    return supervision.Half.parse(
        data.get("year") or today.year, data.get("half") or (1 if today.month <= 6 else 2)
    )


def _org_id(request: HttpRequest) -> int | None:
    data = request.POST if request.method == "POST" else request.GET
    value = data.get("org", "")
    return int(value) if value.isdigit() else None


@login_required
def notice_page(request: HttpRequest) -> HttpResponse:
    half = _half(request)
    notice = supervision.notice(actor=request.user, half=half, org_id=_org_id(request))
    context = {
        "notice": notice,
        "years": range(clock.today().year, clock.today().year - 5, -1),
        "query": f"year={half.year}&half={half.half}",
    }
    return render(request, "learning/supervision.html", context)


@login_required
def notice_export(request: HttpRequest) -> HttpResponse:
    half = _half(request)
    org_id = _org_id(request)
    params = {"year": half.year, "half": half.half, "org": org_id}
    result = exports.table_export_start(
        actor=request.user, source="civtrain.learning.supervision:notice_table", params=params
    )
    return exports.export_response(result)


@login_required
@require_POST
def notice_remind(request: HttpRequest) -> HttpResponse:
    half = _half(request)
    org_id = _org_id(request)
    sent = supervision.laggards_remind(actor=request.user, half=half, org_id=org_id)
    messages.success(
        request, _("已向 %(count)s 名滞后人员发送站内提醒（每人每半年一次）") % {"count": sent}
    )
    url = reverse("supervision:notice") + f"?year={half.year}&half={half.half}"
    return redirect(url + (f"&org={org_id}" if org_id else ""))
