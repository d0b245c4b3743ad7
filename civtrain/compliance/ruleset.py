"""Reading rule-set files: JSON Schema validation, then typed, frozen specs for the engine."""

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from civtrain.catalogue.api import subjects_unknown
from civtrain.catalogue.data import DeliveryMode, TrainingType
from civtrain.compliance.errors import RuleSetInvalid
from civtrain.compliance.study_credits import (
    RESULT_NAMES,
    CreditRate,
    CreditSystem,
    section_problems,
)
from civtrain.people.data import GENERAL_RANKS, RANKS, LeadershipLevel

SCHEMA_PATH = Path(__file__).with_name("ruleset.schema.json")
RULESETS_DIR = Path(__file__).with_name("rulesets")
FAR_FUTURE = dt.date(9999, 12, 31)
# CQ-T8 / issue #10 item 11: 专题 and 对口 are kinds of in-service training, so a rule (or a
# credit rate) that names in-service training counts them too.
IN_SERVICE_KINDS = {"in_service": frozenset({"thematic", "paired"})}


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Audience:
    everyone: bool = True
    flags: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    levels: frozenset[str] = frozenset()
    tiers: frozenset[str] = frozenset()
    leader: bool | None = None
    rank_from: int | None = None  # equivalence positions, 1 = highest (NAT-7)
    rank_to: int | None = None
    any_of: tuple["Audience", ...] = ()


@dataclass(frozen=True)
class RuleSpec:
    id: str
    kind: str
    clause: str
    title: str
    params: dict[str, Any]
    audience: Audience
    valid_from: dt.date
    valid_to: dt.date
    consequences: tuple[str, ...]


@dataclass(frozen=True)
class FailedTraining:
    """What a failed or withdrawn entry entails under a set (§8 "Failed training"; ZZ-M4:
    any failed completion exam or assessment → not excellent and grade deferred; CQ-M3:
    failed off-the-job training → not excellent)."""

    clause: str = ""
    modes: frozenset[str] = frozenset()  # empty: any mode
    consequences: tuple[str, ...] = ()
    counts_toward_totals: bool = False  # §8: zero credited hours unless the set says so
    reason: str = "培训考核不合格：{title}"

    def applies_to(self, mode: str) -> bool:
        return not self.modes or mode in self.modes


