"""Reads of the compliance app, scoped by the actor (ARCHITECTURE §7)."""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, Q, QuerySet, Sum, TextField
from django.db.models.functions import Cast, Mod
from django.utils.translation import gettext as _

from civtrain.accounts.api import PERSONNEL_ROLES, Role, actor_scope, is_system
from civtrain.compliance.bindings import Binding
from civtrain.compliance.data import (
    AssessmentLinkage,
    Consequence,
    PersonResult,
    UnitSummary,
)
from civtrain.compliance.engine import Engine
from civtrain.compliance.models import ComplianceSnapshot, RuleSet, RuleSetBinding
from civtrain.compliance.ruleset import FailedTraining, RuleSetSpec, parse_document
from civtrain.compliance.units import unit_summaries
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.credits.api import entry_rows
from civtrain.organisations.api import (
    OrgKind,
    OrgNodeData,
    org_by_codes,
    org_data_many,
    subtree_q,
)
from civtrain.people.api import person_scope_q

_spec_cache: dict[tuple[str, int, str], RuleSetSpec] = {}


def ruleset_spec(row: RuleSet) -> RuleSetSpec:
    key = (row.name, row.version, row.sha256)
    if key not in _spec_cache:
        _spec_cache[key] = parse_document(row.document)
    return _spec_cache[key]


def ruleset_list() -> QuerySet[RuleSet]:
    return RuleSet.objects.all()


def ruleset_title(label: str) -> str:
    """The Chinese title of the set labelled "name@version" (issue #11 item 6: rule sets by
    their titles on the pages, not `national-2023@4`); the label itself if it is not loaded."""
    name, _, version = label.partition("@")
    title = (
        RuleSet.objects.filter(name=name, version=int(version or 0))
        .values_list("title", flat=True)
        .first()
    )
    return title or label


def ruleset_get(name: str, version: int | None = None) -> RuleSet:
    qs = RuleSet.objects.filter(name=name)
    if version is not None:
        qs = qs.filter(version=version)
    row = qs.order_by("-version").first()
    if row is None:
        raise NotFound(f"规则集 {name} 未载入")
    return row


def bindings_all() -> list[Binding]:
    from civtrain.compliance.bindings import stored_bindings

    return stored_bindings()


def binding_list() -> QuerySet[RuleSetBinding]:
    return RuleSetBinding.objects.select_related("ruleset", "org")


def evaluator_for(year: int, as_of: dt.date | None = None) -> Engine:
    return Engine(year=year, as_of=as_of or clock.today(), bindings=bindings_all())


def default_as_of(year: int) -> dt.date:
    """Today for the running year; for a past one, the day after it ends — §8 "Deadlines":
    the year's amounts are missed only from the day after 31 December."""
    return min(clock.today(), dt.date(year + 1, 1, 1))


def evaluate(
    *,
    actor: Actor,
    year: int,
    as_of: dt.date | None = None,
    unit_code: str | None = None,
    person_ids: list[int] | None = None,
) -> tuple[Engine, Iterator[PersonResult]]:
    """Evaluate the people the actor may see (the system: everyone — the operators' CLI,
    the beat tasks), or of them a unit subtree and/or some people."""
    ev = evaluator_for(year, as_of or default_as_of(year))
    system = is_system(actor)
    q = Q()
    if not system:
        q &= person_scope_q(actor)
    if unit_code:
        node = org_by_codes([unit_code]).get(unit_code)
        if not system and (node is None or not _unit_filter_allowed(actor, node.path)):
            # #8 item 2: a unit outside the actor's scope answers like one that does not
            # exist (it used to be 200 [] against a 404 naming the code: an oracle).
            raise NotFound()
        if node is None:
            raise NotFound(f"组织机构编码 {unit_code} 不存在")  # the operators' CLI
        q &= Q(unit__path__startswith=node.path)
    if person_ids is not None:
        q &= Q(id__in=person_ids)
    id_range = (min(person_ids), max(person_ids)) if person_ids else None
    if person_ids is not None and not person_ids:
        return ev, iter(())
    scoped = not system or unit_code or person_ids is not None
    stream = ev.people(q if scoped else None, id_range=id_range)
    return ev, _with_failed_assessments(stream, ev, person_ids)


