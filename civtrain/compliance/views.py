"""Pages: the unit's people sorted by risk (HR), completion by unit (district/city), the
learner's own progress, and the published rule-set schema."""

import dataclasses
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civtrain.accounts.api import PERSONNEL_ROLES, actor_scope
from civtrain.compliance import selectors
from civtrain.compliance.ruleset import schema
from civtrain.core import clock, exports
from civtrain.core.errors import NotFound
from civtrain.core.middleware import client_ip
from civtrain.organisations.api import (
    OrgKind,
    OrgNodeData,
    UnitPickForm,
    org_by_codes,
    org_data_many,
    org_labels,
)
from civtrain.people.api import person_for_user

RISK_FILTERS = {
    "": gettext_lazy("全部"),
    "missed": gettext_lazy("有逾期未完成"),
    "not_yet": gettext_lazy("有未完成"),
    "complete": gettext_lazy("已全部完成"),
    "not_excellent": gettext_lazy("不得评优"),
}


def _year(request: HttpRequest) -> int:
    return _year_of(request.GET)


def _year_of(data: QueryDict) -> int:
    try:
        return int(data.get("year", ""))
    except ValueError:
        return clock.today().year


def _root(request: HttpRequest) -> tuple[str, str]:
    """(code, path) of the list's unit: the picker's choice (a code, or a name typed without
    JavaScript), else the actor's own subtree; out of scope or unknown: NotFound."""
    form = UnitPickForm({"unit": request.GET.get("unit", "")}, actor=request.user)
    if not form.is_valid():
        raise NotFound()
    node = form.cleaned_data["unit"]
    return selectors.list_root(actor=request.user, unit_code=node.code if node else "")


def _unit_form(request: HttpRequest, code: str) -> UnitPickForm:
    return UnitPickForm(initial={"unit": code}, actor=request.user, auto_id="f-%s")


PAGE_SIZE = 50
SORTS = {
    "risk": gettext_lazy("风险从高到低"),
    "name": gettext_lazy("姓名"),
    "unit": gettext_lazy("单位"),
}


@login_required
def people_page(request: HttpRequest) -> HttpResponse:
    """Unit HR and bureaus: the people of a unit subtree, a page at a time, sorted by risk
    (or name, unit), with filters (issue 4 §6, issue #11 item 2). Rows come from the stored
    snapshots, kept fresh by the outbox pull; a year with none stored is evaluated live."""
    year = _year(request)
    code, path = _root(request)
    filters = _filters(request.GET)
    risk, clause, search, sort = filters.risk, filters.clause, filters.search, filters.sort
    rows, clauses, stored = selectors.list_rows(
        actor=request.user, year=year, unit_code=code, root_path=path, filters=filters
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _labelled(list(page.object_list))
    root = org_by_codes([code])[code]
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "year": year,
        "unit_code": code,
        "unit_name": root.name,
        "unit_form": _unit_form(request, code),
        "stored": stored,
        "computed_at": max((r["computed_at"] for r in page.object_list), default=None),
        "page": page,
        "query": query.urlencode(),
        "risk": risk,
        "risk_filters": RISK_FILTERS,
        "clause": clause,
        "clauses": clauses,
        "q": search,
        "sort": sort,
        "sorts": SORTS,
        # The unit's own card (its rate, quota and unit rules) on a unit's page; a district's
        # or a city's units are compared on the units page.
        "summaries": (
            selectors.unit_summary_list(actor=request.user, year=year, unit_code=code)
            if root.kind in (OrgKind.UNIT, OrgKind.DEPARTMENT) and not (risk or clause or search)
            else []
        ),
    }
    template = "compliance/people.html"
    return render(request, f"{template}#results" if request.htmx else template, context)  # type: ignore[attr-defined]


def _filters(data: QueryDict) -> selectors.ListFilters:
    sort = data.get("sort", "risk")
    return selectors.ListFilters(
        risk=data.get("risk", ""),
        clause=data.get("clause", "").strip(),
        search=data.get("q", "").strip(),
        sort=sort if sort in SORTS else "risk",
    )


@login_required
@require_POST
def people_export(request: HttpRequest) -> HttpResponse:
    """The compliance list as it is filtered, as .xlsx: at once up to 2,000 rows, else a
    background job with its progress page (issue #11 item 2)."""
    filters = _filters(request.POST)
    params = {
        "year": _year_of(request.POST),
        "unit": request.POST.get("unit", ""),
        **dataclasses.asdict(filters),
    }
    result = exports.table_export_start(
        actor=request.user,
        source="civtrain.compliance.exports:people_table",
        params=params,
        ip=client_ip(request),
    )
    return exports.export_response(result)


@login_required
@require_POST
def units_export(request: HttpRequest) -> HttpResponse:
    """The completion table as .xlsx (issue #11 item 2)."""
    params = {
        "year": _year_of(request.POST),
        "unit": request.POST.get("unit", ""),
        "direct": request.POST.get("direct") == "1",
    }
    result = exports.table_export_start(
        actor=request.user,
        source="civtrain.compliance.exports:units_table",
        params=params,
        ip=client_ip(request),
    )
    return exports.export_response(result)


def _labelled(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The page's rows with their unit's recognisable name (issue #11 item 3)."""
    labels = org_labels({r["unit_id"] for r in rows})
    return [{**r, "unit_label": labels.get(r["unit_id"], "")} for r in rows]


@login_required
def units_page(request: HttpRequest) -> HttpResponse:
    """District and city: completion by child node from the latest snapshots (SQL
    aggregated), an ECharts bar chart, and drill-down the way the officials browse: a city
    starts at its districts, with its 市直 bureaus folded into one row (`direct=1` lists
    them); a district lists its units; a unit its internal divisions."""
    year = _year(request)
    code, _path = _root(request)
    root = org_by_codes([code])[code]
    city_direct = root.kind == OrgKind.CITY and request.GET.get("direct") == "1"
    table = selectors.completion_table(
        actor=request.user, year=year, root=root, city_direct=city_direct
    )
    chart = {
        "names": [t["name"] for t in table],
        "rates": [t["rate"] for t in table],
    }
    context = {
        "year": year,
        "unit_code": code,
        "unit_name": root.name + (_(" · 市直单位") if city_direct else ""),
        "unit_form": _unit_form(request, code),
        "direct": city_direct,
        "up": _up_link(root, city_direct, year, request),
        "table": table,
        "chart": chart,
    }
    return render(request, "compliance/units.html", context)


def _up_link(root: OrgNodeData, city_direct: bool, year: int, request: HttpRequest) -> str:
    """The level above, if the actor may look at it ("" at the top of their scope)."""
    if city_direct:
        return f"?unit={root.code}&year={year}"
    if root.parent_id is None:
        return ""
    parent = org_data_many([root.parent_id]).get(root.parent_id)
    scope = actor_scope(request.user)
    if parent is None or not scope.covers(parent.path, *PERSONNEL_ROLES):
        return ""
    if parent.kind == OrgKind.CITY and root.kind != OrgKind.DISTRICT:
        return f"?unit={parent.code}&direct=1&year={year}"
    return f"?unit={parent.code}&year={year}"


@login_required
def my_progress_page(request: HttpRequest) -> HttpResponse:
    person = person_for_user(int(request.user.pk or 0))
    if person is None:
        raise NotFound(_("您的账号没有关联人员档案"))
    return render(request, "compliance/me.html", {"person": person})


def schema_json(request: HttpRequest) -> JsonResponse:
    """The published JSON Schema of rule-set files (ARCHITECTURE §5)."""
    return JsonResponse(schema(), json_dumps_params={"ensure_ascii": False, "indent": 1})