@dataclass(frozen=True)
class RuleSetSpec:
    name: str
    version: int
    title: str
    valid_from: dt.date
    valid_to: dt.date
    minutes_per_hour: int
    hours_per_day: float
    online_crediting: dict[str, Any]
    rank_equivalence: dict[str, int]
    assessment: dict[str, Any]
    rules: tuple[RuleSpec, ...]
    document: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)
    failed_training: FailedTraining = FailedTraining()
    join_during_year: str = "whole"  # §8 "Who owes a year": or "pro_rated"
    credits: CreditSystem | None = None  # ZZ-M1 学分制; None: the set has no credit system
    local_choices: dict[str, str] = field(compare=False, default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def rank_position(self, rank: str) -> int | None:
        """The 综合管理类 equivalent of `rank` (NAT-7), the set's table first."""
        if rank in self.rank_equivalence:
            return self.rank_equivalence[rank]
        found = RANKS.get(rank)
        return found.equivalent if found else None


def expand_types(types: Any) -> frozenset[str]:
    """The training types a rule's `types` stand for (CQ-T8: in-service includes 专题, 对口)."""
    out = set(types)
    for named, included in IN_SERVICE_KINDS.items():
        if named in out:
            out |= included
    return frozenset(out)


def _date(text: str | None, default: dt.date) -> dt.date:
    return dt.date.fromisoformat(text) if text else default


def _where(path: Any) -> str:
    parts = [str(p) for p in path]
    return "/".join(parts) or "（根）"


def validate_document(doc: Any) -> None:
    """Raise RuleSetInvalid listing every problem, each with where it is ("rules/2/params")."""
    validator = jsonschema.Draft202012Validator(schema())
    problems = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    messages = [f"{_where(e.absolute_path)}：{e.message}" for e in problems]
    if not messages:
        messages = _semantic_problems(doc)
    if messages:
        raise RuleSetInvalid(
            "规则集文件不符合规范：" + "；".join(messages[:5]), {"problems": messages}
        )


def _semantic_problems(doc: dict[str, Any]) -> list[str]:
    """What the schema cannot see: codes must exist in the catalogue and the registry."""
    problems: list[str] = []
    types = {t.value for t in TrainingType}
    modes = {m.value for m in DeliveryMode}
    levels = {lv.value for lv in LeadershipLevel}
    seen: set[str] = set()
    subjects: list[tuple[str, str]] = []  # (where, subject code)
    for i, rule in enumerate(doc["rules"]):
        where = f"rules/{i}（{rule['id']}）"
        if rule["id"] in seen:
            problems.append(f"{where}：规则编号重复")
        seen.add(rule["id"])
        params = rule["params"]
        problems += [
            f"{where}：未知培训类型“{t}”，可用：{'、'.join(sorted(types))}"
            for t in params.get("types", [])
            if t not in types
        ]
        problems += [
            f"{where}：未知培训方式“{m}”，可用：{'、'.join(sorted(modes))}"
            for m in params.get("modes", [])
            if m not in modes
        ]
        subjects += [(where, params["subject"])] if "subject" in params else []
        subjects += [(where, s["subject"]) for s in params.get("subrequirements", [])]
        problems += [
            f"{where}：未知职务层次“{lv}”" for lv in params.get("to_levels", []) if lv not in levels
        ]
        problems += _audience_problems(where, rule.get("audience", {}), doc)
    # The catalogue's table is the one subject list (issue 10 item 10): one query.
    unknown = set(subjects_unknown(code for _, code in subjects))
    problems += [f"{w}：未知科目“{c}”（不在培训科目目录中）" for w, c in subjects if c in unknown]
    for rank in doc.get("rank_equivalence", {}):
        if rank not in RANKS:
            problems.append(f"rank_equivalence：未知职级“{rank}”")
    failed = doc.get("assessment", {}).get("failed_training", {})
    problems += [
        f"assessment/failed_training：未知培训方式“{m}”"
        for m in failed.get("modes", [])
        if m not in modes
    ]
    if "credits" in doc:  # ZZ-M1
        problems += section_problems(doc["credits"], types, modes)
    else:
        problems += [
            f"rules/{i}（{rule['id']}）：学分要求（credit_total）需要本文件的 credits 部分定义学分"
            for i, rule in enumerate(doc["rules"])
            if rule["kind"] == "credit_total"
        ]
    problems += [
        f"local_choices：“{where}”不是本文件中的参数或后果"
        for where in doc.get("local_choices", {})
        if not _resolves(doc, where)
    ]
    eff = doc["effective"]
    if "to" in eff and eff["to"] < eff["from"]:
        problems.append("effective：结束日期早于开始日期")
    return problems


def _resolves(doc: dict[str, Any], where: str) -> bool:
    """Whether a dotted place ("assessment.quota_cut_pct", "rules.<id>.params.min_days")
    names something present in the document."""
    node: Any = doc
    parts = where.split(".")
    i = 0
    while i < len(parts):
        part = parts[i]
        if isinstance(node, list):  # rules are named by id
            node = next((r for r in node if isinstance(r, dict) and r.get("id") == part), None)
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
        if node is None:
            return False
        i += 1
    return True


def _audience_problems(where: str, aud: dict[str, Any], doc: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for sub in aud.get("any_of", []):
        problems += _audience_problems(where, sub, doc)
    rank = aud.get("rank", {})
    for end in ("from", "to"):
        name = rank.get(end)
        if name is not None and name not in GENERAL_RANKS:
            problems.append(f"{where}：职级范围须用综合管理类职级名称，“{name}”不是")
    return problems


def _audience(aud: dict[str, Any]) -> Audience:
    if not aud or aud.get("all"):
        return Audience()
    rank = aud.get("rank", {})
    return Audience(
        everyone=False,
        flags=frozenset(aud.get("flags", ())),
        categories=frozenset(aud.get("categories", ())),
        levels=frozenset(aud.get("levels", ())),
        tiers=frozenset(aud.get("tiers", ())),
        leader=aud.get("leader"),
        rank_from=GENERAL_RANKS.index(rank["from"]) + 1 if "from" in rank else None,
        rank_to=GENERAL_RANKS.index(rank["to"]) + 1 if "to" in rank else None,
        any_of=tuple(_audience(a) for a in aud.get("any_of", ())),
    )


def parse_document(doc: Any) -> RuleSetSpec:
    validate_document(doc)
    set_from = _date(doc["effective"]["from"], dt.date.min)
    set_to = _date(doc["effective"].get("to"), FAR_FUTURE)
    rules = []
    for r in doc["rules"]:
        period = r.get("period", {})
        rules.append(
            RuleSpec(
                id=r["id"],
                kind=r["kind"],
                clause=r["clause"],
                title=r["title"],
                params=dict(r["params"]),
                audience=_audience(r.get("audience", {})),
                valid_from=max(set_from, _date(period.get("from"), set_from)),
                valid_to=min(set_to, _date(period.get("to"), set_to)),
                consequences=tuple(r.get("consequences", ())),
            )
        )
    return RuleSetSpec(
        name=doc["name"],
        version=doc["version"],
        title=doc["title"],
        valid_from=set_from,
        valid_to=set_to,
        minutes_per_hour=doc["conversions"]["minutes_per_hour"],
        hours_per_day=float(doc["conversions"]["hours_per_day"]),
        online_crediting=dict(doc.get("online_crediting", {"policy": "full_progress"})),
        rank_equivalence=dict(doc.get("rank_equivalence", {})),
        assessment=dict(doc.get("assessment", {"excellent_quota_pct": 20})),
        rules=tuple(rules),
        document=doc,
        failed_training=_failed_training(doc.get("assessment", {}).get("failed_training")),
        local_choices=dict(doc.get("local_choices", {})),
        join_during_year=doc.get("join_during_year", "whole"),
        credits=_credit_system(doc.get("credits")),
    )


def _credit_system(section: dict[str, Any] | None) -> CreditSystem | None:
    """ZZ-M1: the `credits` section as the engine reads it (first matching rate wins)."""
    if not section:
        return None
    return CreditSystem(
        clause=section["clause"],
        rates=tuple(
            CreditRate(
                types=expand_types(r.get("types", ())),
                modes=frozenset(r.get("modes", ())),
                results=frozenset(RESULT_NAMES[x] for x in r.get("results", ())),
                per_hour=float(r.get("per_hour", 0)),
                per_day=float(r.get("per_day", 0)),
                per_entry=float(r.get("per_entry", 0)),
            )
            for r in section["rates"]
        ),
    )


def _failed_training(ft: dict[str, Any] | None) -> FailedTraining:
    if not ft:
        return FailedTraining()
    return FailedTraining(
        clause=ft.get("clause", ""),
        modes=frozenset(ft.get("modes", ())),
        consequences=tuple(ft["consequences"]),
        counts_toward_totals=bool(ft["counts_toward_totals"]),
        reason=ft.get("reason", FailedTraining.reason),
    )


def read_file(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RuleSetInvalid(f"规则集文件 {path.name} 不是有效的 YAML：{exc}") from exc
    if not isinstance(doc, dict):
        raise RuleSetInvalid(f"规则集文件 {path.name} 的顶层应为映射（键: 值）")
    # YAML reads unquoted dates as dates; the schema speaks ISO strings.
    return json.loads(json.dumps(doc, default=str))


def shipped_files() -> dict[str, Path]:
    return {p.stem: p for p in sorted(RULESETS_DIR.glob("*.yaml"))}
