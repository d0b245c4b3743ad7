"""Pages: the unit's people sorted by risk (HR), completion by unit (district/city), the
learner's own progress, and the published rule-set schema."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civtrain.accounts.api import PERSONNEL_ROLES, actor_scope
from civtrain.compliance import selectors
from civtrain.compliance.data import STATUS_LABELS
from civtrain.compliance.engine import unit_summaries
from civtrain.compliance.ruleset import schema
from civtrain.core import clock
from civtrain.core.errors import NotFound
from civtrain.organisations.api import org_by_codes, org_data_many
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


@login_required
def people_page(request: HttpRequest) -> HttpResponse:
    """Unit HR: the people of a unit subtree sorted by risk, with filters (issue 4 §6)."""
    year = _year(request)
    code, _path = _root(request)
    risk = request.GET.get("risk", "")
    clause = request.GET.get("clause", "").strip()
    search = request.GET.get("q", "").strip()
    ev, results = selectors.evaluate(year=year, unit_code=code, actor=request.user)
    rows = list(results)
    clauses = sorted({o.clause for r in rows for o in r.outcomes})
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
    rows.sort(key=lambda r: (-r.risk, r.unit_code, r.name))
    context: dict[str, Any] = {
        "year": year,
        "as_of": ev.as_of,
        "unit_code": code,
        "rows": rows[:500],
        "total": len(rows),
        "risk": risk,
        "risk_filters": RISK_FILTERS,
        "clause": clause,
        "clauses": clauses,
        "q": search,
        "status_labels": {s.value: label for s, label in STATUS_LABELS.items()},
        "summaries": unit_summaries(ev, rows, _path) if not (risk or clause or search) else [],
    }
    return render(request, "compliance/people.html", context)


@login_required
def units_page(request: HttpRequest) -> HttpResponse:
    """District and city: completion by child unit from the latest snapshots (SQL
    aggregated), an ECharts bar chart, and drill-down into a child."""
    year = _year(request)
    code, path = _root(request)
    rows = selectors.completion_by_unit(actor=request.user, year=year, parent_path=path)
    child_ids = [int(r["child"].rstrip("/").rsplit("/", 1)[-1]) for r in rows]
    nodes = org_data_many(child_ids)
    table = []
    for row, node_id in zip(rows, child_ids, strict=True):
        node = nodes.get(node_id)
        if node is None:
            continue
        headcount = row["headcount"] or 0
        complete = row["complete"] or 0
        table.append(
            {
                "code": node.code,
                "name": node.name,
                "direct": row["child"] == path,
                "headcount": headcount,
                "complete": complete,
                "deferred": row["deferred"] or 0,
                "rate": round(100 * complete / headcount, 1) if headcount else 0.0,
            }
        )
    table.sort(key=lambda t: (t["rate"], t["code"]))
    chart = {
        "names": [t["name"] for t in table],
        "rates": [t["rate"] for t in table],
    }
    context = {
        "year": year,
        "unit_code": code,
        "unit_name": org_by_codes([code])[code].name,
        "table": table,
        "chart": chart,
    }
    return render(request, "compliance/units.html", context)


@login_required
def my_progress_page(request: HttpRequest) -> HttpResponse:
    person = person_for_user(int(request.user.pk or 0))
    if person is None:
        raise NotFound(_("您的账号没有关联人员档案"))
    return render(request, "compliance/me.html", {"person": person})


def schema_json(request: HttpRequest) -> JsonResponse:
    """The published JSON Schema of rule-set files (ARCHITECTURE §5)."""
    return JsonResponse(schema(), json_dumps_params={"ensure_ascii": False, "indent": 1})
