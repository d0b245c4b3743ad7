"""The rule set's conversions as cheap lookups: 学时 per day for the ledger (PR-2) and the
online crediting policy (PR-1).

Both ask `bindings.governing(person_id, on)` — the one resolver the engine uses too
(issue #9 item 1) — which answers from cached reads (the bindings once, people a block of
1,024 ids at a time), so a bulk write never evaluates anyone.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from civtrain.compliance import bindings
from civtrain.core.errors import ValidationFailed


def cache_clear() -> None:
    """Forget cached bindings and units (after a rule set is loaded or bound)."""
    bindings.cache_clear()


def hours_per_day(person_id: int, on: dt.date) -> float | None:
    """学时 per day of the set governing the person on `on` (PR-2), None when no set governs
    there (the ledger then uses its default)."""
    found = bindings.governing(person_id, on)
    return found.spec.hours_per_day if found else None


# -- PR-1: online crediting ----------------------------------------------------------------
FULL_PROGRESS = "full_progress"
LENGTH_BANDS = "length_bands"
CENT = Decimal("0.01")
# Where no set is bound: the platform's own rule, 100 % progress, 45 minutes a 学时 (PR-2).
PLATFORM_CREDITING: tuple[dict[str, Any], int] = ({"policy": FULL_PROGRESS}, 45)


def crediting_for(person_id: int, on: dt.date) -> tuple[dict[str, Any], int]:
    """(online crediting policy, minutes per 学时) of the set governing the person on `on`."""
    found = bindings.governing(person_id, on)
    if found is None:
        return PLATFORM_CREDITING
    return found.spec.online_crediting, found.spec.minutes_per_hour


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