def _unit_filter_allowed(actor: Actor, path: str) -> bool:
    """A unit the actor may filter by: inside a personnel subtree, or, for a learner, their
    own unit or one above it (where they themselves are found)."""
    scope = actor_scope(actor)
    if scope.covers(path, *PERSONNEL_ROLES):
        return True
    return any(own.startswith(path) for own in scope.paths_for(Role.LEARNER))


def failed_entries(
    *, year: int, as_of: dt.date, person_ids: list[int] | None = None
) -> dict[int, list[tuple[str, str]]]:
    """(mode, title) of the failed entries of the year (up to as_of), by person: ledger
    entries with result failed — a failed completion exam or assessment, or a withdrawal
    (退学), which the ledger records as failed (§8 "Failed training") — not reversed.
    Failures are few, so one query serves a whole population (partial index
    ledger_failed_by_year)."""
    qs = (
        entry_rows()
        .filter(year=year, date__lte=as_of, result="failed", reversed_by__isnull=True)
        .exclude(source_type="reversal")
    )  # §8: a reversed entry and its reversal never count
    if person_ids is not None:
        qs = qs.filter(person_id__in=person_ids)
    out: dict[int, list[tuple[str, str]]] = {}
    for pid, mode, title in qs.order_by("date", "id").values_list("person_id", "mode", "title"):
        out.setdefault(pid, []).append((mode, title))
    return out


def _with_failed_assessments(
    stream: Iterator[PersonResult], ev: Engine, person_ids: list[int] | None
) -> Iterator[PersonResult]:
    """§8 "Failed training", with the consequences the governing set's text states
    (assessment.failed_training): ZZ-M4 — any failed completion exam or assessment → not
    优秀 and the grade deferred; CQ-M3 — failed off-the-job training → not 优秀."""
    failed = failed_entries(year=ev.year, as_of=ev.as_of, person_ids=person_ids)
    if not failed:
        yield from stream
        return
    for r in stream:
        found = failed.get(r.person_id)
        spec = ev.specs.get(r.ruleset) if found else None
        if found and spec is not None:
            r = r._replace(linkage=failure_linkage(r.linkage, spec.failed_training, found))
        yield r


def failure_linkage(
    linkage: AssessmentLinkage, rule: FailedTraining, failed: list[tuple[str, str]]
) -> AssessmentLinkage:
    """The linkage with what the set's failed_training entails for these (mode, title)."""
    titles = [title for mode, title in failed if rule.applies_to(mode)]
    c = rule.consequences
    if not titles or not c:
        return linkage
    return linkage._replace(
        eligible_excellent=linkage.eligible_excellent and Consequence.NO_EXCELLENT not in c,
        grade_deferred=linkage.grade_deferred or Consequence.GRADE_DEFERRED in c,
        appointment_blocked=linkage.appointment_blocked or Consequence.NO_APPOINTMENT_GRADING in c,
        other_reasons=linkage.other_reasons + tuple(rule.reason.format(title=t) for t in titles),
    )


def unit_summary_list(
    *, actor: Actor, year: int, as_of: dt.date | None = None, unit_code: str | None = None
) -> list[UnitSummary]:
    """Units under the actor's personnel subtrees (or `unit_code`), evaluated live."""
    scope = actor_scope(actor)
    roots = scope.paths_for(*PERSONNEL_ROLES)
    if not roots:
        return []
    root_path = ""
    if unit_code:
        node = org_by_codes([unit_code]).get(unit_code)
        if node is None or not scope.covers(node.path, *PERSONNEL_ROLES):
            raise NotFound()
        root_path = node.path
    ev, results = evaluate(year=year, as_of=as_of, unit_code=unit_code, actor=actor)
    summaries = unit_summaries(ev, list(results), root_path)
    return [s for s in summaries if scope.covers(ev.orgs[s.unit_id].path, *PERSONNEL_ROLES)]


def snapshot_list(*, actor: Actor, year: int) -> QuerySet[ComplianceSnapshot]:
    """Latest snapshots of the year for people the actor may see."""
    scope = actor_scope(actor)
    q = subtree_q(scope.paths_for(*PERSONNEL_ROLES), "unit_path")
    if scope.has(Role.LEARNER) and scope.user_id is not None:
        q |= Q(person__user_id=scope.user_id)
    return ComplianceSnapshot.objects.filter(q, year=year, is_latest=True)


