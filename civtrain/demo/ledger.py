"""Step 5: three years of credit-ledger history, so compliance and dashboards have data.

Most people meet their city's quota (Chongqing ≥ 90 h, CQ-G1; Zhengzhou ≥ 170 h, ZZ-G1);
about one in three falls short, some far short. Off-the-job classes for 双基 staff
(CQ-T7), law hours for law-enforcement staff (CQ-T4b), initial training after hiring
(CQ-T6a) and appointment training after promotion (CQ-T6b, with ≥ 4 h law, CQ-T4a) are
written for most of those who owe them — not all, so every rule has people who miss it.
The entries are historical records (source `historical_import`), written through the
ledger's bulk service, which chains and audits them like any other entry.
"""

import datetime as dt
import random
from decimal import Decimal

from civtrain.catalogue.data import DeliveryMode, TrainingType
from civtrain.credits.api import EntryInput, SourceType, credit_entries_bulk_record
from civtrain.demo.geography import CHONGQING, CITIES
from civtrain.demo.people import PersonPlan
from civtrain.demo.steps import DemoContext
from civtrain.people.data import EventKind, LeadershipLevel, Status

YEARS = 3
ANNUAL_QUOTA = {CHONGQING.code: Decimal(90), CITIES[1].code: Decimal(170)}
HOURS_PER_DAY = Decimal("7.5")
HALF = Decimal("0.5")
QUARTERS = ("第一季度", "第二季度", "第三季度", "第四季度")
ONLINE_SUBJECTS = ("theory", "ethics", "internet_gov", "governance", "economics", "culture")


def _round_half(value: float | Decimal) -> Decimal:
    return (Decimal(str(value)) / HALF).quantize(Decimal(1)) * HALF


