"""The pure evaluator: one year at one as_of date under the given bindings.

It plans what to read (the measures, years, trigger types and lookback the loaded rules
need; reads.py reads them) and runs each person's rules over what was read. It touches no
database: org nodes come from the mapping its caller passes (the engine passes a
read-through cache, reads.OrgCache).

Definitions (documented in ADR 0009):
- the rule set of a person is the one governing the unit they belong to on the reference
  date (as_of, or the year's 31 Dec if earlier), as `bindings.Resolver` decides it: the
  nearest bound ancestor whose binding and set periods cover the date;
- the unit they belong to on that date is `bindings.unit_at`: the unit of their last
  career event carrying a unit (hired, transfer) on or before it; before the first, the
  origin that transfer recorded; else their registry unit. A person transferred between
  cities mid-year is therefore evaluated under the new city's set for that year, with every
  entry of the year counting wherever it was earned;
- a triggered requirement (初任, 任职) is owed under the set that governed the person's
  unit on its event date, with that set's terms, until its deadline — also after the
  person moved to a unit under another set or the binding ended (issue #10 item 5);
- audiences are tested with the person's attributes on the reference date (rank, level,
  category, flags, unit: `audience.attributes_on`), and NAT-4's window is owed from the
  day the person entered the audience (`audience.audience_entered`, issue #10 item 4);
- after retirement (or leaving the service) every rule is not_applicable.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import Any

from civtrain.compliance.audience import attributes_on
from civtrain.compliance.bindings import Binding, Resolver, unit_at
from civtrain.compliance.data import ComplianceOutcome, PersonResult
from civtrain.compliance.kinds import Facts, Kind, MeasureKey, SubjectKey, add_months, build_kinds
from civtrain.compliance.linkage import linkage_of
from civtrain.compliance.ruleset import RuleSetSpec
from civtrain.compliance.study_credits import credits_by_year, summary
from civtrain.organisations.data import OrgNodeData

# The person attributes an audience can name (kinds.audience_matches); SQLite's 0/1 flags
# hash and compare like PostgreSQL's booleans.
_AUDIENCE_FIELDS = itemgetter(
    "category", "rank", "leadership_level", "grassroots", "basic_post", "law_enforcement"
)


class Evaluator:
    """Evaluates one year at one as_of date under the given bindings, with the org nodes
    of `orgs`."""

    def __init__(
        self,
        *,
        year: int,
        as_of: dt.date,
        bindings: Iterable[Binding],
        orgs: Mapping[int, OrgNodeData],
    ) -> None:
        self.year = year
        self.as_of = as_of
        self.ref_date = min(as_of, dt.date(year, 12, 31))
        bindings = list(bindings)
        # issue #9 item 1: the one resolver (bindings.py) decides which set governs a unit.
        self.resolver = Resolver(bindings)
        # Kinds of every set that can govern somewhere on the reference date.
        self.kinds: dict[str, list[Kind]] = {}
        self.specs: dict[str, RuleSetSpec] = {}
        for b in bindings:
            if b.in_force(self.ref_date):
                self.specs[b.spec.label] = b.spec
                self.kinds.setdefault(b.spec.label, build_kinds(b.spec))
        # §8 "Which set governs", issue #10 item 5: a triggered requirement stays owed under
        # the set that governed on its event date, even once that binding has ended — the
        # triggered kinds of every set bound from before the reference date.
        self.triggered: dict[str, list[Kind]] = {
            label: [k for k in ks if k.needs_events] for label, ks in self.kinds.items()
        }
        for b in bindings:
            if b.spec.label not in self.triggered and b.valid_from <= self.ref_date:
                kinds = [k for k in build_kinds(b.spec) if k.needs_events]
                self.triggered[b.spec.label] = kinds
        all_kinds = [k for ks in self.kinds.values() for k in ks if not k.unit_level]
        all_kinds += [
            k for label, ks in self.triggered.items() if label not in self.kinds for k in ks
        ]
        self.measures: list[MeasureKey] = sorted(
            {m for k in all_kinds for m in k.measures()}, key=repr
        )
        self.subject_measures: list[SubjectKey] = sorted(
            {m for k in all_kinds for m in k.subject_measures()}, key=repr
        )
        spans = [k.ledger_years(year) for k in all_kinds] or [(year, year)]
        self.years = (min(s[0] for s in spans), max(s[1] for s in spans))
        # The (year, measure) pairs the kinds read: one pivoted SQL column (pair) each, so a
        # person is one row (issue 4: aggregate only what the rules need).
        self.total_cols: list[tuple[int, MeasureKey]] = sorted(
            {
                (y, m)
                for k in all_kinds
                for m in k.measures()
                for y in range(k.ledger_years(year)[0], k.ledger_years(year)[1] + 1)
            },
            key=repr,
        )
        self.subject_cols: list[tuple[int, SubjectKey]] = sorted(
            {
                (y, m)
                for k in all_kinds
                for m in k.subject_measures()
                for y in range(k.ledger_years(year)[0], k.ledger_years(year)[1] + 1)
            },
            key=repr,
        )
        self.trigger_types = frozenset(t for k in all_kinds for t in k.trigger_types())
        self.lookback_months = max(
            [
                int(k.params.get("window_months", 12)) + int(k.params.get("before_months", 0))
                for k in all_kinds
                if k.trigger_types()
            ]
            or [0]
        )
        self.needs_exams = any(k.needs_exams for k in all_kinds)
        # Signed counts (reversal = −1) only when a kind counts records rather than hours.
        self.counted = any(k.counts_records for k in all_kinds)
        # ZZ-M1: the years whose study credits are read (the year for the summary shown
        # beside the hours, and a per-period credit minimum's earlier years), or None when
        # no set in force has a credit system (nothing is read).
        self.credit_years: tuple[int, int] | None = None
        if any(s.credits for s in self.specs.values()):
            first = min([k.ledger_years(year)[0] for k in all_kinds if k.needs_credits] + [year])
            self.credit_years = (first, year)
        self.orgs = orgs
        self._applicable_cache: dict[tuple[Any, ...], tuple[list[Kind], list[Kind]]] = {}
        self._units: dict[int, tuple[OrgNodeData, RuleSetSpec | None, str]] = {}

    # -- rule set of a unit ----------------------------------------------------------------
    def ruleset_for(self, unit_path: str) -> RuleSetSpec | None:
        """The set governing the unit on the reference date (bindings.Resolver)."""
        found = self.resolver.governing(unit_path, self.ref_date)
        return found.spec if found else None

    # -- evaluation ------------------------------------------------------------------------
    def evaluate_chunk(self, data: tuple[Any, ...]) -> list[PersonResult]:
        people, events, totals, subjects, exams, dated, credit_rows = data
        results = []
        empty: dict[Any, Any] = {}
        no_events: list[dict[str, Any]] = []
        no_list: list[Any] = []
        # A reporting date before `since` opens nothing reported in the year (its deadline
        # ends before the year starts), so a person with only such a date needs no events.
        since = self.since()
        evaluate = self.evaluate_person
        for p in people:
            pid = p["id"]
            evs = events.get(pid, no_events)
            reported = joined = p["reporting_date"]
            for e in evs:  # §8 "Who owes a year": from the reporting or first hiring date
                if e["kind"] == "hired" and (joined is None or e["date"] < joined):
                    joined = e["date"]
            facts = Facts(
                p,
                totals.get(pid, empty),
                subjects.get(pid, empty),
                self._event_tuples(p, evs) if evs or (reported and reported >= since) else [],
                dated.get(pid, no_list),
                exams.get(pid, no_list),
                joined,
                credit_rows.get(pid, no_list),
                history=evs,
            )
            results.append(evaluate(facts, evs))
        return results

    def since(self) -> dt.date:
        """The earliest date a trigger can open a requirement of the year from."""
        return add_months(dt.date(self.year, 1, 1), -self.lookback_months)

    @staticmethod
    def _event_tuples(
        p: dict[str, Any], events: list[dict[str, Any]]
    ) -> list[tuple[str, dt.date, str]]:
        out = [(e["kind"], e["date"], e["leadership_level"] or "") for e in events]
        # NAT-1 counts from the reporting date (报到); a person without a recorded hiring
        # event is taken to be hired on it.
        if p["reporting_date"] and not any(k == "hired" for k, _, _ in out):
            out.append(("hired", p["reporting_date"], ""))
        return out

    def evaluate_person(self, facts: Facts, events: list[dict[str, Any]]) -> PersonResult:
        p = facts.person
        # §8 "Who is in an audience" (issue #10 item 4): rank, level, category, flags and
        # unit on the reference date, from the career events.
        who = attributes_on(p, events, self.ref_date) if events else p
        unit_id = who["unit_id"]
        found = self._units.get(unit_id)
        if found is None:
            found = self._units[unit_id] = self._unit_info(unit_id)
        unit, spec, label = found
        outcomes: list[ComplianceOutcome] = []
        credits = None
        if spec is not None and spec.credits is not None:  # ZZ-M1 学分制
            facts.credits = credits_by_year(spec.credits, facts.credit_rows, spec.hours_per_day)
            credits = summary(spec.credits, facts.credits, self.year)
        year = self.year
        gone = self._gone(p, events) if events or p["status"] != "active" else ""
        joined = facts.joined
        if joined is not None and joined.year > year:
            # §8 "Who owes a year": nothing for a year that ends before joining
            gone = f"于 {joined.isoformat()} 报到（入职），{year} 年不适用"
        incurred = self._incurred(p, events, facts.events) if facts.events and not gone else {}
        if spec is not None:
            every, without_events = self._applicable(spec, who)
            if gone:
                outcomes = [kind.not_applicable(year, gone) for kind in every]
            else:
                as_of = self.as_of
                facts.events = incurred.pop(label, [])
                for kind in every if facts.events else without_events:
                    outcomes.extend(kind.evaluate(facts, year, as_of))
        for earlier, triggers in incurred.items():
            outcomes.extend(self._earlier_obligations(earlier, facts, triggers, who))
        return PersonResult(
            p["id"],
            p["name"],
            p["id_number_masked"],
            unit.id,
            unit.code,
            unit.path,
            self.year,
            self.as_of,
            label,
            tuple(outcomes),
            linkage_of(outcomes, self.year),
            credits,
        )

    def _incurred(
        self,
        p: dict[str, Any],
        events: list[dict[str, Any]],
        triggers: list[tuple[str, dt.date, str]],
    ) -> dict[str, list[tuple[str, dt.date, str]]]:
        """The trigger events that can open a requirement of the year, by the label of the
        set that governed the person's unit on their date (§8 "Which set governs": the
        requirement is incurred under it; issue #10 item 5). Events under no set owe
        nothing; those before `since` are closed before the year."""
        since = self.since()
        out: dict[str, list[tuple[str, dt.date, str]]] = {}
        for t in triggers:
            day = t[1]
            if day < since:
                continue
            node = self.orgs[unit_at(p["unit_id"], events, day)]
            binding = self.resolver.governing(node.path, day)
            if binding is not None:
                out.setdefault(binding.spec.label, []).append(t)
        return out

    def _earlier_obligations(
        self,
        label: str,
        facts: Facts,
        triggers: list[tuple[str, dt.date, str]],
        who: dict[str, Any],
    ) -> list[ComplianceOutcome]:
        """Triggered requirements incurred under a set that no longer governs the person
        (moved to a unit under another set, or the binding ended): still owed, with that
        set's terms, until their deadline, and `missed` after it (§8, issue #10 item 5)."""
        facts.events = triggers
        note = f"（发生时适用 {label}）"
        return [
            o._replace(title=o.title + note)
            for kind in self.triggered.get(label, ())
            if kind.applies(who, self.year)
            for o in kind.evaluate(facts, self.year, self.as_of)
        ]

    def _unit_info(self, unit_id: int) -> tuple[OrgNodeData, RuleSetSpec | None, str]:
        """A unit, the rule set governing it on the reference date, and its label."""
        unit = self.orgs[unit_id]
        spec = self.ruleset_for(unit.path)
        return unit, spec, spec.label if spec else ""

    def _applicable(self, spec: RuleSetSpec, p: dict[str, Any]) -> tuple[list[Kind], list[Kind]]:
        """The person-level kinds of `spec` whose audience includes p, and those of them
        that need no career event, cached by the person attributes an audience can name (a
        few hundred combinations in a city)."""
        key = (spec.label, *_AUDIENCE_FIELDS(p))
        found = self._applicable_cache.get(key)
        if found is None:
            every = [
                k for k in self.kinds[spec.label] if not k.unit_level and k.applies(p, self.year)
            ]
            found = self._applicable_cache[key] = (every, [k for k in every if not k.needs_events])
        return found

    def _gone(self, p: dict[str, Any], events: list[dict[str, Any]]) -> str:
        """Why rules no longer apply (retired or left before/in the year), or ''."""
        retirements = [e["date"] for e in events if e["kind"] == "retirement"]
        for date in retirements:
            if date <= self.as_of and date.year <= self.year:
                return f"已于 {date.isoformat()} 退休，不再适用"
        if retirements:
            return ""  # retires later: the rules bind until then
        if p["status"] == "retired":
            return "已退休，不再适用"
        if p["status"] == "transferred_out":
            return "已调出公务员队伍，不再适用"
        return ""
