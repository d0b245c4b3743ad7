"""The compliance engine: SQL aggregates per person and year, rules over them in Python.

One evaluation = one year and one `as_of` date over a population (everyone, a subtree, a
list of people). People are walked in chunks of id ranges; for each chunk a handful of
GROUP BY queries (totals per year with one conditional SUM per measure the loaded rules
need, subject hours likewise, exams, and the dated entries of people with open triggers)
— never a query per person — and then each person's rules run over those aggregates.

Definitions (documented in ADR 0009):
- the rule set of a person is the one governing the unit they belong to on the reference
  date (as_of, or the year's 31 Dec if earlier), as `bindings.Resolver` decides it: the
  nearest bound ancestor whose binding and set periods cover the date;
- the unit they belong to on that date is `bindings.unit_at`: the unit of their last
  career event carrying a unit (hired, transfer) on or before it, else their registry
  unit. A person transferred between cities mid-year is therefore evaluated under the new
  city's set for that year, with every entry of the year counting wherever it was earned;
- after retirement (or leaving the service) every rule is not_applicable.
"""

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from operator import itemgetter
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, Case, F, FloatField, Func, Q, Sum, Value, When
from django.db.models.functions import Cast

from civtrain.classes.api import classes_held_by_subject
from civtrain.compliance.bindings import Binding, Resolver, unit_at
from civtrain.compliance.data import (
    AssessmentLinkage,
    ComplianceOutcome,
    Consequence,
    OutcomeStatus,
    PersonResult,
    UnitSummary,
)
from civtrain.compliance.kinds import (
    DatedEntry,
    Facts,
    Kind,
    MeasureKey,
    SubjectKey,
    UnitCount,
    build_kinds,
)
from civtrain.compliance.ruleset import RuleSetSpec
from civtrain.credits.api import entry_rows, subject_rows
from civtrain.organisations.api import OrgKind, OrgNodeData, org_by_codes, org_data_many
from civtrain.people.api import career_event_rows, person_rows

PERSON_FIELDS = (
    "id",
    "name",
    "id_number_masked",
    "unit_id",
    "category",
    "rank",
    "leadership_level",
    "grassroots",
    "basic_post",
    "law_enforcement",
    "reporting_date",
    "status",
)
EVENT_KINDS = ("hired", "promoted", "transfer", "retirement")
REVERSAL = "reversal"
FAILED = "failed"  # credits.data.Result.FAILED: a failed assessment or a withdrawal (退学)
MISSED, NOT_YET = OutcomeStatus.MISSED.value, OutcomeStatus.NOT_YET.value
NO_EXCELLENT = Consequence.NO_EXCELLENT.value
GRADE_DEFERRED = Consequence.GRADE_DEFERRED.value
NO_APPOINTMENT = Consequence.NO_APPOINTMENT_GRADING.value
CHUNK = 20_000
READERS = 2  # threads reading chunks ahead on PostgreSQL, one database backend each
# The person attributes an audience can name (kinds.audience_matches); SQLite's 0/1 flags
# hash and compare like PostgreSQL's booleans.
_AUDIENCE_FIELDS = itemgetter(
    "category", "rank", "leadership_level", "grassroots", "basic_post", "law_enforcement"
)


class OrgCache(dict[int, OrgNodeData]):
    """Org nodes by id, read when first needed: one person needs one node, a full run the
    whole tree (load_all)."""

    _complete = False

    def __missing__(self, node_id: int) -> OrgNodeData:
        found = org_data_many([node_id])
        if node_id not in found:
            raise KeyError(node_id)
        self[node_id] = found[node_id]
        return found[node_id]

    def load_all(self) -> "OrgCache":
        if not self._complete:
            self.update({n.id: n for n in org_by_codes().values()})
            self._complete = True
        return self