class _Writer:
    def __init__(self, rng: random.Random, as_of: dt.date) -> None:
        self.rng = rng
        self.as_of = as_of
        self.entries: list[EntryInput] = []

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
    ) -> Decimal:
        """Queue one entry; returns its hours (0 when it would lie after `as_of`)."""
        if end > self.as_of:
            return Decimal(0)
        assert p.person_id is not None  # noqa: S101 - the people step set it
        total = hours if hours is not None else (days or Decimal(0)) * HOURS_PER_DAY
        start = end - dt.timedelta(days=max(int(days or 1) - 1, 0))
        self.entries.append(
            EntryInput(
                person_id=p.person_id,
                title=title,
                date=end,
                start_date=start,
                training_type=training_type,
                mode=mode,
                source_type=SourceType.HISTORICAL_IMPORT,
                source_ref=f"demo:{key}",
                hours=hours,
                days=days,
                subject_hours={k: v for k, v in (subjects or {}).items() if v > 0},
                result="passed",
            )
        )
        return total

    def day_in(self, year: int, first: dt.date, last: dt.date) -> dt.date | None:
        low = max(first, dt.date(year, 1, 1))
        high = min(last, dt.date(year, 12, 31), self.as_of)
        if low > high:
            return None
        return low + dt.timedelta(days=self.rng.randint(0, (high - low).days))

    def person(self, p: PersonPlan) -> None:
        rng = self.rng
        retired = next((e.date for e in p.events if e.kind == EventKind.RETIREMENT), None)
        last_day = (retired - dt.timedelta(days=1)) if retired else self.as_of
        # How keen this person is: most meet the quota, a third fall short.
        r = rng.random()
        keenness = rng.uniform(1.02, 1.4) if r < 0.68 else rng.uniform(0.1, 0.95)
        for year in range(self.as_of.year - YEARS + 1, self.as_of.year + 1):
            start = max(dt.date(year, 1, 1), p.reporting_date)
            end = min(dt.date(year, 12, 31), last_day)
            if start > end:
                continue
            share = Decimal((end - start).days + 1) / Decimal(365)
            target = ANNUAL_QUOTA[p.city_code] * min(share, Decimal(1)) * Decimal(str(keenness))
            done = self.triggered(p, year, last_day)
            done += self.classes(p, year, start, end, keenness)
            done += self.online(p, year, start, end, target - done)

    def triggered(self, p: PersonPlan, year: int, last_day: dt.date) -> Decimal:
        """Initial training after hiring, appointment training after promotion (CQ-T6)."""
        rng, done = self.rng, Decimal(0)
        hired = p.reporting_date
        if hired.year == year and rng.random() < 0.7:
            end = hired + dt.timedelta(days=rng.randint(40, 300))
            days = Decimal(rng.choice((12, 13, 15)))
            law = Decimal(rng.choice((4, 4, 6, 8))) if rng.random() < 0.85 else Decimal(2)
            done += self.add(
                p, f"{year}-initial", f"{year}年新录用公务员初任培训班", min(end, last_day),
                TrainingType.INITIAL, DeliveryMode.OFF_THE_JOB, days=days,
                subjects={"law": law, "theory": Decimal(24), "ethics": Decimal(6)},
            )  # fmt: skip
        for e in p.events:
            if e.kind != EventKind.PROMOTED or e.date.year != year or rng.random() >= 0.65:
                continue
            division = e.leadership_level in (
                LeadershipLevel.DIVISION_CHIEF,
                LeadershipLevel.DIVISION_DEPUTY,
            )
            end = e.date + dt.timedelta(days=rng.randint(30, 330))
            needed = 30 if division else 15
            days = Decimal(needed if rng.random() < 0.85 else needed - 5)
            law = Decimal(rng.choice((4, 6, 8))) if rng.random() < 0.85 else Decimal(2)
            level = "县处级" if division else "乡科级"
            done += self.add(
                p, f"{e.date}-appointment", f"{end.year}年{level}领导干部任职培训班",
                min(end, last_day), TrainingType.APPOINTMENT, DeliveryMode.OFF_THE_JOB,
                days=days, subjects={"law": law, "governance": days * 2, "theory": days * 2},
            )  # fmt: skip
        return done

    def classes(
        self, p: PersonPlan, year: int, start: dt.date, end: dt.date, keenness: float
    ) -> Decimal:
        rng, done = self.rng, Decimal(0)
        # 双基 staff owe ≥ 6 days off-the-job a year (CQ-T7); others go now and then.
        if (p.grassroots or p.basic_post) or rng.random() < 0.5:
            days = Decimal(rng.randint(6, 8) if keenness >= 1 else rng.randint(2, 5))
            when = self.day_in(year, start, end)
            if when is not None:
                title = "基层公务员能力提升培训班" if p.grassroots else "公务员在职培训班"
                done += self.add(
                    p, f"{year}-class", f"{year}年{title}", when, TrainingType.IN_SERVICE,
                    DeliveryMode.OFF_THE_JOB, days=days,
                    subjects={"theory": days * 2, "governance": days * 2, "writing": days},
                )  # fmt: skip
        # Law-enforcement staff owe ≥ 24 h of law a year (CQ-T4b).
        if p.law_enforcement:
            law = _round_half(rng.uniform(24, 32) if keenness >= 1 else rng.uniform(4, 20))
            in_class = min(law, Decimal(15))
            when = self.day_in(year, start, end)
            if when is not None:
                done += self.add(
                    p, f"{year}-law-class", f"{year}年行政执法人员法治专题培训",
                    when, TrainingType.SPECIALISED, DeliveryMode.OFF_THE_JOB,
                    days=Decimal(2), subjects={"law": in_class},
                )  # fmt: skip
            rest = law - in_class
            when = self.day_in(year, start, end)
            if rest > 0 and when is not None:
                done += self.add(
                    p, f"{year}-law-online", f"{year}年行政执法网络法治课程", when,
                    TrainingType.SPECIALISED, DeliveryMode.ONLINE, hours=rest,
                    subjects={"law": rest},
                )  # fmt: skip
        return done

    def online(
        self, p: PersonPlan, year: int, start: dt.date, end: dt.date, rest: Decimal
    ) -> Decimal:
        """The rest of the year's hours as quarterly online study, one entry a quarter."""
        quarters = [
            q for q in range(4) if dt.date(year, 3 * q + 1, 1) <= end and start.month <= 3 * q + 3
        ]
        if rest <= 0 or not quarters:
            return Decimal(0)
        done = Decimal(0)
        each = _round_half(rest / len(quarters))
        for q in quarters:
            last = dt.date(year, 3 * q + 3, 28)
            hours = max(each + _round_half(self.rng.uniform(-3, 3)), Decimal(1))
            subject = self.rng.choice(ONLINE_SUBJECTS)
            done += self.add(
                p, f"{year}-online-{q + 1}", f"{year}年网络学院{QUARTERS[q]}在线学习",
                min(max(last, start), end), TrainingType.IN_SERVICE, DeliveryMode.ONLINE,
                hours=hours, subjects={subject: _round_half(hours / 2)},
            )  # fmt: skip
        return done


def plan_entries(rng: random.Random, persons: list[PersonPlan], as_of: dt.date) -> list[EntryInput]:
    writer = _Writer(rng, as_of)
    for p in persons:
        if p.status == Status.ACTIVE or p.status == Status.RETIRED:
            writer.person(p)
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
    return f"{created} 条学时记录（近 {YEARS} 年）"
