"""Rule kinds: small classes with a fixed life cycle, in an explicit registry (STYLE §6).

A kind is built once per rule (cheap), says which aggregates it needs (`measures`,
`subject_measures`, ledger years, dated entries, exams), and then evaluates one person's
aggregates for one year and `as_of` date. The reading of the numbers is REQUIREMENTS §8.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar

from civtrain.catalogue.data import DEFAULT_SUBJECTS
from civtrain.compliance.audience import audience_entered
from civtrain.compliance.data import (
    CREDITS,
    DAYS,
    HOURS,
    TIMES,
    ComplianceOutcome,
    OutcomeStatus,
)
from civtrain.compliance.ruleset import Audience, RuleSetSpec, RuleSpec, expand_types
from civtrain.compliance.study_credits import CreditRow
from civtrain.people.data import LEVEL_TIER

# (training types, delivery modes, passed only); an empty set means "any". "Passed only"
# leaves out failed entries (§8 "Failed training": the set's counts_toward_totals).
MeasureKey = tuple[frozenset[str], frozenset[str], bool]
# (subject, training types, delivery modes, passed only)
SubjectKey = tuple[str, frozenset[str], frozenset[str], bool]
EPS = 1e-9
MET, NOT_YET, MISSED, NA = (
    OutcomeStatus.MET.value,
    OutcomeStatus.NOT_YET.value,
    OutcomeStatus.MISSED.value,
    OutcomeStatus.NOT_APPLICABLE.value,
)
# LEVEL_TIER by the stored level string (no enum construction per lookup).
TIER_OF: dict[str, str] = {level.value: tier for level, tier in LEVEL_TIER.items()}
# A total of one (year, measure): (recorded hours, recorded days, signed count — 0 unless a
# kind counts records —, days of the entries that recorded no hours, hours of the entries
# that recorded no days); see effective_hours.
ZERO5 = (0.0, 0.0, 0.0, 0.0, 0.0)
ZERO2 = (0.0, 0.0)


@dataclass(frozen=True)
class DatedEntry:
    """A ledger entry that counts toward triggered requirements (reversed pairs left out),
    with what it recorded: hours, days or both (None: not recorded)."""

    date: dt.date
    hours: float | None
    days: float | None
    training_type: str
    subjects: dict[str, float] = field(default_factory=dict)

    def hours_under(self, hours_per_day: float) -> float:
        """Its hours under a set with this 学时-per-day (§8, PR-2)."""
        return self.hours if self.hours is not None else (self.days or 0.0) * hours_per_day

    def days_under(self, hours_per_day: float) -> float:
        return self.days if self.days is not None else (self.hours or 0.0) / hours_per_day


@dataclass
class Facts:
    """What the engine knows about one person, gathered set-wise before any rule runs."""

    person: dict[str, Any]
    # (year, MeasureKey) → a 5-tuple as ZERO5: recorded hours and days, signed count, and
    # what the evaluating set converts (days-only days, hours-only hours)
    totals: dict[tuple[int, MeasureKey], tuple[float, ...]] = field(default_factory=dict)
    # (year, SubjectKey) → (hours, signed count)
    subjects: dict[tuple[int, SubjectKey], tuple[float, ...]] = field(default_factory=dict)
    events: list[tuple[str, dt.date, str]] = field(default_factory=list)  # kind, date, level
    dated: list[DatedEntry] = field(default_factory=list)
    exams: list[tuple[str, str]] = field(default_factory=list)  # (source_ref, title) passed
    joined: dt.date | None = None  # reporting or first hiring date (§8 "Who owes a year")
    # ZZ-M1: the ledger sums per (year, type, mode, result), read when a set has a credit
    # system (study_credits.CreditRow), and the study credits per year they earn under the
    # governing set's table (study_credits.credits_by_year, filled in once the set is known).
    credit_rows: list[CreditRow] = field(default_factory=list)
    credits: dict[int, float] = field(default_factory=dict)
    # The career event rows (people.api.EVENT_ROW_FIELDS), date order: attributes on a
    # date and audience entry (§8 "Who is in an audience", issue #10 item 4).
    history: list[dict[str, Any]] = field(default_factory=list)


def effective_hours(v: tuple[float, ...], hours_per_day: float) -> float:
    """§8 "Hours and days are converted when a rule is evaluated" (PR-2, issue #10 item 6):
    the recorded hours plus the days of the entries that recorded days only, converted with
    the evaluating set's 学时-per-day. The ledger keeps what was recorded."""
    return v[0] + v[3] * hours_per_day


def effective_days(v: tuple[float, ...], hours_per_day: float) -> float:
    """The recorded days plus the hours of hours-only entries ÷ the set's 学时-per-day."""
    return v[1] + v[4] / hours_per_day


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):  # 29 Feb + 12 months → 28 Feb
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def status_of(done: bool, as_of: dt.date, deadline: dt.date) -> str:
    """§8 "Deadlines": an entry dated on the deadline day counts, so an unmet requirement is
    not_yet up to and including that day and missed only from the day after."""
    if done:
        return MET
    return NOT_YET if as_of <= deadline else MISSED