class Evaluator:
    """Evaluates one year at one as_of date under the given bindings."""

    def __init__(self, *, year: int, as_of: dt.date, bindings: Iterable[Binding]) -> None:
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
        all_kinds = [k for ks in self.kinds.values() for k in ks if not k.unit_level]
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
        self.orgs = OrgCache()
        self._applicable_cache: dict[tuple[Any, ...], tuple[list[Kind], list[Kind]]] = {}
        self._units: dict[int, tuple[OrgNodeData, RuleSetSpec | None, str]] = {}

    # -- rule set of a unit ----------------------------------------------------------------
    def ruleset_for(self, unit_path: str) -> RuleSetSpec | None:
        """The set governing the unit on the reference date (bindings.Resolver)."""
        found = self.resolver.governing(unit_path, self.ref_date)
        return found.spec if found else None

    # -- set-wise reads ----------------------------------------------------------------------
    def _totals_query(self, persons: Q) -> Any:
        """Per person: hours, days (and the signed count, when a kind counts records) of
        each (year, measure) in total_cols, as columns h{i}, d{i}[, n{i}]; None if no kind
        needs totals."""
        if not self.total_cols:
            return None
        # All the years any kind reads, not just this query's columns: a narrower year range
        # can lead the planner to the (year) index and a scan of the whole year's rows.
        years = self.years
        qs = entry_rows().filter(persons, year__range=years)
        if self.as_of < dt.date(years[1], 12, 31):
            qs = qs.filter(date__lte=self.as_of)
        signed = Case(When(Q(hours__lt=0) | Q(days__lt=0), then=Value(-1)), default=Value(1))
        aggs: dict[str, Any] = {}
        for i, (y, (types, modes, passed_only)) in enumerate(self.total_cols):
            f = Q(year=y)
            if types:
                f &= Q(training_type__in=sorted(types))
            if modes:
                f &= Q(mode__in=sorted(modes))
            if passed_only:  # §8 "Failed training": the set does not count failed hours
                f &= ~Q(result=FAILED)
            # §8 "Hours and days": the ledger stores both for every entry (it converts the
            # missing one when it is written, with the set's 学时-per-day from
            # compliance.api.hours_per_day_for), so plain sums suffice here.
            aggs[f"h{i}"] = Cast(Sum("hours", filter=f), FloatField())
            aggs[f"d{i}"] = Cast(Sum("days", filter=f), FloatField())
            if self.counted:
                aggs[f"n{i}"] = Cast(Sum(signed, filter=f), FloatField())
        return qs.order_by().values("person_id").annotate(**aggs)

    def _subjects_query(self, persons: Q) -> Any:
        """Per person: hours and signed count of each (year, subject measure) in
        subject_cols, as columns sh{i}, sn{i}; None if no kind needs subject hours."""
        if not self.subject_cols:
            return None
        # All the years any kind reads, not just this query's columns: a narrower year range
        # can lead the planner to the (year) index and a scan of the whole year's rows.
        years = self.years
        qs = subject_rows().filter(persons, year__range=years)
        if self.as_of < dt.date(years[1], 12, 31):
            qs = qs.filter(entry__date__lte=self.as_of)
        qs = qs.filter(subject__in=sorted({m[0] for _, m in self.subject_cols}))
        signed = Case(When(hours__lt=0, then=Value(-1)), default=Value(1))
        aggs: dict[str, Any] = {}
        for i, (y, (subject, types, modes, passed_only)) in enumerate(self.subject_cols):
            f = Q(year=y, subject=subject)
            if types:
                f &= Q(entry__training_type__in=sorted(types))
            if modes:
                f &= Q(entry__mode__in=sorted(modes))
            if passed_only:
                f &= ~Q(entry__result=FAILED)
            aggs[f"sh{i}"] = Cast(Sum("hours", filter=f), FloatField())
            aggs[f"sn{i}"] = Cast(Sum(signed, filter=f), FloatField())
        return qs.order_by().values("person_id").annotate(**aggs)

    def _dated(self, person_ids: list[int], since: dt.date) -> dict[int, list[DatedEntry]]:
        """Entries of the trigger types for people with an open trigger; §8 "Corrections":
        a reversed entry and its reversal are both left out, as if never written; §8
        "Failed training": a failed entry never satisfies a triggered requirement (NAT-1
        "without it, or failed"; CQ-T6a/b)."""
        out: dict[int, list[DatedEntry]] = defaultdict(list)
        if not person_ids or not self.trigger_types:
            return out
        qs = (
            entry_rows()
            .filter(
                _in("person_id", person_ids),
                training_type__in=sorted(self.trigger_types),
                date__range=(since, self.as_of),
                reversed_by__isnull=True,
            )
            .exclude(source_type=REVERSAL)
            .exclude(result=FAILED)
        )
        rows = list(qs.values("id", "person_id", "date", "hours", "days", "training_type"))
        subjects: dict[int, dict[str, float]] = defaultdict(dict)
        for s in (
            subject_rows()
            .filter(_in("entry_id", [r["id"] for r in rows]))
            .values("entry_id", "subject", "hours")
        ):
            subjects[s["entry_id"]][s["subject"]] = float(s["hours"])
        for r in rows:
            out[r["person_id"]].append(
                DatedEntry(
                    r["date"],
                    float(r["hours"]),
                    float(r["days"]),
                    r["training_type"],
                    subjects.get(r["id"], {}),
                )
            )
        return out

    def _exams(self, persons: Q) -> dict[int, list[tuple[str, str]]]:
        out: dict[int, list[tuple[str, str]]] = defaultdict(list)
        if not self.needs_exams:
            return out
        qs = entry_rows().filter(
            persons,
            source_type="exam",
            result="passed",
            year=self.year,
            date__lte=self.as_of,
            reversed_by__isnull=True,
        )
        for r in qs.values("person_id", "source_ref", "title"):
            out[r["person_id"]].append((r["source_ref"], r["title"]))
        return out

    # -- evaluation ------------------------------------------------------------------------
    def people(
        self, people_q: Q | None, id_range: tuple[int, int] | None = None
    ) -> Iterator[PersonResult]:
        """Results person by person, in id order, computed CHUNK ids at a time. `people_q`
        None with `id_range` evaluates every person whose id lies in the range."""
        base = person_rows()
        if people_q is not None:
            base = base.filter(people_q)
        if people_q is None:
            self.orgs.load_all()  # everyone: the whole tree, once
        if id_range is not None:
            lo, hi = id_range
        else:
            bounds = base.order_by().values_list("id", flat=True)
            lo = bounds.order_by("id").first()
            hi = bounds.order_by("-id").first()
        if lo is None or hi is None:
            return
        spans = []
        start = lo
        while start <= hi:
            spans.append((start, min(start + CHUNK - 1, hi)))
            start += CHUNK
        if connection.vendor != "postgresql" or connection.in_atomic_block or len(spans) < 2:
            for a, b in spans:
                yield from self._evaluate_chunk(self._fetch_tuned(base, people_q, a, b))
            return
        # Pipelined: READERS threads (each with its own connection, so as many database
        # backends) read the next chunks while this one evaluates the current one, so the
        # reads, which cost more than the evaluation, run on both cores and overlap the
        # Python time instead of adding to it (bench/compliance.py). Only outside a
        # transaction, where the other connections see the same rows.
        readers = [ThreadPoolExecutor(max_workers=1) for _ in range(READERS)]

        def read(i: int) -> Future[tuple[Any, ...]]:
            return readers[i % READERS].submit(self._fetch_tuned, base, people_q, *spans[i])

        try:
            pending = deque(read(i) for i in range(min(READERS, len(spans))))
            for i in range(len(spans)):
                data = pending.popleft().result()
                if i + READERS < len(spans):
                    pending.append(read(i + READERS))
                yield from self._evaluate_chunk(data)
        finally:
            for reader in readers:
                reader.submit(_close_connection).result()  # the reading thread's own
                reader.shutdown()

    def _fetch_tuned(self, base: Any, people_q: Q | None, start: int, end: int) -> Any:
        """_fetch; for a big id range on PostgreSQL, inside a read transaction set up for
        it: no JIT (compiling the aggregate query costs more than it saves) and no parallel
        workers (the other core is evaluating the previous chunk). A larger work_mem was
        tried and measured no faster: the hash aggregates of a chunk spill a few MB."""
        if end - start < 1000 or connection.vendor != "postgresql" or connection.in_atomic_block:
            return self._fetch(base, people_q, start, end)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            return self._fetch(base, people_q, start, end)

    def _fetch(self, base: Any, people_q: Q | None, start: int, end: int) -> tuple[Any, ...]:
        """Every read for the people with ids in [start, end]: a fixed number of queries.
        People, their totals and their subject hours come in one query, one row a person
        (the aggregates LEFT JOINed to the people, each built by its app's queryset)."""
        persons = Q(person_id__gte=start, person_id__lte=end)
        if people_q is not None and end - start >= 1000:
            # A subset (a unit, a scope) of a wide id range: aggregate only its people. The
            # LEFT JOIN to the selected people below is what decides who is in the result.
            persons &= Q(person__in=base.values("id"))
        sql, params = (
            base.filter(id__range=(start, end))
            .order_by()
            .values_list(*PERSON_FIELDS)
            .query.sql_with_params()
        )
        sql = f"SELECT * FROM ({sql}) AS p"  # noqa: S608 - ORM-compiled SQL, values as params
        params = list(params)
        width = 3 if self.counted else 2
        n_fields = len(PERSON_FIELDS)
        t_keys: list[tuple[int, Any]] = []  # (column, (year, MeasureKey))
        s_keys: list[tuple[int, Any]] = []  # (column, (year, SubjectKey))
        col = n_fields
        for alias, qs, keys, cols, w in (
            ("t", self._totals_query(persons), t_keys, self.total_cols, width),
            ("s", self._subjects_query(persons), s_keys, self.subject_cols, 2),
        ):
            if qs is None:
                continue
            part, part_params = qs.query.sql_with_params()
            sql += f" LEFT JOIN ({part}) AS {alias} ON {alias}.person_id = p.id"
            params += part_params
            col += 1  # the aggregate's person_id
            keys.extend((col + w * i, key) for i, key in enumerate(cols))
            col += w * len(cols)
        with connection.cursor() as cursor:
            cursor.execute(sql + " ORDER BY p.id", params)
            rows = cursor.fetchall()
        if not rows:
            return ([], {}, {}, {}, {}, {})
        events: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for e in (
            career_event_rows()
            .filter(persons, kind__in=EVENT_KINDS)
            .order_by("person_id", "date", "id")
            .values("person_id", "kind", "date", "leadership_level", "rank", "unit_id")
        ):
            events[e["person_id"]].append(e)
        since, as_of = self._since(), self.as_of
        # People whose triggered requirements may be open in the year: a reporting date or
        # a hiring/promotion since `since`; only their dated entries are read.
        opened = {
            pid
            for pid, evs in events.items()
            if any(e["kind"] in ("hired", "promoted") and since <= e["date"] <= as_of for e in evs)
        }
        triggered_ids = []
        people = []
        totals: dict[int, dict[tuple[int, MeasureKey], tuple[float, ...]]] = {}
        subjects: dict[int, dict[tuple[int, SubjectKey], tuple[float, ...]]] = {}
        counted = self.counted
        sqlite = connection.vendor == "sqlite"
        for row in rows:
            p = dict(zip(PERSON_FIELDS, row, strict=False))
            reported = p["reporting_date"]
            if sqlite and isinstance(reported, str):  # raw SQLite dates are text
                reported = p["reporting_date"] = dt.date.fromisoformat(reported)
            people.append(p)
            pid = row[0]
            if (reported and reported >= since) or pid in opened:
                triggered_ids.append(pid)
            if t_keys:
                tot: dict[Any, tuple[float, ...]] = {
                    key: (row[j], row[j + 1] or 0.0, (row[j + 2] or 0.0) if counted else 0.0)
                    for j, key in t_keys
                    if row[j] is not None
                }
                if tot:
                    totals[pid] = tot
            if s_keys:
                sub: dict[Any, tuple[float, ...]] = {
                    key: (row[j], row[j + 1] or 0.0) for j, key in s_keys if row[j] is not None
                }
                if sub:
                    subjects[pid] = sub
        exams = self._exams(persons)
        dated = self._dated(triggered_ids, since) if self.trigger_types else {}
        return (people, events, totals, subjects, exams, dated)

    def _evaluate_chunk(self, data: tuple[Any, ...]) -> list[PersonResult]:
        people, events, totals, subjects, exams, dated = data
        results = []
        empty: dict[Any, Any] = {}
        no_events: list[dict[str, Any]] = []
        no_list: list[Any] = []
        # A reporting date before `since` opens nothing reported in the year (its deadline
        # ends before the year starts), so a person with only such a date needs no events.
        since = self._since()
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
            )
            results.append(evaluate(facts, evs))
        return results

    def _since(self) -> dt.date:
        from civtrain.compliance.kinds import add_months

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

    def unit_on(self, p: dict[str, Any], events: list[dict[str, Any]]) -> OrgNodeData:
        return self.orgs[unit_at(p["unit_id"], events, self.ref_date)]

    def evaluate_person(self, facts: Facts, events: list[dict[str, Any]]) -> PersonResult:
        p = facts.person
        unit_id = self.unit_on(p, events).id if events else p["unit_id"]
        found = self._units.get(unit_id)
        if found is None:
            found = self._units[unit_id] = self._unit_info(unit_id)
        unit, spec, label = found
        outcomes: list[ComplianceOutcome] = []
        if spec is not None:
            year = self.year
            gone = self._gone(p, events) if events or p["status"] != "active" else ""
            joined = facts.joined
            if joined is not None and joined.year > year:
                # §8 "Who owes a year": nothing for a year that ends before joining
                gone = f"于 {joined.isoformat()} 报到（入职），{year} 年不适用"
            who = attributes_on(p, events, self.ref_date) if events else p
            every, without_events = self._applicable(spec, who)
            if gone:
                outcomes = [kind.not_applicable(year, gone) for kind in every]
            else:
                as_of = self.as_of
                for kind in every if facts.events else without_events:
                    outcomes.extend(kind.evaluate(facts, year, as_of))
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
        )

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

    # -- units -----------------------------------------------------------------------------
    def unit_outcomes(self, root_path: str = "") -> dict[int, list[ComplianceOutcome]]:
        """Unit-level rules (ZZ-T2) for every district and unit under root_path whose kind
        the rule names (§8 "Unit-level counts", issue #10 item 9): the number of distinct
        classes with hours in the rule's subject that the node *organised* (主办: itself or
        one of its departments) and held in the year, not classes its staff attended."""
        rules = [(label, k) for label, ks in self.kinds.items() for k in ks if k.unit_level]
        if not rules:
            return {}
        orgs = self.orgs.load_all()
        subjects = sorted({k.subject for _, k in rules if isinstance(k, UnitCount)})
        held: dict[tuple[int, str], set[int]] = defaultdict(set)
        for class_id, organiser_id, subject in classes_held_by_subject(
            year=self.year, as_of=self.as_of, subjects=subjects
        ):
            held[(_unit_of(orgs, organiser_id).id, subject)].add(class_id)
        out: dict[int, list[ComplianceOutcome]] = {}
        for node in orgs.values():
            if root_path and not node.path.startswith(root_path):
                continue
            spec = self.ruleset_for(node.path)
            if spec is None:
                continue
            role = _unit_role(orgs, node)
            roles = {role, "unit"} if role == "city_unit" else {role}
            for kind in self.kinds[spec.label]:
                if isinstance(kind, UnitCount) and roles & kind.org_kinds:
                    count = len(held.get((node.id, kind.subject), ()))
                    out.setdefault(node.id, []).append(
                        kind.evaluate_unit(count, self.year, self.as_of)
                    )
        return out