def snapshot_history(*, actor: Actor, person_id: int, year: int) -> QuerySet[ComplianceSnapshot]:
    """Every snapshot of a person and year, newest first ("why, on 31 Dec 2018?")."""
    scope = actor_scope(actor)
    q = subtree_q(scope.paths_for(*PERSONNEL_ROLES), "unit_path")
    if scope.has(Role.LEARNER) and scope.user_id is not None:
        q |= Q(person__user_id=scope.user_id)
    return ComplianceSnapshot.objects.filter(q, person_id=person_id, year=year).order_by(
        "-as_of", "-computed_at"
    )


def completion_by_unit(*, actor: Actor, year: int, parent_path: str) -> list[dict[str, Any]]:
    """SQL-aggregated completion of the latest snapshots, one row per child node of
    `parent_path` (district/city dashboards, with drill-down to the child)."""
    scope = actor_scope(actor)
    if not scope.covers(parent_path, *PERSONNEL_ROLES):
        raise NotFound()
    depth = parent_path.count("/")
    width = 10  # one path segment, see organisations.models.SEGMENT_WIDTH
    child_len = (depth + 1) * width
    from django.db.models.functions import Substr

    rows = (
        ComplianceSnapshot.objects.filter(
            year=year, is_latest=True, unit_path__startswith=parent_path
        )
        .annotate(child=Substr("unit_path", 1, child_len))
        .values("child")
        .annotate(
            headcount=Count("id"),
            complete=Sum(Cast("complete", IntegerField())),
            deferred=Sum(Cast("grade_deferred", IntegerField())),
        )
        .order_by("child")
    )
    return [dict(r) for r in rows]


# -- the people list page (issue #11 item 2): a page of rows, filtered and sorted -----------
LIST_SORTS = {
    "risk": ("-risk", "unit_path", "person__name", "person_id"),
    "name": ("person__name", "person_id"),
    "unit": ("unit_path", "-risk", "person__name", "person_id"),
}
_ROW_FIELDS = (
    "person_id",
    "person__name",
    "person__id_number_masked",
    "unit_id",
    "outcomes",
    "linkage",
    "risk",
    "computed_at",
)


def list_root(*, actor: Actor, unit_code: str = "") -> tuple[str, str]:
    """(code, path) of the node the compliance list looks at: `unit_code` inside the actor's
    personnel subtrees, else the actor's first one; NotFound for anything else."""
    scope = actor_scope(actor)
    roots = scope.paths_for(*PERSONNEL_ROLES)
    if not roots:
        raise NotFound()
    code = unit_code.strip()
    if code:
        node = org_by_codes([code]).get(code)
        if node is None or not scope.covers(node.path, *PERSONNEL_ROLES):
            raise NotFound()
        return node.code, node.path
    by_path = {n.path: n for n in org_by_codes().values() if n.path in roots}
    first = by_path[roots[0]]
    return first.code, first.path


@dataclass(frozen=True)
class ListFilters:
    risk: str = ""  # "", missed, not_yet, complete, not_excellent
    clause: str = ""
    search: str = ""  # in the name
    sort: str = "risk"  # risk, name, unit


def list_rows(
    *, actor: Actor, year: int, unit_code: str, root_path: str, filters: ListFilters
) -> tuple[Any, list[tuple[str, str]], bool]:
    """The compliance list's rows (a values QuerySet or a list of the same dicts), the
    (clause, title) choices of its filter, and whether the rows are the stored ones."""
    if list_has_stored(actor=actor, year=year, root_path=root_path):
        rows = list_rows_stored(actor=actor, year=year, root_path=root_path, filters=filters)
        return rows, list_clauses(actor=actor, year=year, root_path=root_path), True
    rows_now, clauses = list_rows_evaluated(
        actor=actor, year=year, unit_code=unit_code, filters=filters
    )
    return rows_now, clauses, False


