"""Issue 8 item 3: the visible fields of every demo person admit many candidate ID numbers.

The old mask (first four, last four) beside the clear birth date left, for every demo
person, one candidate number. Now pages and the API show the province (two digits), the
birth year and the gender (civtrain/people/tests/test_masking.py checks that this is all
they show): the candidates are counted over the demo's own region codes (an attacker who
knows them), every day of the birth year and every serial of the gender. ADR 0003.
"""

import datetime as dt
import functools
import random
from collections.abc import Iterable
from typing import Any

from civtrain.demo.geography import CITIES
from civtrain.demo.people import plan_people
from civtrain.people.data import Gender, id_check_digit, mask_id_number

REGIONS = sorted({d.code for city in CITIES for d in city.districts})


@functools.cache
def _year(year: int) -> tuple[dt.date, ...]:
    first = dt.date(year, 1, 1)
    return tuple(first + dt.timedelta(d) for d in range((dt.date(year + 1, 1, 1) - first).days))


@functools.cache
def _serials(gender: Gender) -> tuple[str, ...]:
    # GB 11643: the 17th digit is odd for men, even for women.
    return tuple(f"{s:03d}" for s in range(1 if gender == Gender.MALE else 0, 1000, 2))


def candidates(
    masked: str,
    gender: Gender,
    *,
    year: int,
    date: dt.date | None = None,
    regions: Iterable[str] = REGIONS,
) -> int:
    """How many valid numbers agree with a masked number, a birth year (or a full date when
    one is shown) and a gender, over the demo's region codes."""

    def shown(value: str, start: int) -> bool:
        return all(m in ("*", c) for m, c in zip(masked[start:], value, strict=False))

    days = [date] if date else _year(year)
    if masked[6:14] != "*" * 8:
        days = tuple(d for d in days if shown(f"{d:%Y%m%d}", 6))
    serials = _serials(gender)
    if masked[14:17] != "***":
        serials = tuple(s for s in serials if shown(s, 14))
    regions = [r for r in regions if shown(r, 0)]
    if masked[17] == "*":  # the check digit hidden: every serial stays a candidate
        return len(regions) * len(days) * len(serials)
    count = 0
    for region in regions:
        for day in days:
            first = f"{region}{day:%Y%m%d}"
            count += sum(id_check_digit(first + s) == masked[17] for s in serials)
    return count


@functools.cache
def _demo_people() -> list[Any]:
    # The people `civtrain demo-data` makes with its defaults (seed 1, 2,000 people).
    return plan_people(random.Random("civtrain-demo:1:people"), 2000, dt.date(2026, 6, 30))


def test_demo_people_admit_many_candidate_numbers() -> None:
    people = _demo_people()
    shown = [(mask_id_number(p.id_number), p.gender, p.birth_date.year) for p in people]
    # Over the demo's region codes: every region of the province shown × every day of the
    # birth year × the 500 serials of the gender.
    counts = [candidates(m, g, year=y) for m, g, y in shown]
    assert min(counts) >= 8 * 365 * 500
    # Even an attacker who knows each person's exact region code keeps 365 × 500 numbers.
    exact = [
        candidates(m, g, year=y, regions=[p.id_number[:6]])
        for (m, g, y), p in zip(shown, people, strict=True)
    ]
    assert min(exact) >= 365 * 500


def test_the_counter_sees_the_old_reversible_mask() -> None:
    # The same count over what the pages showed before: 4 + 4 digits and the full date.
    people = _demo_people()[:200]
    counts = [
        candidates(
            p.id_number[:4] + "*" * 10 + p.id_number[-4:],
            p.gender,
            year=p.birth_date.year,
            date=p.birth_date,
        )
        for p in people
    ]
    assert sorted(counts)[len(counts) // 2] == 1  # one candidate: the number itself
