"""Step 3: civil servants with career histories (CQ-T6, CQ-T7, CQ-T4b), written in bulk.

`plan_people` is pure (seeded randomness in, plans out) so tests can check the rules of
the generator without a database; `run` writes the plans through the registry's services.
"""

import datetime as dt
import random
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import accumulate

from civtrain.demo.geography import (
    CHONGQING,
    CITIES,
    ZHENGZHOU,
    City,
    Tier,
    UnitInfo,
    UnitTag,
    units_of,
)
from civtrain.demo.names import person_name
from civtrain.demo.steps import DemoContext
from civtrain.people.api import (
    career_event_bulk_record,
    person_bulk_upsert,
    person_ids_by_id_number,
)
from civtrain.people.data import (
    RANKS,
    CareerEventInput,
    Category,
    EventKind,
    Gender,
    LeadershipLevel,
    PersonInput,
    Status,
    id_check_digit,
)

# The units of the demo HR officers (`cq_unit_hr`, `zz_unit_hr` in accounts.STAFF): 渝中区司法局
# and 金水区人力社保局 get dozens of people, so the HR pages show a realistic mix.
SHOWCASE_UNITS = {CHONGQING.code: "500103003", ZHENGZHOU.code: "410105001"}


class Hire(StrEnum):
    OVERDUE = "overdue"  # hired 13–17 months ago: the initial-training deadline has passed
    RECENT = "recent"  # hired 1–7 months ago: the deadline is ahead


HIRE_DAYS_AGO = {Hire.OVERDUE: (400, 520), Hire.RECENT: (30, 200)}
SHOWCASE_HIRES = {0: Hire.OVERDUE, 1: Hire.RECENT}  # by position among a unit's showcase staff

# Rank ladders, lowest first (综合管理类 / 行政执法类 / 专业技术类, 2019 职级 rules).
LADDERS: dict[Category, tuple[str, ...]] = {
    Category.GENERAL: (
        "二级科员", "一级科员", "四级主任科员", "三级主任科员", "二级主任科员",
        "一级主任科员", "四级调研员", "三级调研员", "二级调研员", "一级调研员",
    ),
    Category.LAW_ENFORCEMENT: (
        "二级行政执法员", "一级行政执法员", "四级主办", "三级主办", "二级主办", "一级主办",
        "四级高级主办", "三级高级主办", "二级高级主办", "一级高级主办", "督办",
    ),
    Category.PROFESSIONAL: (
        "专业技术员", "四级主管", "三级主管", "二级主管", "一级主管",
        "四级高级主管", "三级高级主管", "二级高级主管", "一级高级主管",
    ),
}  # fmt: skip
# Years a person must hold ladder step i before step i + 1: the 1-year probation, then
# 3 years as 一级科员 (or equivalent), then 2 years in each rank.
MIN_YEARS = (1, 3, 2, 2, 2, 2, 2, 2, 2, 2)
# The highest rank (as its 综合管理类 equivalent, NAT-7) a unit of each tier offers.
RANK_CAP = {Tier.CITY: 4, Tier.DISTRICT: 6, Tier.TOWNSHIP: 7}
RETIREMENT_AGE = {Gender.MALE: 60, Gender.FEMALE: 55}
LEVELS_UP = (
    LeadershipLevel.SECTION_DEPUTY,
    LeadershipLevel.SECTION_CHIEF,
    LeadershipLevel.DIVISION_DEPUTY,
    LeadershipLevel.DIVISION_CHIEF,
)


def min_years_to_reach(category: Category, rank: str) -> int:
    """Fewest years of service after which a person of `category` can hold `rank`."""
    return sum(MIN_YEARS[: LADDERS[category].index(rank)])


@dataclass
class EventPlan:
    kind: EventKind
    date: dt.date
    leadership_level: LeadershipLevel | None = None
    rank: str = ""
    unit_code: str | None = None


