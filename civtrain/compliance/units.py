"""Unit outcomes: the unit-level rules (ZZ-T2) and, per unit, the completion rate and the
优秀 quota, cut when the unit missed its annual task (NAT-8, ZZ-M4, CQ-M3)."""

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from civtrain.classes.api import classes_held_by_subject
from civtrain.compliance.data import (
    ComplianceOutcome,
    OutcomeStatus,
    PersonResult,
    UnitSummary,
    UnitTarget,
)
from civtrain.compliance.evaluator import Evaluator
from civtrain.compliance.kinds import UnitCount
from civtrain.compliance.reads import OrgCache
from civtrain.organisations.data import OrgKind, OrgNodeData

if TYPE_CHECKING:
    from civtrain.compliance.engine import Engine


def unit_outcomes(
    ev: Evaluator, orgs: OrgCache, root_path: str = ""
) -> dict[int, list[ComplianceOutcome]]:
    """Unit-level rules (ZZ-T2) for every district and unit under root_path whose kind
    the rule names (§8 "Unit-level counts", issue #10 item 9): the number of distinct
    classes with hours in the rule's subject that the node *organised* (主办: itself or
    one of its departments) and held in the year, not classes its staff attended."""
    rules = [(label, k) for label, ks in ev.kinds.items() for k in ks if k.unit_level]
    if not rules:
        return {}
    orgs.load_all()
    subjects = sorted({k.subject for _, k in rules if isinstance(k, UnitCount)})
    held: dict[tuple[int, str], set[int]] = defaultdict(set)
    for class_id, organiser_id, subject in classes_held_by_subject(
        year=ev.year, as_of=ev.as_of, subjects=subjects
    ):
        held[(_unit_of(orgs, organiser_id).id, subject)].add(class_id)
    out: dict[int, list[ComplianceOutcome]] = {}
    for node in orgs.values():
        if root_path and not node.path.startswith(root_path):
            continue
        spec = ev.ruleset_for(node.path)
        if spec is None:
            continue
        role = _unit_role(orgs, node)
        roles = {role, "unit"} if role == "city_unit" else {role}
        for kind in ev.kinds[spec.label]:
            if isinstance(kind, UnitCount) and roles & kind.org_kinds:
                count = len(held.get((node.id, kind.subject), ()))
                out.setdefault(node.id, []).append(kind.evaluate_unit(count, ev.year, ev.as_of))
    return out


def unit_targets(engine: "Engine", org_id: int) -> list[UnitTarget]:
    """The unit-level rules (ZZ-T2) the set governing the node sets for it, by the same
    reading of the node's role as unit_outcomes."""
    orgs = engine.orgs.load_all()
    node = orgs.get(org_id)
    spec = engine.ruleset_for(node.path) if node else None
    if node is None or spec is None:
        return []
    role = _unit_role(orgs, node)
    roles = {role, "unit"} if role == "city_unit" else {role}
    return [
        UnitTarget(k.rule.clause, k.rule.title, k.subject, k.min_count)
        for k in engine.evaluator.kinds[spec.label]
        if isinstance(k, UnitCount) and roles & k.org_kinds
    ]


def _unit_role(orgs: dict[int, OrgNodeData], node: OrgNodeData) -> str:
    """How ZZ-T2 names a node: `district` (各县（市）区), `city_unit` (市直单位: a unit
    directly under a city), `unit` (any unit), or its kind."""
    if node.kind == OrgKind.UNIT:
        parent = orgs.get(node.parent_id) if node.parent_id is not None else None
        if parent is not None and parent.kind == OrgKind.CITY:
            return "city_unit"
        return "unit"
    return node.kind.value


def unit_summaries(
    engine: "Engine", results: Iterable[PersonResult], root_path: str = ""
) -> list[UnitSummary]:
    """Per unit (nearest ancestor-or-self of kind unit): completion rate and the 优秀 quota,
    cut when the unit missed its annual task (NAT-8, ZZ-M4, CQ-M3)."""
    heads: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        if not r.in_headcount:
            continue  # retired / left: not part of the unit's headcount
        unit = _unit_of(engine.orgs, r.unit_id)
        heads[unit.id][0] += 1
        heads[unit.id][1] += int(r.linkage.complete)
    unit_rules = unit_outcomes(engine.evaluator, engine.orgs, root_path)
    out = []
    for unit_id in sorted(set(heads) | set(unit_rules)):
        node = engine.orgs[unit_id]
        if node.kind != OrgKind.UNIT and unit_id not in heads and unit_id not in unit_rules:
            continue  # districts and cities are listed for their own unit rules (ZZ-T2)
        spec = engine.ruleset_for(node.path)
        a = spec.assessment if spec else {}
        headcount, complete = heads.get(unit_id, [0, 0])
        rate = complete / headcount if headcount else 1.0
        reasons = []
        min_rate = float(a.get("unit_task_min_completion", 1.0))
        if rate + 1e-9 < min_rate:
            reasons.append(f"培训完成率 {rate:.1%} 低于 {min_rate:.0%}")
        ruled = unit_rules.get(unit_id, [])
        reasons += [o.explanation for o in ruled if o.status == OutcomeStatus.MISSED]
        missed = bool(reasons)
        base = float(a.get("excellent_quota_pct", 20))
        cut = float(a.get("quota_cut_pct", 0)) if missed else 0.0
        pct = max(0.0, base - cut)
        out.append(
            UnitSummary(
                unit_id=unit_id,
                unit_code=node.code,
                unit_name=node.name,
                year=engine.year,
                headcount=headcount,
                complete=complete,
                completion_rate=rate,
                unit_outcomes=tuple(ruled),
                task_missed=missed,
                quota_pct=pct,
                quota_max_pct=float(a.get("excellent_quota_max_pct", base)),
                quota_cut_pct=cut,
                # Rounded down: a quota may not exceed its share (NAT-8 "about 20 %").
                excellent_quota=int(headcount * pct / 100 + 1e-9),
                reasons=tuple(reasons),
            )
        )
    return out


def _unit_of(orgs: dict[int, OrgNodeData], node_id: int) -> OrgNodeData:
    """Nearest ancestor-or-self of kind unit (a department's people belong to its unit)."""
    node = orgs[node_id]
    while node.kind == OrgKind.DEPARTMENT and node.parent_id is not None:
        node = orgs[node.parent_id]
    return node
