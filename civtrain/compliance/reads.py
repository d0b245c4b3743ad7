"""The engine's reads: for a chunk of people, a fixed number of set-wise queries — never a
query per person (ADR 0009) — and the org nodes, read when first needed.

What to read (the measures, years and trigger types the loaded rules need) is the
evaluator's plan (evaluator.Evaluator); the reads go through each app's api."""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, Case, F, FloatField, Func, Q, Sum, Value, When
from django.db.models.functions import Cast

from civtrain.compliance.evaluator import Evaluator
from civtrain.compliance.kinds import DatedEntry, MeasureKey, SubjectKey
from civtrain.compliance.study_credits import CreditRow
from civtrain.credits.api import (
    DAYS_MISSING,
    DAYS_NOT_DERIVED,
    HOURS_MISSING,
    HOURS_NOT_DERIVED,
    entry_rows,
    subject_rows,
)
from civtrain.credits.data import recorded
from civtrain.organisations.api import OrgNodeData, org_by_codes, org_data_many
from civtrain.people.api import EVENT_ROW_FIELDS, career_event_rows

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
# Every kind of event: rank changes and reclassifications move audiences (issue #10 item 4).
EVENT_KINDS = ("hired", "promoted", "rank_change", "transfer", "retirement", "reclassified")
REVERSAL = "reversal"
FAILED = "failed"  # credits.data.Result.FAILED: a failed assessment or a withdrawal (退学)


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


def totals_query(ev: Evaluator, persons: Q) -> Any:
    """Per person: recorded hours, days (and the signed count, when a kind counts records),
    then the days of days-only and the hours of hours-only entries, of each (year, measure)
    in total_cols, as columns h{i}, d{i}[, n{i}], dh{i}, hd{i}; None if no kind needs
    totals."""
    if not ev.total_cols:
        return None
    # All the years any kind reads, not just this query's columns: a narrower year range
    # can lead the planner to the (year) index and a scan of the whole year's rows.
    years = ev.years
    qs = entry_rows().filter(persons, year__range=years)
    if ev.as_of < dt.date(years[1], 12, 31):
        qs = qs.filter(date__lte=ev.as_of)
    signed = Case(When(Q(hours__lt=0) | Q(days__lt=0), then=Value(-1)), default=Value(1))
    aggs: dict[str, Any] = {}
    for i, (y, (types, modes, passed_only)) in enumerate(ev.total_cols):
        f = Q(year=y)
        if types:
            f &= Q(training_type__in=sorted(types))
        if modes:
            f &= Q(mode__in=sorted(modes))
        if passed_only:  # §8 "Failed training": the set does not count failed hours
            f &= ~Q(result=FAILED)
        # §8 "Hours and days are converted when a rule is evaluated" (issue #10 item 6):
        # the ledger keeps what was recorded; the recorded sums and the sums of what the
        # evaluating set converts come apart here (kinds.effective_hours joins them).
        aggs[f"h{i}"] = Cast(Sum("hours", filter=f & HOURS_NOT_DERIVED), FloatField())
        aggs[f"d{i}"] = Cast(Sum("days", filter=f & DAYS_NOT_DERIVED), FloatField())
        if ev.counted:
            aggs[f"n{i}"] = Cast(Sum(signed, filter=f), FloatField())
        aggs[f"dh{i}"] = Cast(Sum("days", filter=f & HOURS_MISSING), FloatField())
        aggs[f"hd{i}"] = Cast(Sum("hours", filter=f & DAYS_MISSING), FloatField())
    return qs.order_by().values("person_id").annotate(**aggs)


def subjects_query(ev: Evaluator, persons: Q) -> Any:
    """Per person: hours and signed count of each (year, subject measure) in
    subject_cols, as columns sh{i}, sn{i}; None if no kind needs subject hours."""
    if not ev.subject_cols:
        return None
    # All the years any kind reads, not just this query's columns: a narrower year range
    # can lead the planner to the (year) index and a scan of the whole year's rows.
    years = ev.years
    qs = subject_rows().filter(persons, year__range=years)
    if ev.as_of < dt.date(years[1], 12, 31):
        qs = qs.filter(entry__date__lte=ev.as_of)
    qs = qs.filter(subject__in=sorted({m[0] for _, m in ev.subject_cols}))
    signed = Case(When(hours__lt=0, then=Value(-1)), default=Value(1))
    aggs: dict[str, Any] = {}
    for i, (y, (subject, types, modes, passed_only)) in enumerate(ev.subject_cols):
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