def list_rows_stored(
    *, actor: Actor, year: int, root_path: str, filters: ListFilters
) -> QuerySet[ComplianceSnapshot]:
    """The latest stored snapshot of each person under `root_path` the actor may see,
    filtered and sorted in SQL (values rows: person_id, name, id_number_masked, unit_id,
    outcomes, linkage, risk, computed_at). The outbox pull keeps them fresh within
    COMPLIANCE_REFRESH_SECONDS of a ledger write; the nightly run moves their as-of date."""
    risk, clause, search = filters.risk, filters.clause, filters.search
    qs = snapshot_list(actor=actor, year=year).filter(unit_path__startswith=root_path)
    if search:
        qs = qs.filter(person__name__contains=search)
    if risk == "missed":  # risk = 100 × missed + 10 × open (PersonResult.risk)
        qs = qs.filter(risk__gte=100)
    elif risk == "not_yet":
        qs = qs.annotate(open_part=Mod("risk", 100)).filter(open_part__gte=10)
    elif risk == "complete":
        qs = qs.filter(complete=True)
    elif risk == "not_excellent":
        qs = qs.filter(eligible_excellent=False)
    if clause:
        # The stored JSON's text holds `"clause": "<id>"` on PostgreSQL and SQLite alike.
        qs = qs.annotate(outcomes_text=Cast("outcomes", TextField())).filter(
            outcomes_text__contains=f'"clause": "{clause}"'
        )
    return qs.order_by(*LIST_SORTS.get(filters.sort, LIST_SORTS["risk"])).values(*_ROW_FIELDS)


def list_rows_evaluated(
    *, actor: Actor, year: int, unit_code: str, filters: ListFilters
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The same rows as the stored ones, evaluated now (a year with no stored snapshots)."""
    _ev, results = evaluate(year=year, unit_code=unit_code, actor=actor)
    rows = [r for r in results if r.in_headcount]  # as the stored rows (snapshot_store)
    clauses = sorted({(o.clause, o.title) for r in rows for o in r.outcomes})
    if filters.search:
        rows = [r for r in rows if filters.search in r.name]
    if filters.clause:
        rows = [r for r in rows if any(o.clause == filters.clause for o in r.outcomes)]
    if filters.risk in ("missed", "not_yet"):
        rows = [r for r in rows if any(o.status == filters.risk for o in r.outcomes)]
    elif filters.risk == "complete":
        rows = [r for r in rows if r.linkage.complete]
    elif filters.risk == "not_excellent":
        rows = [r for r in rows if not r.linkage.eligible_excellent]
    keys: dict[str, Callable[[PersonResult], tuple[Any, ...]]] = {
        "risk": lambda r: (-r.risk, r.unit_path, r.name, r.person_id),
        "name": lambda r: (r.name, r.person_id),
        "unit": lambda r: (r.unit_path, -r.risk, r.name, r.person_id),
    }
    rows.sort(key=keys.get(filters.sort, keys["risk"]))
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


def list_has_stored(*, actor: Actor, year: int, root_path: str) -> bool:
    """Whether the year has stored snapshots under `root_path` (else the page evaluates)."""
    return snapshot_list(actor=actor, year=year).filter(unit_path__startswith=root_path).exists()


def list_clauses(*, actor: Actor, year: int, root_path: str) -> list[tuple[str, str]]:
    """(clause, title) of every requirement of the rule sets the stored snapshots under
    `root_path` were computed with, for the clause filter."""
    labels = (
        snapshot_list(actor=actor, year=year)
        .filter(unit_path__startswith=root_path)
        .exclude(ruleset="")
        .values_list("ruleset", flat=True)
        .distinct()
    )
    out: dict[str, str] = {}
    for label in labels:
        name, _, version = label.partition("@")
        row = RuleSet.objects.filter(name=name, version=int(version or 0)).first()
        if row is not None:
            for rule in ruleset_spec(row).rules:
                out.setdefault(rule.clause, rule.title)
    return sorted(out.items())


def completion_table(
    *, actor: Actor, year: int, root: OrgNodeData, city_direct: bool = False
) -> list[dict[str, Any]]:
    """The units page's rows, lowest completion first: one per child node of `root` from the
    latest snapshots; under a city its 市直 bureaus folded into one row, or (`city_direct`)
    listed alone."""
    path = root.path
    rows = completion_by_unit(actor=actor, year=year, parent_path=path)
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
    return table


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


def people_behind(*, actor: Actor, year: int, root_path: str) -> dict[str, int]:
    """Counts of the stored rows with a missed outcome, and with open ones but none missed
    (risk = 100 × missed + 10 × open)."""
    qs = snapshot_list(actor=actor, year=year).filter(unit_path__startswith=root_path)
    return {
        "missed": qs.filter(risk__gte=100).count(),
        "not_yet": qs.filter(risk__gte=10, risk__lt=100).count(),
    }
