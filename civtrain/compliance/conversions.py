"""The rule set's conversions as cheap lookups: 学时 per day for the ledger (PR-2) and the
online crediting policy (PR-1).

`hours_per_day(person_id, on)` is registered with the ledger (credits.api.
register_hours_per_day) and called once per converted entry, so it never evaluates anyone:
the person's unit path comes from a block read (1,024 ids a query), the bindings from one
read of the (small) binding table, and the answer is cached per (org path, date). Both
caches live a short while (a bulk write is served from them; a change elsewhere is seen
soon after) and are dropped at once when this process loads or binds a rule set.
"""

import datetime as dt
import threading
import time
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from civtrain.core.errors import ValidationFailed

CACHE_SECONDS = 30.0
PERSON_BLOCK = 1024


@dataclass(frozen=True)
class _Bound:
    org_path: str
    valid_from: dt.date
    valid_to: dt.date | None
    set_from: dt.date
    set_to: dt.date
    hours_per_day: float
    online_crediting: dict[str, Any]
    minutes_per_hour: int
    label: str


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        self.born = time.monotonic()
        self.bindings: list[_Bound] | None = None
        self.paths: dict[int, str | None] = {}
        self.blocks: set[int] = set()
        self.by_path_date: dict[tuple[str, dt.date], _Bound | None] = {}

    def fresh(self) -> "_Cache":
        if time.monotonic() - self.born > CACHE_SECONDS:
            self.clear()
        return self


_cache = _Cache()


def cache_clear() -> None:
    """Forget cached bindings and unit paths (after a rule set is loaded or bound)."""
    with _cache.lock:
        _cache.clear()


def _bindings() -> list[_Bound]:
    c = _cache.fresh()
    if c.bindings is None:
        from civtrain.compliance.selectors import binding_list, ruleset_spec

        found = []
        for b in binding_list():
            spec = ruleset_spec(b.ruleset)
            found.append(
                _Bound(
                    b.org.path,
                    b.valid_from,
                    b.valid_to,
                    spec.valid_from,
                    spec.valid_to,
                    spec.hours_per_day,
                    spec.online_crediting,
                    spec.minutes_per_hour,
                    spec.label,
                )
            )
        c.bindings = sorted(found, key=lambda b: b.valid_from)
    return c.bindings


def _unit_path(person_id: int) -> str | None:
    c = _cache.fresh()
    block = person_id // PERSON_BLOCK
    if block not in c.blocks:
        from civtrain.people.api import person_rows

        lo = block * PERSON_BLOCK
        rows = person_rows().filter(id__gte=lo, id__lt=lo + PERSON_BLOCK)
        c.paths.update(rows.order_by().values_list("id", "unit__path"))
        c.blocks.add(block)
    return c.paths.get(person_id)


def governing(org_path: str, on: dt.date) -> _Bound | None:
    """The binding of the nearest bound ancestor-or-self of `org_path` in force on `on`
    (the engine's rule: nearest ancestor wins; among one node's, the latest start)."""
    from civtrain.compliance.engine import nearest_bound

    c = _cache.fresh()
    key = (org_path, on)
    if key in c.by_path_date:
        return c.by_path_date[key]
    in_force: dict[str, _Bound] = {}
    for b in _bindings():
        in_period = b.valid_from <= on and (b.valid_to is None or on <= b.valid_to)
        if in_period and b.set_from.year <= on.year <= b.set_to.year:
            in_force[b.org_path] = b
    found = nearest_bound(org_path, in_force)
    c.by_path_date[key] = found
    return found


def governing_for_person(person_id: int, on: dt.date) -> _Bound | None:
    path = _unit_path(person_id)
    return governing(path, on) if path else None


def hours_per_day(person_id: int, on: dt.date) -> float | None:
    """学时 per day of the set governing the person's unit on `on` (PR-2), None when no set
    is bound there (the ledger then uses its default). The unit is the person's current
    registry unit: a conversion is done when the entry is written, which is nearly always
    while the person is still there."""
    found = governing_for_person(person_id, on)
    return found.hours_per_day if found else None


# -- PR-1: online crediting ----------------------------------------------------------------
FULL_PROGRESS = "full_progress"
LENGTH_BANDS = "length_bands"
CENT = Decimal("0.01")
# Where no set is bound: the platform's own rule, 100 % progress, 45 minutes a 学时 (PR-2).
PLATFORM_CREDITING: tuple[dict[str, Any], int] = ({"policy": FULL_PROGRESS}, 45)


def crediting_for(person_id: int, on: dt.date) -> tuple[dict[str, Any], int]:
    """(online crediting policy, minutes per 学时) of the set governing the person on `on`."""
    found = governing_for_person(person_id, on)
    return (found.online_crediting, found.minutes_per_hour) if found else PLATFORM_CREDITING


def online_credit(policy: dict[str, Any], *, minutes: float, progress: float,
                  minutes_per_hour: int) -> Decimal:  # fmt: skip
    """学时 an online course earns a learner under a rule set's crediting policy (PR-1).

    - `full_progress` (Zhengzhou platform): nothing until 100 % progress, then the course's
      length in 学时 (minutes ÷ the set's minutes per 学时, PR-2), to the cent.
    - `length_bands`: once completed (100 % progress), the hours of the first band whose
      `min_minutes` the course length reaches (bands from the file, highest first: ≥ 30 min →
      1, ≥ 15 → 0.5, otherwise 0.25 in national-2023; a course of exactly 15 minutes is in
      the 0.5 band, since the file says `min_minutes: 15`).

    `minutes` is the course's length, `progress` the share of it played for real (0…1).
    """
    if minutes < 0 or not 0 <= progress <= 1:
        raise ValidationFailed("课程时长不能为负数，学习进度应在 0 到 100% 之间")
    if progress < 1 or minutes == 0:
        return Decimal("0.00")
    kind = policy.get("policy", FULL_PROGRESS)
    if kind == LENGTH_BANDS:
        bands = sorted(policy.get("bands", ()), key=lambda b: -float(b["min_minutes"]))
        for band in bands:
            if minutes >= float(band["min_minutes"]):
                return Decimal(str(band["hours"])).quantize(CENT, rounding=ROUND_HALF_UP)
        return Decimal("0.00")
    return (Decimal(str(minutes)) / Decimal(minutes_per_hour)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def policy_summary(policy: dict[str, Any], minutes_per_hour: int) -> str:
    """The policy in one Chinese sentence, for pages and `civtrain rules show`."""
    if policy.get("policy") == LENGTH_BANDS:
        bands = sorted(policy.get("bands", ()), key=lambda b: -float(b["min_minutes"]))
        parts = []
        for b in bands:
            low = float(b["min_minutes"])
            cond = f"≥ {low:g} 分钟" if low > 0 else "其余"
            parts.append(f"{cond} 计 {float(b['hours']):g} 学时")
        return "网络课程学完后按课程时长分档计学时：" + "，".join(parts)
    return f"网络课程学习进度达到 100% 方计学时，按每 {minutes_per_hour} 分钟 1 学时折算"