def credit_rows(ev: Evaluator, persons: Q) -> dict[int, list[CreditRow]]:
    """ZZ-M1: per person, the sums per (year, type, mode, result) that the study credits
    are computed from (study_credits.CreditRow); empty when no set in force has a credit
    system. What an entry did not record (hours or days) is converted by the evaluator with
    the governing set's 学时-per-day (§8). A reversal counts −1 and carries its entry's
    type, mode, result and negated amounts, so a reversed pair earns nothing (§8
    "Corrections")."""
    out: dict[int, list[CreditRow]] = defaultdict(list)
    if ev.credit_years is None:
        return out
    qs = entry_rows().filter(persons, year__range=ev.credit_years)
    if ev.as_of < dt.date(ev.credit_years[1], 12, 31):
        qs = qs.filter(date__lte=ev.as_of)
    signed = Case(When(source_type=REVERSAL, then=Value(-1)), default=Value(1))
    keys = ("person_id", "year", "training_type", "mode", "result")
    for pid, year, training_type, mode, result, *sums in (
        qs.order_by()
        .values(*keys)
        .annotate(
            # What was recorded; a version-1 value marked as derived is not (#10 item 6).
            h=Cast(Sum("hours", filter=HOURS_NOT_DERIVED), FloatField()),
            d=Cast(Sum("days", filter=DAYS_NOT_DERIVED), FloatField()),
            d_only=Cast(Sum("days", filter=HOURS_MISSING), FloatField()),
            h_only=Cast(Sum("hours", filter=DAYS_MISSING), FloatField()),
            n=Cast(Sum(signed), FloatField()),
        )
        .values_list(*keys, "h", "d", "d_only", "h_only", "n")
    ):
        h, d, d_only, h_only, n = (v or 0.0 for v in sums)
        out[pid].append((year, training_type, mode, result, h, d, d_only, h_only, n))
    return out


def dated(ev: Evaluator, person_ids: list[int], since: dt.date) -> dict[int, list[DatedEntry]]:
    """Entries of the trigger types for people with an open trigger; §8 "Corrections":
    a reversed entry and its reversal are both left out, as if never written; §8
    "Failed training": a failed entry never satisfies a triggered requirement (NAT-1
    "without it, or failed"; CQ-T6a/b)."""
    out: dict[int, list[DatedEntry]] = defaultdict(list)
    if not person_ids or not ev.trigger_types:
        return out
    qs = (
        entry_rows()
        .filter(
            _in("person_id", person_ids),
            training_type__in=sorted(ev.trigger_types),
            date__range=(since, ev.as_of),
            reversed_by__isnull=True,
        )
        .exclude(source_type=REVERSAL)
        .exclude(result=FAILED)
    )
    rows = list(qs.values("id", "person_id", "date", "hours", "days", "derived", "training_type"))
    subjects: dict[int, dict[str, float]] = defaultdict(dict)
    for s in (
        subject_rows()
        .filter(_in("entry_id", [r["id"] for r in rows]))
        .values("entry_id", "subject", "hours")
    ):
        subjects[s["entry_id"]][s["subject"]] = float(s["hours"])
    for r in rows:
        hours, days = recorded(r["hours"], r["days"], r["derived"])
        out[r["person_id"]].append(
            DatedEntry(
                r["date"],
                None if hours is None else float(hours),
                None if days is None else float(days),
                r["training_type"],
                subjects.get(r["id"], {}),
            )
        )
    return out


def exams(ev: Evaluator, persons: Q) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if not ev.needs_exams:
        return out
    qs = entry_rows().filter(
        persons,
        source_type="exam",
        source_ref__startswith="exam:",  # the explicit link ExamPassed reads (ADR 0019)
        result="passed",
        year=ev.year,
        date__lte=ev.as_of,
        reversed_by__isnull=True,
    )
    for r in qs.values("person_id", "source_ref", "title"):
        out[r["person_id"]].append((r["source_ref"], r["title"]))
    return out


def _compiled(
    build: Callable[[Evaluator, Q], Any], ev: Evaluator, persons: Q
) -> tuple[str, tuple[Any, ...]] | None:
    qs = build(ev, persons)
    return None if qs is None else qs.query.sql_with_params()


# The aggregate queries compiled once per evaluator shape (compiling the ORM's conditional
# sums costs more than running them for one person: issue #10 item 6 made it 4 sums a
# measure), with these two values standing for the id range's bounds; ids are positive.
# The key holds every evaluator attribute totals_query and subjects_query read: a builder
# that reads another must add it to the key.
_COMPILED: dict[tuple[Any, ...], tuple[str, tuple[Any, ...]] | None] = {}
_LO, _HI = -(10**12) - 7, -(10**12) - 11