def _unit_role(orgs: dict[int, OrgNodeData], node: OrgNodeData) -> str:
    """How ZZ-T2 names a node: `district` (各县（市）区), `city_unit` (市直单位: a unit
    directly under a city), `unit` (any unit), or its kind."""
    if node.kind == OrgKind.UNIT:
        parent = orgs.get(node.parent_id) if node.parent_id is not None else None
        if parent is not None and parent.kind == OrgKind.CITY:
            return "city_unit"
        return "unit"
    return node.kind.value


class _AnyOf(Func):
    """`column = ANY(%s)` with the values as one array parameter (PostgreSQL): a chunk's
    thousand ids cost one placeholder, not a thousand for the ORM and the driver to
    build and parse."""

    output_field = BooleanField()

    def __init__(self, column: str, values: list[int]) -> None:
        super().__init__(F(column))
        self.values = values

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"{sql} = ANY(%s)", [*params, self.values]


def _in(column: str, values: list[int]) -> Q | _AnyOf:
    """A filter `column IN values`, as one array parameter on PostgreSQL."""
    if connection.vendor == "postgresql":
        return _AnyOf(column, list(values))
    return Q(**{f"{column}__in": values})


def attributes_on(p: dict[str, Any], events: list[dict[str, Any]], on: dt.date) -> dict[str, Any]:
    """The person's leadership level and rank on `on`, derived from career events (§8 "Who
    is in an audience", issue #10 item 4): each from the latest event on or before `on`
    that records it. Before the first event recording a leadership level the person held
    no recorded post (""); before the first recording a rank, the registry's rank stands
    (no event says otherwise). Category and flags are not recorded by events: the
    registry's. `p` itself when nothing differs (the audience cache keys on the values)."""
    level = rank = None
    level_later = False
    for e in events:  # sorted by date
        if e["date"] <= on:
            level = e["leadership_level"] or level
            rank = e["rank"] or rank
        elif e["leadership_level"]:
            level_later = True
    if level is None:
        level = "" if level_later else (p["leadership_level"] or "")
    if rank is None:
        rank = p["rank"]
    if level == (p["leadership_level"] or "") and rank == p["rank"]:
        return p
    return {**p, "leadership_level": level, "rank": rank}