@dataclass
class PersonPlan:
    name: str
    id_number: str
    gender: Gender
    birth_date: dt.date
    phone: str
    city_code: str
    unit_code: str  # where the person works now (a unit or one of its departments)
    category: Category
    rank: str
    leadership_level: LeadershipLevel | None
    grassroots: bool
    basic_post: bool
    law_enforcement: bool
    reporting_date: dt.date
    status: Status
    events: list[EventPlan] = field(default_factory=list)
    person_id: int | None = None


def add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def add_months(d: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after `d`'s month (rank changes start a month)."""
    index = d.year * 12 + d.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _days(rng: random.Random, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(days=rng.randint(low, high))


class _Planner:
    def __init__(self, rng: random.Random, as_of: dt.date) -> None:
        self.rng = rng
        self.as_of = as_of
        self.used_ids: set[str] = set()
        self.units: dict[str, list[UnitInfo]] = {c.code: units_of(c) for c in CITIES}
        self.cum_weights = {
            code: list(accumulate(u.weight for u in units)) for code, units in self.units.items()
        }

    def pick_unit(self, city: City, like: UnitInfo | None = None) -> UnitInfo:
        units = self.units[city.code]
        while True:
            unit = self.rng.choices(units, cum_weights=self.cum_weights[city.code])[0]
            # A transfer stays within the same line of work (police to police, etc.).
            if like is None or (unit.tag == like.tag and unit.code != like.code):
                return unit

    def placement(self, unit: UnitInfo) -> str:
        """Half the staff of a bureau with divisions sit in one of them."""
        if unit.departments and self.rng.random() < 0.5:
            return self.rng.choice(unit.departments)
        return unit.code

    def id_number(self, city: City, unit: UnitInfo, birth: dt.date, gender: Gender) -> str:
        rng = self.rng
        home = unit.district if unit.district and rng.random() < 0.7 else None
        region = (home or rng.choice(city.districts)).code
        while True:
            # GB 11643: the 17th digit is odd for men, even for women.
            serial = rng.randint(0, 499) * 2 + (1 if gender == Gender.MALE else 0)
            first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
            number = first17 + id_check_digit(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def category_and_flag(self, unit: UnitInfo) -> tuple[Category, bool]:
        r = self.rng.random()
        if unit.tag == UnitTag.ENFORCEMENT:
            if r < 0.75:
                return Category.LAW_ENFORCEMENT, True
            return Category.GENERAL, r < 0.85
        if unit.tag == UnitTag.INSPECTION:
            return Category.GENERAL, r < 0.45
        if unit.tag == UnitTag.PROFESSIONAL and r < 0.35:
            return Category.PROFESSIONAL, False
        return Category.GENERAL, False

    def ranks(
        self, ladder: tuple[str, ...], hired: dt.date, until: dt.date, cap: int
    ) -> list[tuple[dt.date, str]]:
        """(date, rank) from hiring on: the probation year, then promotions with waits."""
        rng = self.rng
        history = [(hired, ladder[0])]
        pace = rng.uniform(1.0, 4.0)  # mean extra years per step: fast and slow careers
        for i in range(1, len(ladder)):
            if RANKS[ladder[i]].equivalent < cap:
                break
            last = history[-1][0]
            if i == 1:
                when = add_years(last, 1)
            else:
                if rng.random() < 0.05 * i:  # careers plateau, more often higher up
                    break
                extra = int(rng.expovariate(1 / pace) * 12)
                when = add_months(last, MIN_YEARS[i - 1] * 12 + extra)
            if when > until:
                break
            history.append((when, ladder[i]))
        return history

    def promotions(
        self, person_age: int, rank: str, unit: UnitInfo, hired: dt.date, until: dt.date
    ) -> list[tuple[dt.date, LeadershipLevel]]:
        """Leadership posts held, ~15 % of people: mostly 乡科级副职, a few 县处级 (CQ-T6)."""
        rng = self.rng
        equivalent = RANKS[rank].equivalent
        if person_age < 28 or add_years(hired, 5) > until:
            return []
        r = rng.random()
        if unit.tier == Tier.CITY and equivalent <= 7 and person_age >= 38:
            shares = (0.20, 0.24, 0.14, 0.06)
        elif equivalent <= 8:
            shares = (0.24, 0.14, 0.0, 0.0)
        elif equivalent <= 10:
            shares = (0.10, 0.02, 0.0, 0.0)
        else:
            return []
        top = 0
        for i, cumulative in enumerate(accumulate(shares), start=1):
            if r < cumulative:
                top = i
                break
        if top == 0:
            return []
        # Work backwards from the latest promotion; a third of them are recent, so the
        # appointment-training rules (凡提必训, CQ-T6b) have people to apply to.
        if rng.random() < 0.33:
            latest = until - _days(rng, 20, 700)
        else:
            latest = until - _days(rng, 730, 3650)
        while top > 0:
            dates = [latest]
            for _ in range(top - 1):
                dates.append(add_months(dates[-1], -rng.randint(24, 60)))
            if dates[-1] >= add_years(hired, 5):
                return list(zip(reversed(dates), LEVELS_UP[:top], strict=True))
            top -= 1
        return []

    def unit_by_code(self, city: City, code: str) -> UnitInfo:
        return next(u for u in self.units[city.code] if u.code == code)

    def person(
        self, city: City, unit: UnitInfo | None = None, hire: Hire | None = None
    ) -> PersonPlan:
        """One civil servant of `city`, in `unit` if given (else a weighted pick); `hire`
        forces a recent hiring (the demo HR units' initial-training cases, CQ-T6a, NAT-1)."""
        rng, as_of = self.rng, self.as_of
        unit = unit or self.pick_unit(city)
        gender = Gender.FEMALE if rng.random() < 0.42 else Gender.MALE
        category, law_enforcement = self.category_and_flag(unit)
        retire_age = RETIREMENT_AGE[gender]
        retired_on: dt.date | None = None
        hire_age = rng.choices((22, 23, 24, 25, 26, 27, 28, 30), (25, 25, 15, 15, 8, 5, 4, 3))[0]
        roll = rng.random()
        if hire is not None:
            low, high = HIRE_DAYS_AGO[hire]
            hired = as_of - _days(rng, low, high)
            birth = add_years(hired, -hire_age) - _days(rng, 1, 364)
        elif roll < 0.015:  # retired in the last three years, on the 1st after the birthday
            retired_on = add_months(as_of - _days(rng, 0, 1095), 0)
            birth = add_years(add_months(retired_on, -1), -retire_age) + _days(rng, 0, 27)
            hired = add_years(birth, hire_age) + _days(rng, 0, 364)
        elif roll < 0.065:  # hired in the last year: initial training is due (CQ-T6a)
            hired = as_of - _days(rng, 10, 360)
            birth = add_years(hired, -hire_age) - _days(rng, 1, 364)
        else:
            age = int(rng.triangular(hire_age + 2, retire_age - 1, 40))
            birth = add_years(as_of, -age) - _days(rng, 1, 364)
            latest_hire = as_of - _days(rng, 400, 700)  # the recent hires are the branch above
            hired = min(add_years(birth, hire_age) + _days(rng, 0, 364), latest_hire)
        until = (retired_on - dt.timedelta(days=1)) if retired_on else as_of
        age_then = until.year - birth.year - ((until.month, until.day) < (birth.month, birth.day))

        start_unit = unit
        transfer_on: dt.date | None = None
        if retired_on is None and add_years(hired, 4) < as_of and rng.random() < 0.06:
            start_unit = self.pick_unit(city, like=unit)
            span = (as_of - add_years(hired, 2)).days
            transfer_on = add_years(hired, 2) + _days(rng, 0, span - 30)
        final_code = self.placement(unit)
        start_code = self.placement(start_unit) if transfer_on else final_code

        ranks = self.ranks(LADDERS[category], hired, until, RANK_CAP[unit.tier])
        rank = ranks[-1][1]
        promotions = self.promotions(age_then, rank, unit, hired, until)
        level = promotions[-1][1] if promotions else None

        events = [EventPlan(EventKind.HIRED, hired, rank=ranks[0][1], unit_code=start_code)]
        events += [EventPlan(EventKind.RANK_CHANGE, d, rank=r) for d, r in ranks[1:]]
        events += [EventPlan(EventKind.PROMOTED, d, leadership_level=lv) for d, lv in promotions]
        if transfer_on is not None:
            events.append(EventPlan(EventKind.TRANSFER, transfer_on, unit_code=final_code))
        if retired_on is not None:
            events.append(EventPlan(EventKind.RETIREMENT, retired_on))
        events.sort(key=lambda e: e.date)
        grassroots = unit.tier == Tier.TOWNSHIP
        return PersonPlan(
            name=person_name(rng, female=gender == Gender.FEMALE),
            id_number=self.id_number(city, unit, birth, gender),
            gender=gender,
            birth_date=birth,
            phone=f"1{rng.choice('35789')}{rng.randint(0, 999_999_999):09d}",
            city_code=city.code,
            unit_code=final_code,
            category=category,
            rank=rank,
            leadership_level=level,
            grassroots=grassroots,
            # 机关基础岗位 (CQ-T7): non-leading staff up to 三级主任科员 in a bureau.
            basic_post=not grassroots and level is None and LADDERS[category].index(rank) <= 3,
            law_enforcement=law_enforcement,
            reporting_date=hired,
            status=Status.RETIRED if retired_on else Status.ACTIVE,
            events=events,
        )


def showcase_size(count: int) -> int:
    """People placed in each demo HR officer's unit: dozens in the 2,000-person demo (40), and
    enough in a small one (10 of 60) for the HR pages and journeys to show a mix."""
    return min(max(10, count // 50), count // 4)


def plan_people(rng: random.Random, count: int, as_of: dt.date) -> list[PersonPlan]:
    """`count` people, deterministic for a given generator: first the staff of the two demo
    HR units (`SHOWCASE_UNITS`, the first of each a hire whose initial-training deadline has
    passed, the second a hire whose deadline is still ahead), then the rest, three in five in
    Chongqing."""
    planner = _Planner(rng, as_of)
    plans = []
    for i in range(showcase_size(count)):
        for city in CITIES:
            unit = planner.unit_by_code(city, SHOWCASE_UNITS[city.code])
            plans.append(planner.person(city, unit, hire=SHOWCASE_HIRES.get(i)))
    while len(plans) < count:
        plans.append(planner.person(CITIES[0] if rng.random() < 0.6 else CITIES[1]))
    return plans


def run(ctx: DemoContext) -> str:
    plans = plan_people(ctx.rng("people"), ctx.people, ctx.as_of)
    events = 0
    for city in CITIES:
        mine = [p for p in plans if p.city_code == city.code]
        actor = ctx.actors[city.code]
        person_bulk_upsert(
            actor=actor,
            rows=[
                PersonInput(
                    name=p.name,
                    id_number=p.id_number,
                    gender=p.gender,
                    unit_id=ctx.orgs[p.unit_code].id,
                    birth_date=p.birth_date,
                    category=p.category,
                    rank=p.rank,
                    leadership_level=p.leadership_level,
                    grassroots=p.grassroots,
                    basic_post=p.basic_post,
                    law_enforcement=p.law_enforcement,
                    reporting_date=p.reporting_date,
                    phone=p.phone,
                )
                for p in mine
            ],
        )
        ids = person_ids_by_id_number(p.id_number for p in mine)
        for p in mine:
            p.person_id = ids[p.id_number]
        events += career_event_bulk_record(
            actor=actor,
            events=[
                CareerEventInput(
                    person_id=ids[p.id_number],
                    kind=e.kind,
                    date=e.date,
                    leadership_level=e.leadership_level,
                    rank=e.rank,
                    unit_id=ctx.orgs[e.unit_code].id if e.unit_code else None,
                )
                for p in mine
                for e in p.events
            ],
        )
    ctx.persons = plans
    leaders = sum(1 for p in plans if p.leadership_level)
    return f"{len(plans)} 名公务员（其中领导职务 {leaders} 名），{events} 条履历事件"
