"""Step 5: credit-ledger history in the years a shipped rule set governs each city, so every
set's pages show completed periods with real outcomes (issue #11 item 8).

重庆市 2016–2020 under `chongqing-13fyp`, 郑州市 2014–2016 under `zhengzhou-2014`, both from
2023 under `national-2023` (the bindings are `rules.BINDINGS`); the years no shipped set
governs (2017–2022 in 郑州, 2021–2022 in 重庆) have no history. Each year's training is
planned to what the governing set asks: CQ-G1 12 days or 90 h, CQ-T4b 24 h of law for
law-enforcement staff, CQ-T7 6 off-the-job days for 双基 staff, CQ-T2 professional ethics
once in the period; ZZ-G1 170 h and the ZZ-N3 year-end test; NAT-3 12 days of centralised
training and NAT-5 50 online hours. Initial training after hiring (CQ-T6a, NAT-1) and
appointment training after promotion (CQ-T6b, NAT-2) are written for most who owe them.

Most people meet their set. About three in ten are behind for one visible reason
(`Reason`), in most of the years: too few hours, too little online study, too little law,
a failed class or year-end test, or no initial / appointment training. The entries are
historical records (source `historical_import`), written through the ledger's bulk service,
which chains and audits them like any other entry.
"""

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from enum import StrEnum

from civtrain.catalogue.data import DeliveryMode, TrainingType
from civtrain.credits.api import EntryInput, SourceType, credit_entries_bulk_record
from civtrain.demo.geography import CITIES
from civtrain.demo.people import SHOWCASE_UNITS, PersonPlan
from civtrain.demo.rules import BINDINGS
from civtrain.demo.steps import DemoContext
from civtrain.people.data import EventKind, LeadershipLevel, Status

HOURS_PER_DAY = Decimal("7.5")  # the conversion of all three shipped sets (PR-2)
HALF = Decimal("0.5")
HALVES = ("上半年", "下半年")
ONLINE_SUBJECTS = ("theory", "ethics", "internet_gov", "governance", "economics", "culture")
YEAR_END_TEST = "year-end-test"  # the exam code zhengzhou-2014's ZZ-N3 rule names


class Reason(StrEnum):
    """Why a person falls behind (issue #11 item 8: behind for visible reasons)."""

    NONE = ""
    HOURS = "hours"  # too few hours or days (CQ-G1, ZZ-G1, NAT-3, CQ-T7)
    ONLINE = "online"  # too little online study (NAT-5; ZZ-G1 counts it too)
    LAW = "law"  # a law-enforcement officer short of law hours (CQ-T4b)
    FAILED = "failed"  # failed the year's class (CQ-M3) or year-end test (ZZ-N3, ZZ-M4)
    TRIGGERED = "triggered"  # no initial or appointment training (CQ-T6, NAT-1, NAT-2)


# How often each reason is drawn; the rest of the people meet their set.
REASON_WEIGHTS = {
    Reason.NONE: 70,
    Reason.HOURS: 8,
    Reason.ONLINE: 7,
    Reason.LAW: 5,
    Reason.FAILED: 4,
    Reason.TRIGGERED: 6,
}
# The demo HR units' staff, in order (their first is the overdue hire, people.SHOWCASE_HIRES):
# every reason appears there, with most people on track.
SHOWCASE_REASONS = (
    Reason.TRIGGERED, Reason.NONE, Reason.HOURS, Reason.NONE, Reason.ONLINE,
    Reason.LAW, Reason.NONE, Reason.FAILED, Reason.NONE, Reason.NONE,
)  # fmt: skip
BEHIND_IN_A_YEAR = 0.75  # a person with a reason is behind in most years, not all


def _round_half(value: float | Decimal) -> Decimal:
    return (Decimal(str(value)) / HALF).quantize(Decimal(1)) * HALF