def _close_connection() -> None:
    connection.close()  # the calling thread's connection (a per-thread proxy)


def linkage_of(outcomes: Iterable[ComplianceOutcome], year: int) -> AssessmentLinkage:
    """ZZ-M4, CQ-M3, NAT-1: what the outcomes mean for the annual assessment."""
    eligible, deferred, blocked, complete = True, False, False, True
    missed: list[ComplianceOutcome] = []
    year_end = dt.date(year, 12, 31)
    for o in outcomes:
        status = o.status
        if status == MISSED:
            complete = False
            c = o.consequences
            if NO_EXCELLENT in c:
                eligible = False
            if GRADE_DEFERRED in c:
                deferred = True
            if NO_APPOINTMENT in c:
                blocked = True
            missed.append(o)
        elif status == NOT_YET and o.deadline and o.deadline <= year_end:
            complete = False
    return AssessmentLinkage(eligible, deferred, blocked, complete, tuple(missed))


def unit_summaries(
    evaluator: Evaluator, results: Iterable[PersonResult], root_path: str = ""
) -> list[UnitSummary]:
    """Per unit (nearest ancestor-or-self of kind unit): completion rate and the 优秀 quota,
    cut when the unit missed its annual task (NAT-8, ZZ-M4, CQ-M3)."""
    heads: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        if r.outcomes and all(o.status == OutcomeStatus.NOT_APPLICABLE for o in r.outcomes):
            continue  # retired / left: not part of the unit's headcount
        unit = _unit_of(evaluator.orgs, r.unit_id)
        heads[unit.id][0] += 1
        heads[unit.id][1] += int(r.linkage.complete)
    unit_rules = evaluator.unit_outcomes(root_path)
    out = []
    for unit_id in sorted(set(heads) | set(unit_rules)):
        node = evaluator.orgs[unit_id]
        if node.kind != OrgKind.UNIT and unit_id not in heads and unit_id not in unit_rules:
            continue  # districts and cities are listed for their own unit rules (ZZ-T2)
        spec = evaluator.ruleset_for(node.path)
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
                year=evaluator.year,
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
