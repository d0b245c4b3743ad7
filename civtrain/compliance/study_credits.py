"""学分 (ZZ-M1 学分制): the study credits a rule set's `credits` table gives ledger entries.

Pure functions over numbers the engine has already read: no database, no clock. Study
credits are not the credit ledger's hours (学时): a set that runs a credit system says how
many credits an entry earns by its training type, delivery mode and result, and the ledger
keeps only what was recorded. A set without a `credits` section has no credit system.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from civtrain.compliance.data import CreditSummary

# A ledger entry's result as the table names it: the ledger stores "" for "no assessment
# recorded" (credits.data.Result.NONE); a file says `none`, which reads better than "".
RESULT_NAMES = {"passed": "passed", "failed": "failed", "none": ""}


@dataclass(frozen=True)
class CreditRate:
    """One row of the table: which entries it covers (an empty set: any) and what they
    earn — per 学时, per day and per entry, added up."""

    types: frozenset[str] = frozenset()
    modes: frozenset[str] = frozenset()
    results: frozenset[str] = frozenset()  # ledger values: "passed", "failed", ""
    per_hour: float = 0.0
    per_day: float = 0.0
    per_entry: float = 0.0

    def covers(self, training_type: str, mode: str, result: str) -> bool:
        return (
            (not self.types or training_type in self.types)
            and (not self.modes or mode in self.modes)
            and (not self.results or result in self.results)
        )


@dataclass(frozen=True)
class CreditSystem:
    """A set's 学分制: the rates, first match wins; an entry no rate covers earns none."""

    clause: str
    rates: tuple[CreditRate, ...]

    def rate_for(self, training_type: str, mode: str, result: str) -> CreditRate | None:
        return next((r for r in self.rates if r.covers(training_type, mode, result)), None)


def section_problems(section: Mapping[str, Any], types: set[str], modes: set[str]) -> list[str]:
    """What the schema cannot say about a `credits` section, each naming its place."""
    problems: list[str] = []
    for i, rate in enumerate(section.get("rates", ())):
        where = f"credits/rates/{i}"
        if not any(k in rate for k in ("per_hour", "per_day", "per_entry")):
            problems.append(
                f"{where}：须给出 per_hour、per_day 或 per_entry（每学时、每天或每条记录的学分），"
                "不计学分的写 per_hour: 0"
            )
        problems += [
            f"{where}：未知培训类型“{t}”，可用：{'、'.join(sorted(types))}"
            for t in rate.get("types", ())
            if t not in types
        ]
        problems += [
            f"{where}：未知培训方式“{m}”，可用：{'、'.join(sorted(modes))}"
            for m in rate.get("modes", ())
            if m not in modes
        ]
    return problems


def entry_credits(
    system: CreditSystem,
    training_type: str,
    mode: str,
    result: str,
    hours: float,
    days: float,
    count: float = 1.0,
) -> float:
    """Credits of `count` entries of one type, mode and result with these hours and days
    in all. Linear in its amounts, so a reversal (negated hours and days, count −1, same
    type, mode and result) takes back exactly what its entry earned (§8 "Corrections")."""
    rate = system.rate_for(training_type, mode, result)
    if rate is None:
        return 0.0
    return rate.per_hour * hours + rate.per_day * days + rate.per_entry * count


# A person's ledger sums for one (year, type, mode, result): recorded hours, recorded days,
# the days of the entries that recorded no hours, the hours of those that recorded no days,
# and the signed count (a reversal −1).
CreditRow = tuple[int, str, str, str, float, float, float, float, float]


def credits_by_year(
    system: CreditSystem, rows: Iterable[CreditRow], hours_per_day: float
) -> dict[int, float]:
    """Credits per year, rounded to 0.01. An entry's hours and days are what it recorded,
    the missing one converted with the evaluating set's 学时-per-day (§8 "Hours and days
    are converted when a rule is evaluated", PR-2)."""
    out: dict[int, float] = {}
    for year, training_type, mode, result, hours, days, days_only, hours_only, count in rows:
        got = entry_credits(
            system,
            training_type,
            mode,
            result,
            hours + days_only * hours_per_day,
            days + hours_only / hours_per_day,
            count,
        )
        out[year] = out.get(year, 0.0) + got
    return {year: round(value, 2) + 0.0 for year, value in out.items()}


def summary(system: CreditSystem, earned: Mapping[int, float], year: int) -> CreditSummary:
    """What the page and the JSON show beside the hours: the credits of the year."""
    return CreditSummary(clause=system.clause, year=year, earned=earned.get(year, 0.0))