def _compiled_range(
    build: Callable[[Evaluator, Q], Any], ev: Evaluator, start: int, end: int
) -> tuple[str, list[Any]] | None:
    """_compiled for the people with ids in [start, end], from the cache."""
    key: tuple[Any, ...] = (build.__name__, connection.vendor, ev.years, ev.as_of, ev.counted)
    key += (tuple(ev.total_cols), tuple(ev.subject_cols))
    if key not in _COMPILED:
        if len(_COMPILED) > 256:
            _COMPILED.clear()
        _COMPILED[key] = _compiled(build, ev, Q(person_id__gte=_LO, person_id__lte=_HI))
    compiled = _COMPILED[key]
    if compiled is None:
        return None
    sql, params = compiled
    return sql, [start if p == _LO else end if p == _HI else p for p in params]


def fetch_tuned(ev: Evaluator, base: Any, people_q: Q | None, start: int, end: int) -> Any:
    """fetch; for a big id range on PostgreSQL, inside a read transaction set up for
    it: no JIT (compiling the aggregate query costs more than it saves) and no parallel
    workers (the other core is evaluating the previous chunk). A larger work_mem was
    tried and measured no faster: the hash aggregates of a chunk spill a few MB."""
    if end - start < 1000 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return fetch(ev, base, people_q, start, end)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        return fetch(ev, base, people_q, start, end)


def fetch(ev: Evaluator, base: Any, people_q: Q | None, start: int, end: int) -> tuple[Any, ...]:
    """Every read for the people with ids in [start, end]: a fixed number of queries.
    People, their totals and their subject hours come in one query, one row a person
    (the aggregates LEFT JOINed to the people, each built by its app's queryset)."""
    persons = Q(person_id__gte=start, person_id__lte=end)
    subset = people_q is not None and end - start >= 1000
    if subset:
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
    width = 5 if ev.counted else 4
    n_fields = len(PERSON_FIELDS)
    t_keys: list[tuple[int, Any]] = []  # (column, (year, MeasureKey))
    s_keys: list[tuple[int, Any]] = []  # (column, (year, SubjectKey))
    col = n_fields
    for alias, build, keys, cols, w in (
        ("t", totals_query, t_keys, ev.total_cols, width),
        ("s", subjects_query, s_keys, ev.subject_cols, 2),
    ):
        compiled = (
            _compiled(build, ev, persons) if subset else _compiled_range(build, ev, start, end)
        )
        if compiled is None:
            continue
        part, part_params = compiled
        sql += f" LEFT JOIN ({part}) AS {alias} ON {alias}.person_id = p.id"
        params += part_params
        col += 1  # the aggregate's person_id
        keys.extend((col + w * i, key) for i, key in enumerate(cols))
        col += w * len(cols)
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY p.id", params)
        rows = cursor.fetchall()
    if not rows:
        return ([], {}, {}, {}, {}, {}, {})
    events: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in (
        career_event_rows()
        .filter(persons, kind__in=EVENT_KINDS)
        .order_by("person_id", "date", "id")
        .values("person_id", *EVENT_ROW_FIELDS)
    ):
        events[e["person_id"]].append(e)
    since, as_of = ev.since(), ev.as_of
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
    counted, w = ev.counted, width
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
            # (recorded hours, recorded days, count, days-only days, hours-only hours):
            # kinds.ZERO5. A (year, measure) with no entry has every column NULL.
            tot: dict[Any, tuple[float, ...]] = {
                key: (
                    row[j] or 0.0,
                    row[j + 1] or 0.0,
                    (row[j + 2] or 0.0) if counted else 0.0,
                    row[j + w - 2] or 0.0,
                    row[j + w - 1] or 0.0,
                )
                for j, key in t_keys
                if row[j] is not None or row[j + w - 2] is not None
            }
            if tot:
                totals[pid] = tot
        if s_keys:
            sub: dict[Any, tuple[float, ...]] = {
                key: (row[j], row[j + 1] or 0.0) for j, key in s_keys if row[j] is not None
            }
            if sub:
                subjects[pid] = sub
    found_exams = exams(ev, persons)
    found_dated = dated(ev, triggered_ids, since) if ev.trigger_types else {}
    return (people, events, totals, subjects, found_exams, found_dated, credit_rows(ev, persons))


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
