"""Reads of the compliance app, scoped by the actor (ARCHITECTURE §7)."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, IntegerField, Q, QuerySet, Sum
from django.db.models.functions import Cast

from civtrain.accounts.api import PERSONNEL_ROLES, Role, actor_scope
from civtrain.compliance.data import FAILED_OFF_THE_JOB, PersonResult, UnitSummary
from civtrain.compliance.engine import Binding, Evaluator, unit_summaries
from civtrain.compliance.models import ComplianceSnapshot, RuleSet, RuleSetBinding
from civtrain.compliance.ruleset import RuleSetSpec, parse_document
from civtrain.core import clock
from civtrain.core.errors import NotFound
from civtrain.credits.api import entry_rows
from civtrain.organisations.api import org_by_codes, subtree_q
from civtrain.people.api import person_scope_q

_spec_cache: dict[tuple[str, int, str], RuleSetSpec] = {}


def ruleset_spec(row: RuleSet) -> RuleSetSpec:
    key = (row.name, row.version, row.sha256)
    if key not in _spec_cache:
        _spec_cache[key] = parse_document(row.document)
    return _spec_cache[key]


def ruleset_list() -> QuerySet[RuleSet]:
    return RuleSet.objects.all()


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


def evaluator_for(year: int, as_of: dt.date | None = None) -> Evaluator:
    return Evaluator(year=year, as_of=as_of or clock.today(), bindings=bindings_all())


def default_as_of(year: int) -> dt.date:
    """Today for the running year, the year's last day for a past one."""
    return min(clock.today(), dt.date(year, 12, 31))


def evaluate(
    *,
    year: int,
    as_of: dt.date | None = None,
    unit_code: str | None = None,
    person_ids: list[int] | None = None,
    actor: Any = None,
) -> tuple[Evaluator, Iterator[PersonResult]]:
    """Evaluate everyone (actor None: operators' CLI), a unit subtree and/or some people.
    With an actor, only people the actor may see are evaluated."""
    ev = evaluator_for(year, as_of or default_as_of(year))
    q = Q()
    if actor is not None:
        q &= person_scope_q(actor)
    if unit_code:
        node = org_by_codes([unit_code]).get(unit_code)
        if node is None:
            raise NotFound(f"组织机构编码 {unit_code} 不存在")
        q &= Q(unit__path__startswith=node.path)
    if person_ids is not None:
        q &= Q(id__in=person_ids)
    id_range = (min(person_ids), max(person_ids)) if person_ids else None
    if person_ids is not None and not person_ids:
        return ev, iter(())
    scoped = actor is not None or unit_code or person_ids is not None
    stream = ev.people(q if scoped else None, id_range=id_range)
    return ev, _with_failed_assessments(stream, ev, person_ids)


def failed_off_the_job(
    *, year: int, as_of: dt.date, person_ids: list[int] | None = None
) -> dict[int, list[str]]:
    """Titles of the failed off-the-job assessments of the year (up to as_of), by person
    (CQ-M3, ZZ-M4): ledger entries with result failed in mode off_the_job, not reversed
    (the ledger entry of a class's final result says how the assessment went).
    Failures are few, so one query serves a whole population."""
    qs = (
        entry_rows()
        .filter(
            year=year,
            date__lte=as_of,
            result="failed",
            mode="off_the_job",
            reversed_by__isnull=True,
        )
        .exclude(source_type="reversal")
    )  # §8: a reversed entry and its reversal never count
    if person_ids is not None:
        qs = qs.filter(person_id__in=person_ids)
    out: dict[int, list[str]] = {}
    for pid, title in qs.order_by("date", "id").values_list("person_id", "title"):
        out.setdefault(pid, []).append(title)
    return out


def _with_failed_assessments(
    stream: Iterator[PersonResult], ev: Evaluator, person_ids: list[int] | None
) -> Iterator[PersonResult]:
    """CQ-M3, ZZ-M4 ("培训考核不合格的，不得评为优秀"): a failed off-the-job assessment in the
    year makes a person governed by a rule set not eligible for 优秀, with the reason."""
    failed = failed_off_the_job(year=ev.year, as_of=ev.as_of, person_ids=person_ids)
    if not failed:
        yield from stream
        return
    for r in stream:
        titles = failed.get(r.person_id)
        if titles and r.ruleset:
            reasons = tuple(FAILED_OFF_THE_JOB.format(title=t) for t in titles)
            r = r._replace(
                linkage=r.linkage._replace(
                    eligible_excellent=False, other_reasons=r.linkage.other_reasons + reasons
                )
            )
        yield r


def unit_summary_list(
    *, actor: Any, year: int, as_of: dt.date | None = None, unit_code: str | None = None
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


def snapshot_list(*, actor: Any, year: int) -> QuerySet[ComplianceSnapshot]:
    """Latest snapshots of the year for people the actor may see."""
    scope = actor_scope(actor)
    q = subtree_q(scope.paths_for(*PERSONNEL_ROLES), "unit_path")
    if scope.has(Role.LEARNER) and scope.user_id is not None:
        q |= Q(person__user_id=scope.user_id)
    return ComplianceSnapshot.objects.filter(q, year=year, is_latest=True)


def snapshot_history(*, actor: Any, person_id: int, year: int) -> QuerySet[ComplianceSnapshot]:
    """Every snapshot of a person and year, newest first ("why, on 31 Dec 2018?")."""
    scope = actor_scope(actor)
    q = subtree_q(scope.paths_for(*PERSONNEL_ROLES), "unit_path")
    if scope.has(Role.LEARNER) and scope.user_id is not None:
        q |= Q(person__user_id=scope.user_id)
    return ComplianceSnapshot.objects.filter(q, person_id=person_id, year=year).order_by(
        "-as_of", "-computed_at"
    )


def completion_by_unit(*, actor: Any, year: int, parent_path: str) -> list[dict[str, Any]]:
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