def governed_years(city_code: str, as_of: dt.date) -> dict[int, str]:
    """Year → the shipped set governing the city that year (rules.BINDINGS), up to as_of."""
    years: dict[int, str] = {}
    for name, org_code, valid_from, valid_to in BINDINGS:
        if org_code != city_code:
            continue
        last = valid_to.year if valid_to else as_of.year
        for year in range(valid_from.year, min(last, as_of.year) + 1):
            years.setdefault(year, name)
    return dict(sorted(years.items()))


class _Writer:
    def __init__(self, rng: random.Random, as_of: dt.date) -> None:
        self.rng = rng
        self.as_of = as_of
        self.entries: list[EntryInput] = []
        self.years = {c.code: governed_years(c.code, as_of) for c in CITIES}

    def add(
        self,
        p: PersonPlan,
        key: str,
        title: str,
        end: dt.date,
        training_type: TrainingType,
        mode: DeliveryMode,
        *,
        days: Decimal | None = None,
        hours: Decimal | None = None,
        subjects: dict[str, Decimal] | None = None,
        result: str = "passed",
        source_type: SourceType = SourceType.HISTORICAL_IMPORT,
        source_ref: str = "",
    ) -> None:
        """Queue one entry, unless it would lie after `as_of` (not known yet)."""
        if end > self.as_of:
            return
        assert p.person_id is not None  # noqa: S101 - the people step set it
        start = end - dt.timedelta(days=max(int(days or 1) - 1, 0))
        self.entries.append(
            EntryInput(
                person_id=p.person_id,
                title=title,
                date=end,
                start_date=start,
                training_type=training_type,
                mode=mode,
                source_type=source_type,
                source_ref=source_ref or f"demo:{key}",
                hours=hours,
                days=days,
                subject_hours={k: v for k, v in (subjects or {}).items() if v > 0},
                result=result,
            )
        )

    def day_in(self, year: int, first: dt.date, last: dt.date) -> dt.date | None:
        low = max(first, dt.date(year, 1, 1))
        high = min(last, dt.date(year, 12, 31), self.as_of)
        if low > high:
            return None
        return low + dt.timedelta(days=self.rng.randint(0, (high - low).days))

    def person(self, p: PersonPlan, reason: Reason) -> None:
        retired = next((e.date for e in p.events if e.kind == EventKind.RETIREMENT), None)
        last_day = (retired - dt.timedelta(days=1)) if retired else self.as_of
        for year, ruleset in self.years[p.city_code].items():
            start = max(dt.date(year, 1, 1), p.reporting_date)
            end = min(dt.date(year, 12, 31), last_day)
            if start > end:
                continue
            behind = reason if self.rng.random() < BEHIND_IN_A_YEAR else Reason.NONE
            if reason != Reason.TRIGGERED:
                self.triggered(p, year, last_day)
            self.year(p, ruleset, year, start, end, behind)

    def triggered(self, p: PersonPlan, year: int, last_day: dt.date) -> None:
        """Initial training after hiring, appointment training after promotion (CQ-T6,
        NAT-1, NAT-2), for nine in ten of those who owe it; the rest have Reason.TRIGGERED
        or are among the one in ten."""
        rng = self.rng
        hired = p.reporting_date
        if hired.year == year and rng.random() < 0.9:
            end = hired + dt.timedelta(days=rng.randint(40, 300))
            days = Decimal(rng.choice((12, 13, 15)))
            law = Decimal(rng.choice((4, 4, 6, 8)))
            self.add(
                p, f"{year}-initial", f"{end.year}年新录用公务员初任培训班", min(end, last_day),
                TrainingType.INITIAL, DeliveryMode.OFF_THE_JOB, days=days,
                subjects={"law": law, "theory": Decimal(24), "ethics": Decimal(6)},
            )  # fmt: skip
        for e in p.events:
            if e.kind != EventKind.PROMOTED or e.date.year != year or rng.random() >= 0.9:
                continue
            division = e.leadership_level in (
                LeadershipLevel.DIVISION_CHIEF,
                LeadershipLevel.DIVISION_DEPUTY,
            )
            end = e.date + dt.timedelta(days=rng.randint(30, 300))
            days = Decimal(30 if division else 15)
            law = Decimal(rng.choice((4, 6, 8)))
            level = "县处级" if division else "乡科级"
            self.add(
                p, f"{e.date}-appointment", f"{end.year}年{level}领导干部任职培训班",
                min(end, last_day), TrainingType.APPOINTMENT, DeliveryMode.OFF_THE_JOB,
                days=days, subjects={"law": law, "governance": days * 2, "theory": days * 2},
            )  # fmt: skip

    def year(
        self, p: PersonPlan, ruleset: str, year: int, start: dt.date, end: dt.date, behind: Reason
    ) -> None:
        """One year's class, law study (Chongqing), online study and year-end test (郑州)."""
        rng = self.rng
        national, zhengzhou = ruleset == "national-2023", ruleset == "zhengzhou-2014"
        # NAT-3 asks 12 days of centralised training; the city sets fewer days, more hours.
        if behind == Reason.HOURS:
            days = rng.randint(4, 9) if national else rng.randint(2, 4)
        else:
            days = rng.randint(12, 14) if national else rng.randint(6, 8)
        class_hours = days * HOURS_PER_DAY
        # CQ-T2: professional ethics once in 2016–2020; those behind rarely take it.
        ethics = Decimal(4) if rng.random() < (0.2 if behind else 0.5) else Decimal(0)
        when = self.day_in(year, start, end)
        if when is not None:
            failed = behind == Reason.FAILED and not zhengzhou
            title = "基层公务员能力提升培训班" if p.grassroots else "公务员在职培训班"
            self.add(
                p, f"{year}-class", f"{year}年{title}", when, TrainingType.IN_SERVICE,
                DeliveryMode.OFF_THE_JOB, days=Decimal(days),
                subjects={"theory": Decimal(days * 2), "governance": Decimal(days * 2),
                          "writing": Decimal(days), "ethics": ethics},
                result="failed" if failed else "passed",
            )  # fmt: skip
        if p.law_enforcement and ruleset == "chongqing-13fyp":
            self.law(p, year, start, end, short=behind == Reason.LAW)
        self.online(p, year, start, end, self.online_hours(ruleset, class_hours, behind))
        if zhengzhou and dt.date(year, 12, 15) <= end:
            self.add(
                p, f"{year}-{YEAR_END_TEST}", f"{year}年年终网上学习效果测试",
                dt.date(year, 12, 15), TrainingType.IN_SERVICE, DeliveryMode.ONLINE,
                hours=Decimal(2), result="failed" if behind == Reason.FAILED else "passed",
                # The explicit link ZZ-N3's exam_passed reads (ADR 0019): exam:<code>:<ref>.
                source_type=SourceType.EXAM, source_ref=f"exam:{YEAR_END_TEST}:demo-{year}",
            )  # fmt: skip

    def online_hours(self, ruleset: str, class_hours: Decimal, behind: Reason) -> Decimal:
        """The year's online hours: NAT-5's 50 on their own; in the cities' sets, what the
        class leaves of the year's total (CQ-G1 90 h, ZZ-G1 170 h with the 2 h test)."""
        u = self.rng.uniform
        short = behind in (Reason.ONLINE, Reason.HOURS, Reason.LAW)
        if ruleset == "national-2023":
            return _round_half(u(12, 40) if behind == Reason.ONLINE else u(52, 70))
        total = Decimal(90) if ruleset == "chongqing-13fyp" else Decimal(168)
        if short:
            return _round_half(max(u(5, 25), float(total - class_hours) * u(0.1, 0.5)))
        return _round_half(max(total - class_hours, Decimal(0)) + Decimal(str(u(4, 24))))

    def law(self, p: PersonPlan, year: int, start: dt.date, end: dt.date, short: bool) -> None:
        """CQ-T4b: law-enforcement staff owe ≥ 24 h of law a year: a 2-day class and the rest
        online (the online hours are on top of the year's other study)."""
        law = _round_half(self.rng.uniform(4, 18) if short else self.rng.uniform(24, 32))
        in_class = min(law, Decimal(15))
        when = self.day_in(year, start, end)
        if when is not None:
            self.add(
                p, f"{year}-law-class", f"{year}年行政执法人员法治专题培训",
                when, TrainingType.SPECIALISED, DeliveryMode.OFF_THE_JOB,
                days=Decimal(2), subjects={"law": in_class},
            )  # fmt: skip
        rest = law - in_class
        when = self.day_in(year, start, end)
        if rest > 0 and when is not None:
            self.add(
                p, f"{year}-law-online", f"{year}年行政执法网络法治课程", when,
                TrainingType.SPECIALISED, DeliveryMode.ONLINE, hours=rest,
                subjects={"law": rest},
            )  # fmt: skip

    def online(
        self, p: PersonPlan, year: int, start: dt.date, end: dt.date, hours: Decimal
    ) -> None:
        """The year's online study in two entries, one a half-year (ZZ-N2's 通报 periods)."""
        halves = [
            h for h in range(2) if dt.date(year, 6 * h + 1, 1) <= end and start.month <= 6 * h + 6
        ]
        if hours <= 0 or not halves:
            return
        each = _round_half(hours / len(halves))
        for h in halves:
            last = dt.date(year, 6 * h + 6, 28)
            subject = self.rng.choice(ONLINE_SUBJECTS)
            self.add(
                p, f"{year}-online-{h + 1}", f"{year}年网络学院{HALVES[h]}在线学习",
                min(max(last, start), end), TrainingType.IN_SERVICE, DeliveryMode.ONLINE,
                hours=max(each, HALF), subjects={subject: _round_half(each / 2)},
            )  # fmt: skip