def pro_rata(year: int, joined: dt.date | None) -> float:
    """The share of `year` from `joined` to 31 Dec (1.0 when joined before the year)."""
    if joined is None or joined.year != year:
        return 1.0
    days = (dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1
    return ((dt.date(year, 12, 31) - joined).days + 1) / days


def audience_matches(aud: Audience, p: dict[str, Any], rs: RuleSetSpec) -> bool:
    if aud.everyone:
        return True
    level = p["leadership_level"] or ""
    if aud.flags and not any(p[f] for f in aud.flags):
        return False
    if aud.categories and p["category"] not in aud.categories:
        return False
    if aud.levels and level not in aud.levels:
        return False
    if aud.tiers and (not level or TIER_OF[level] not in aud.tiers):
        return False
    if aud.leader is not None and bool(level) != aud.leader:
        return False
    if aud.rank_from is not None or aud.rank_to is not None:
        pos = rs.rank_position(p["rank"] or "")  # NAT-7 equivalence
        if pos is None:
            return False
        if aud.rank_from is not None and pos < aud.rank_from:
            return False
        if aud.rank_to is not None and pos > aud.rank_to:
            return False
    return not aud.any_of or any(audience_matches(a, p, rs) for a in aud.any_of)


class Kind:
    """Base of every kind; subclasses set `name` and implement evaluate()."""

    name: ClassVar[str] = ""
    unit_level: ClassVar[bool] = False
    needs_exams: ClassVar[bool] = False
    needs_events: ClassVar[bool] = False  # only career events can open it (triggered)
    needs_credits: ClassVar[bool] = False  # reads Facts.credits (credit_total, ZZ-M1)
    counts_records = False  # needs the signed count of the totals (once_in_period by type)

    def __init__(self, rule: RuleSpec, ruleset: RuleSetSpec) -> None:
        self.rule = rule
        self.ruleset = ruleset
        self.params = rule.params
        self.hpd = ruleset.hours_per_day
        # §8 "Failed training": whether failed entries' hours count toward totals.
        self.passed_only = not ruleset.failed_training.counts_toward_totals
        self.what = str(self.params.get("what", ""))
        self._audience_cache: dict[tuple[Any, ...], bool] = {}
        self._outcomes: dict[tuple[Any, ...], list[ComplianceOutcome]] = {}

    # -- what the kind needs -------------------------------------------------------------
    def measures(self) -> set[MeasureKey]:
        return set()

    def subject_measures(self) -> set[SubjectKey]:
        return set()

    def ledger_years(self, year: int) -> tuple[int, int]:
        return (year, year)

    def trigger_types(self) -> frozenset[str]:
        return frozenset()

    # -- evaluation ----------------------------------------------------------------------
    def applies(self, p: dict[str, Any], year: int) -> bool:
        if not (self.rule.valid_from.year <= year <= self.rule.valid_to.year):
            return False
        key = (
            p["category"],
            p["rank"],
            p["leadership_level"],
            p["grassroots"],
            p["basic_post"],
            p["law_enforcement"],
        )
        hit = self._audience_cache.get(key)
        if hit is None:
            hit = self._audience_cache[key] = audience_matches(self.rule.audience, p, self.ruleset)
        return hit

    def evaluate(self, facts: Facts, year: int, as_of: dt.date) -> list[ComplianceOutcome]:
        raise NotImplementedError

    def not_applicable(self, year: int, reason: str) -> ComplianceOutcome:
        return ComplianceOutcome(
            self.rule.id, self.rule.clause, self.rule.title, 0.0, 0.0, HOURS, NA, None, year, reason
        )

    def _either_or(
        self,
        hours: float,
        days: float,
        year: int,
        deadline: dt.date,
        as_of: dt.date,
        share: float = 1.0,
    ) -> ComplianceOutcome:
        """'≥ 12 days or ≥ 90 h' (§8): met when either total reaches its bound; reported in
        the unit that is nearer to its bound. `share` < 1 pro-rates the bounds (a person
        who joined during the year under a set that pro-rates, §8 "Who owes a year")."""
        min_h = self.params.get("min_hours")
        min_d = self.params.get("min_days")
        if share < 1.0:
            min_h = None if min_h is None else round(min_h * share, 2)
            min_d = None if min_d is None else round(min_d * share, 2)
        done = (min_h is not None and hours + EPS >= min_h) or (
            min_d is not None and days + EPS >= min_d
        )
        share_h = hours / min_h if min_h else -1.0
        share_d = days / min_d if min_d else -1.0
        met_h = min_h is not None and hours + EPS >= min_h
        met_d = min_d is not None and days + EPS >= min_d
        # Hours unless days are what meets it (or clearly nearer): the ledger rounds each
        # converted amount to 0.01, so near-equal shares must not flip the reported unit.
        if min_h is not None and (met_h or (not met_d and share_h + 0.005 >= share_d)):
            unit, required, achieved = HOURS, float(min_h or 0), hours
            alt = f"或累计 {min_d:g} 天" if min_d else ""
        else:
            unit, required, achieved = DAYS, float(min_d or 0), days
            alt = f"或累计 {min_h:g} 学时" if min_h else ""
        r = self.rule
        return ComplianceOutcome(
            r.id,
            r.clause,
            r.title,
            required,
            round(achieved, 4),
            unit,
            status_of(done, as_of, deadline),
            deadline,
            year,
            self.what,
            alt,
            r.consequences,
        )


def _key(params: dict[str, Any], passed_only: bool) -> MeasureKey:
    return (
        expand_types(params.get("types", ())),
        frozenset(params.get("modes", ())),
        passed_only,
    )


class AnnualTotal(Kind):
    """Hours or days in a calendar year, filtered by type/mode or one subject (CQ-G1, ZZ-G1,
    CQ-T4b, CQ-T7, NAT-3, NAT-5)."""

    name = "annual_total"

    def __init__(self, rule: RuleSpec, ruleset: RuleSetSpec) -> None:
        super().__init__(rule, ruleset)
        self.key = _key(self.params, self.passed_only)
        self.subject = self.params.get("subject")
        self.skey: SubjectKey = (self.subject or "", *self.key)
        # §8 "Who owes a year": whole (default) or pro-rated for a person joining in the year
        self.pro_rated = ruleset.join_during_year == "pro_rated"
        if self.subject and not self.what:
            self.what = DEFAULT_SUBJECTS.get(self.subject, self.subject) + "培训"

    def measures(self) -> set[MeasureKey]:
        return set() if self.subject else {self.key}

    def subject_measures(self) -> set[SubjectKey]:
        return {self.skey} if self.subject else set()

    def evaluate(self, facts: Facts, year: int, as_of: dt.date) -> list[ComplianceOutcome]:
        if self.subject:
            # §8: subject minimums count only the hours an entry records per subject.
            hours = facts.subjects.get((year, self.skey), ZERO2)[0]
            days = hours / self.hpd
        else:
            v = facts.totals.get((year, self.key), ZERO5)
            hours, days = effective_hours(v, self.hpd), effective_days(v, self.hpd)
        share = pro_rata(year, facts.joined) if self.pro_rated else 1.0
        return self._memo(hours, days, year, as_of, share)

    def _memo(
        self, hours: float, days: float, year: int, as_of: dt.date, share: float = 1.0
    ) -> list[ComplianceOutcome]:
        """Outcomes are immutable and depend only on these numbers, so people with the same
        totals share one (many have exactly 90 or 0 学时); bounded per evaluation."""
        key = (hours, days, year, as_of, share)
        found = self._outcomes.get(key)
        if found is None:
            if len(self._outcomes) > 100_000:
                self._outcomes.clear()
            found = self._outcomes[key] = [
                self._either_or(hours, days, year, dt.date(year, 12, 31), as_of, share)
            ]
        return found


class RollingTotal(Kind):
    """A total over the last N calendar years, ending with the evaluated one (NAT-4)."""

    name = "rolling_total"

    def __init__(self, rule: RuleSpec, ruleset: RuleSetSpec) -> None:
        super().__init__(rule, ruleset)
        self.key = _key(self.params, self.passed_only)
        self.years = int(self.params["years"])

    def measures(self) -> set[MeasureKey]:
        return {self.key}

    def ledger_years(self, year: int) -> tuple[int, int]:
        return (year - self.years + 1, year)

    def evaluate(self, facts: Facts, year: int, as_of: dt.date) -> list[ComplianceOutcome]:
        hours = days = 0.0
        for y in range(year - self.years + 1, year + 1):
            v = facts.totals.get((y, self.key))
            if v:
                hours += effective_hours(v, self.hpd)
                days += effective_days(v, self.hpd)
        year_end = dt.date(year, 12, 31)
        # §8 "Who is in an audience" (issue #10 item 4): the window is owed from the day the
        # person entered the audience; until a full window has passed since (entry + N
        # years, that day included, as a triggered deadline), an unmet one is not_yet.
        entered = audience_entered(
            lambda who: self.applies(who, year),
            facts.person,
            facts.history,
            min(as_of, year_end),
            facts.joined,
        )
        owed_by = add_months(entered, 12 * self.years) if entered else year_end
        if owed_by <= year_end:
            return [self._either_or(hours, days, year, year_end, as_of)]
        main = self._either_or(hours, days, year, owed_by, as_of)
        since = (
            f"（{entered.isoformat()} 进入适用范围，满 {self.years} 年前完成）" if entered else ""
        )
        return [main._replace(what=self.what + since)]


class Triggered(Kind):
    """After a career event, a requirement owed from the event to its deadline, with
    sub-requirements that are outcomes of their own (CQ-T6a/b, CQ-T4a, NAT-1, NAT-2)."""

    name = "triggered"
    needs_events = True

    def __init__(self, rule: RuleSpec, ruleset: RuleSetSpec) -> None:
        super().__init__(rule, ruleset)
        self.event = self.params["event"]
        self.levels = frozenset(self.params.get("to_levels", ()))
        self.tiers = frozenset(self.params.get("to_tiers", ()))
        self.window = int(self.params.get("window_months", 12))
        self.before = int(self.params.get("before_months", 0))
        self.types = expand_types(self.params["types"])
        self.subs = list(self.params.get("subrequirements", ()))

    def trigger_types(self) -> frozenset[str]:
        return self.types

    def applies(self, p: dict[str, Any], year: int) -> bool:
        # The period limits the events (checked in evaluate), not the years reported.
        key: tuple[Any, ...] = (p["category"], p["rank"], p["leadership_level"])
        key += (p["grassroots"], p["basic_post"], p["law_enforcement"])
        hit = self._audience_cache.get(key)
        if hit is None:
            hit = self._audience_cache[key] = audience_matches(self.rule.audience, p, self.ruleset)
        return hit

    def triggers(self, facts: Facts, as_of: dt.date) -> list[dt.date]:
        """Event dates that open this requirement. §8: events before the set's period owe
        nothing; events after as_of are not known yet."""
        dates = []
        for kind, date, level in facts.events:
            if kind != self.event or date > as_of:
                continue
            if not (self.rule.valid_from <= date <= self.rule.valid_to):
                continue
            if self.event == "promoted" and (self.levels or self.tiers):
                if not level:
                    continue
                if self.levels and level not in self.levels:
                    continue
                if self.tiers and TIER_OF[level] not in self.tiers:
                    continue
            dates.append(date)
        return dates

    def evaluate(self, facts: Facts, year: int, as_of: dt.date) -> list[ComplianceOutcome]:
        out: list[ComplianceOutcome] = []
        r = self.rule
        for event_date in self.triggers(facts, as_of):
            deadline = add_months(event_date, self.window)
            # Reported in every year in which it is open, event → deadline (issue 4 §4).
            if not (event_date.year <= year <= deadline.year):
                continue
            start = add_months(event_date, -self.before) if self.before else event_date
            end = min(deadline, as_of)
            hours = days = 0.0
            subject_hours: dict[str, float] = {}
            for e in facts.dated:
                if e.training_type in self.types and start <= e.date <= end:
                    hours += e.hours_under(self.hpd)  # this set's terms (§8, PR-2)
                    days += e.days_under(self.hpd)
                    for s, h in e.subjects.items():
                        subject_hours[s] = subject_hours.get(s, 0.0) + h
            main = self._either_or(hours, days, year, deadline, as_of)
            out.append(main._replace(what=f"{self.what}（{event_date.isoformat()} 起）"))
            for sub in self.subs:
                got = subject_hours.get(sub["subject"], 0.0)
                need = float(sub["min_hours"])
                label = DEFAULT_SUBJECTS.get(sub["subject"], sub["subject"])
                out.append(
                    ComplianceOutcome(
                        f"{r.id}.{sub['id']}",
                        sub["clause"],
                        sub["title"],
                        need,
                        round(got, 4),
                        HOURS,
                        status_of(got + EPS >= need, as_of, deadline),
                        deadline,
                        year,
                        f"{label}培训（计入{self.what}）",
                        "",
                        tuple(sub.get("consequences", r.consequences)),
                    )
                )
        return out


class OnceInPeriod(Kind):
    """At least N qualifying records within a multi-year period (CQ-T2: ethics once in
    2016–2020); counted with reversals as −1, reported in every year of the period."""

    name = "once_in_period"

    def __init__(self, rule: RuleSpec, ruleset: RuleSetSpec) -> None:
        super().__init__(rule, ruleset)
        self.subject = self.params.get("subject")
        self.key = _key(self.params, self.passed_only)
        self.skey: SubjectKey = (self.subject or "", *self.key)
        self.min_count = int(self.params.get("min_count", 1))
        self.counts_records = not self.subject
        self._year_keys: dict[int, list[tuple[int, Any]]] = {}

    def measures(self) -> set[MeasureKey]:
        return set() if self.subject else {self.key}

    def subject_measures(self) -> set[SubjectKey]:
        return {self.skey} if self.subject else set()

    def ledger_years(self, year: int) -> tuple[int, int]:
        return (self.rule.valid_from.year, min(year, self.rule.valid_to.year))

    def evaluate(self, facts: Facts, year: int, as_of: dt.date) -> list[ComplianceOutcome]:
        keys = self._year_keys.get(year)
        if keys is None:
            years = range(self.rule.valid_from.year, min(year, self.rule.valid_to.year) + 1)
            keys = self._year_keys[year] = [
                (y, self.skey if self.subject else self.key) for y in years
            ]
        count = 0.0
        if self.subject:
            subjects = facts.subjects
            for k in keys:
                v = subjects.get(k)
                if v is not None:
                    count += v[1]
        else:
            totals = facts.totals
            for k in keys:
                v = totals.get(k)
                if v is not None:
                    count += v[2]
        key = (count, year, as_of)
        found = self._outcomes.get(key)
        if found is None:  # shared like AnnualTotal._memo: a count has few values
            found = self._outcomes[key] = self._outcome(count, year, as_of)
        return found

    def _outcome(self, count: float, year: int, as_of: dt.date) -> list[ComplianceOutcome]:
        deadline = self.rule.valid_to
        r = self.rule
        return [
            ComplianceOutcome(
                r.id,
                r.clause,
                r.title,
                float(self.min_count),
                count,
                TIMES,
                status_of(count >= self.min_count, as_of, deadline),
                deadline,
                year,
                self.what,
                "",
                r.consequences,
            )
        ]


def exam_code_of(source_ref: str) -> str:
    """The exam an entry links to: `exam:<code>:<anything>` → code ("" for any other ref)."""
    parts = source_ref.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == "exam" else ""


class ExamPassed(Kind):
    """A named exam passed in the year (ZZ-N3): a ledger entry of source type exam, result
    passed, linked to the exam explicitly by its source_ref `exam:<code>:<ref>` — written so
    by the exams app for a campaign's pass, and by any import or integration that records a
    pass (ADR 0019). The title is not read: a training whose name mentions the test does
    not pass it (issue #14 item 6)."""

    name = "exam_passed"
    needs_exams = True

    def evaluate(self, facts: Facts, year: int, as_of: dt.date) -> list[ComplianceOutcome]:
        code = str(self.params["exam"])
        passed = any(exam_code_of(ref) == code for ref, _title in facts.exams)
        r = self.rule
        return [
            ComplianceOutcome(
                r.id,
                r.clause,
                r.title,
                1.0,
                1.0 if passed else 0.0,
                TIMES,
                status_of(passed, as_of, dt.date(year, 12, 31)),
                dt.date(year, 12, 31),
                year,
                self.what or "考试",
                "",
                r.consequences,
            )
        ]


class CreditTotal(Kind):
    """A credit minimum (ZZ-M1 学分制): the study credits the set's `credits` table gives the
    entries of the year (span `year`, due 31 Dec) or of the rule's period up to the year
    (span `period`: reported in every year of it, due at its end)."""

    name = "credit_total"
    needs_credits = True

    def __init__(self, rule: RuleSpec, ruleset: RuleSetSpec) -> None:
        super().__init__(rule, ruleset)
        self.min_credits = float(self.params["min_credits"])
        self.per_period = self.params.get("span", "year") == "period"
        # §8 "Who owes a year": a yearly minimum pro-rates like an hours minimum
        self.pro_rated = ruleset.join_during_year == "pro_rated" and not self.per_period

    def ledger_years(self, year: int) -> tuple[int, int]:
        if self.per_period:
            return (self.rule.valid_from.year, min(year, self.rule.valid_to.year))
        return (year, year)

    def evaluate(self, facts: Facts, year: int, as_of: dt.date) -> list[ComplianceOutcome]:
        first, last = self.ledger_years(year)
        earned = round(sum(facts.credits.get(y, 0.0) for y in range(first, last + 1)), 2)
        deadline = self.rule.valid_to if self.per_period else dt.date(year, 12, 31)
        need = self.min_credits
        if self.pro_rated:
            need = round(need * pro_rata(year, facts.joined), 2)
        r = self.rule
        return [
            ComplianceOutcome(
                r.id,
                r.clause,
                r.title,
                need,
                earned,
                CREDITS,
                status_of(earned + EPS >= need, as_of, deadline),
                deadline,
                year,
                self.what,
                "",
                r.consequences,
            )
        ]


class UnitCount(Kind):
    """A unit must hold at least N classes of a subject a year (ZZ-T2(1)(2)(3)).

    Counted (§8 "Unit-level counts") as the number of distinct classes with hours in that
    subject that the node organised (主办) and held in the year, from the classes app.
    Evaluated per org node by the engine (Evaluator.unit_outcomes).
    """

    name = "unit_count"
    unit_level = True

    def __init__(self, rule: RuleSpec, ruleset: RuleSetSpec) -> None:
        super().__init__(rule, ruleset)
        self.subject = str(self.params["subject"])
        self.min_count = int(self.params["min_count"])
        self.org_kinds = frozenset(self.params.get("org_kinds", ("unit",)))
        if not self.what:
            self.what = DEFAULT_SUBJECTS.get(self.subject, self.subject) + "培训"

    def evaluate_unit(self, count: int, year: int, as_of: dt.date) -> ComplianceOutcome:
        r = self.rule
        deadline = dt.date(year, 12, 31)
        return ComplianceOutcome(
            r.id,
            r.clause,
            r.title,
            float(self.min_count),
            float(count),
            TIMES,
            status_of(count >= self.min_count, as_of, deadline),
            deadline,
            year,
            self.what,
            "",
            r.consequences,
        )

    def evaluate(self, facts: Facts, year: int, as_of: dt.date) -> list[ComplianceOutcome]:
        return []


# The explicit registry: kind name in a rule file → class.
KINDS: dict[str, type[Kind]] = {
    AnnualTotal.name: AnnualTotal,
    RollingTotal.name: RollingTotal,
    Triggered.name: Triggered,
    OnceInPeriod.name: OnceInPeriod,
    UnitCount.name: UnitCount,
    ExamPassed.name: ExamPassed,
    CreditTotal.name: CreditTotal,
}


def build_kinds(ruleset: RuleSetSpec) -> list[Kind]:
    return [KINDS[r.kind](r, ruleset) for r in ruleset.rules]
