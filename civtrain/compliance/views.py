"""Pages: the unit's people sorted by risk (HR), completion by unit (district/city), the
learner's own progress, and the published rule-set schema."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civtrain.accounts.api import PERSONNEL_ROLES, actor_scope
from civtrain.compliance import selectors
from civtrain.compliance.ruleset import schema
from civtrain.core import clock
from civtrain.core.errors import NotFound
from civtrain.organisations.api import (
    OrgKind,
    OrgNodeData,
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
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return clock.today().year


def _root(request: HttpRequest) -> tuple[str, str]:
    """(code, path) of the node the page looks at: ?unit=CODE inside the actor's subtrees,
    else the actor's first personnel subtree."""
    scope = actor_scope(request.user)
    roots = scope.paths_for(*PERSONNEL_ROLES)
    if not roots:
        raise NotFound()
    code = request.GET.get("unit", "").strip()
    if code:
        node = org_by_codes([code]).get(code)
        if node is None or not scope.covers(node.path, *PERSONNEL_ROLES):
            raise NotFound()
        return node.code, node.path
    by_path = {n.path: n for n in org_by_codes().values() if n.path in roots}
    first = by_path[roots[0]]
    return first.code, first.path


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
    risk = request.GET.get("risk", "")
    clause = request.GET.get("clause", "").strip()
    search = request.GET.get("q", "").strip()
    sort = request.GET.get("sort", "risk")
    sort = sort if sort in SORTS else "risk"
    stored = selectors.list_has_stored(actor=request.user, year=year, root_path=path)
    if stored:
        rows: Any = selectors.list_rows_stored(
            actor=request.user,
            year=year,
            root_path=path,
            risk=risk,
            clause=clause,
            search=search,
            sort=sort,
        )
        clauses = selectors.list_clauses(actor=request.user, year=year, root_path=path)
    else:
        rows, clauses = _evaluated_rows(request, year, code, risk, clause, search, sort)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _labelled(list(page.object_list))
    root = org_by_codes([code])[code]
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "year": year,
        "unit_code": code,
        "unit_name": root.name,
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


def _evaluated_rows(
    request: HttpRequest, year: int, code: str, risk: str, clause: str, search: str, sort: str
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The same rows as the stored ones, evaluated now (a year with no stored snapshots)."""
    _ev, results = selectors.evaluate(year=year, unit_code=code, actor=request.user)
    rows = list(results)
    clauses = sorted({(o.clause, o.title) for r in rows for o in r.outcomes})
    if search:
        rows = [r for r in rows if search in r.name]
    if clause:
        rows = [r for r in rows if any(o.clause == clause for o in r.outcomes)]
    if risk in ("missed", "not_yet"):
        rows = [r for r in rows if any(o.status == risk for o in r.outcomes)]
    elif risk == "complete":
        rows = [r for r in rows if r.linkage.complete]
    elif risk == "not_excellent":
        rows = [r for r in rows if not r.linkage.eligible_excellent]
    keys = {
        "risk": lambda r: (-r.risk, r.unit_path, r.name, r.person_id),
        "name": lambda r: (r.name, r.person_id),
        "unit": lambda r: (r.unit_path, -r.risk, r.name, r.person_id),
    }
    rows.sort(key=keys[sort])
    now = clock.now()
    return [
        {
            "person_id": r.person_id,
            "person__name": r.name,
            "person__id_number_masked": r.id_number_masked,
            "unit_id": r.unit_id,
            "outcomes": [o.as_json() for o in r.outcomes],
            "linkage": r.linkage.as_json(),
            "risk": r.risk,
            "computed_at": now,
        }
        for r in rows
    ], clauses


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
    code, path = _root(request)
    root = org_by_codes([code])[code]
    city_direct = root.kind == OrgKind.CITY and request.GET.get("direct") == "1"
    rows = selectors.completion_by_unit(actor=request.user, year=year, parent_path=path)
    child_ids = [int(r["child"].rstrip("/").rsplit("/", 1)[-1]) for r in rows]
    nodes = org_data_many(child_ids)
    table = []
    folded = {"headcount": 0, "complete": 0, "deferred": 0, "units": 0}
    for row, node_id in zip(rows, child_ids, strict=True):
        node = nodes.get(node_id)
        if node is None:
            continue
        headcount = row["headcount"] or 0
        complete = row["complete"] or 0
        deferred = row["deferred"] or 0
        direct = row["child"] == path
        if root.kind == OrgKind.CITY and not direct and node.kind != OrgKind.DISTRICT:
            if not city_direct:  # a 市直 bureau: folded into the city-level row
                folded["headcount"] += headcount
                folded["complete"] += complete
                folded["deferred"] += deferred
                folded["units"] += 1
                continue
        elif city_direct:
            continue  # the 市直 view lists the bureaus only
        table.append(_unit_row(node.code, node.name, headcount, complete, deferred, direct))
    if folded["units"]:
        table.append(
            _unit_row(
                root.code,
                _("市直单位（%(n)s 个）") % {"n": folded["units"]},
                folded["headcount"],
                folded["complete"],
                folded["deferred"],
                False,
                drill=f"?unit={root.code}&direct=1&year={year}",
            )
        )
    table.sort(key=lambda t: (t["rate"], t["code"]))
    chart = {
        "names": [t["name"] for t in table],
        "rates": [t["rate"] for t in table],
    }
    context = {
        "year": year,
        "unit_code": code,
        "unit_name": root.name + (_(" · 市直单位") if city_direct else ""),
        "direct": city_direct,
        "up": _up_link(root, city_direct, year, request),
        "table": table,
        "chart": chart,
    }
    return render(request, "compliance/units.html", context)


def _unit_row(
    code: str,
    name: str,
    headcount: int,
    complete: int,
    deferred: int,
    direct: bool,
    drill: str | None = None,
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "direct": direct,
        "drill": drill if drill is not None else ("" if direct else f"?unit={code}"),
        "people": not drill,
        "headcount": headcount,
        "complete": complete,
        "deferred": deferred,
        "rate": round(100 * complete / headcount, 1) if headcount else 0.0,
    }


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