def reasons(rng: random.Random, persons: list[PersonPlan]) -> Iterator[tuple[PersonPlan, Reason]]:
    """Each person with the reason they fall behind (Reason.NONE: on track). The demo HR
    units' staff take SHOWCASE_REASONS in turn; a reason that does not fit the person (law
    hours for someone who is not a law-enforcement officer) becomes too few hours."""
    showcase = {code: 0 for code in SHOWCASE_UNITS.values()}
    choices, weights = list(REASON_WEIGHTS), list(REASON_WEIGHTS.values())
    for p in persons:
        home = next((c for c in showcase if p.unit_code.startswith(c)), None)
        if home is not None:
            reason = SHOWCASE_REASONS[showcase[home] % len(SHOWCASE_REASONS)]
            showcase[home] += 1
        else:
            reason = rng.choices(choices, weights)[0]
        if reason == Reason.LAW and not p.law_enforcement:
            reason = Reason.HOURS
        yield p, reason


def plan_entries(rng: random.Random, persons: list[PersonPlan], as_of: dt.date) -> list[EntryInput]:
    writer = _Writer(rng, as_of)
    for p, reason in reasons(rng, persons):
        if p.status in (Status.ACTIVE, Status.RETIRED):
            writer.person(p, reason)
    return writer.entries


def run(ctx: DemoContext) -> str:
    entries = plan_entries(ctx.rng("ledger"), ctx.persons, ctx.as_of)
    created = 0
    for city in CITIES:
        ids = {p.person_id for p in ctx.persons if p.city_code == city.code}
        mine = [e for e in entries if e.person_id in ids]
        result = credit_entries_bulk_record(actor=ctx.actors[city.code], entries=mine)
        if result.failed:
            first = next(i for i in result.items if i.status == "error")
            raise RuntimeError(f"demo ledger entry rejected: {first}")
        created += result.created
    spans = "；".join(f"{c.name} {_spans(governed_years(c.code, ctx.as_of))}" for c in CITIES)
    return f"{created} 条学时记录（{spans}：规则集适用的年份）"


def _spans(years: dict[int, str]) -> str:
    """ "2016–2020、2023–2026": the years as runs of consecutive years."""
    runs: list[list[int]] = []
    for year in years:
        if runs and runs[-1][-1] == year - 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return "、".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
