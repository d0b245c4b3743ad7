"""Hours ↔ days on the write path: the one place an entry given in only one of them gets the
other (REQUIREMENTS §8 "Hours and days", PR-2).

Known debt (issue #9 item 2, #10 item 6): §8 now says conversions happen when a rule is
evaluated and the ledger keeps what was recorded; this module and credits/hooks.py change then.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from civtrain.credits import hooks

CENT = Decimal("0.01")


def default_hours_per_day() -> Decimal:
    """学时 per day until the compliance app can name the rule set governing a person (PR-2)."""
    return Decimal(str(getattr(settings, "CIVTRAIN_DEFAULT_HOURS_PER_DAY", "7.5")))


def hours_and_days(
    hours: Decimal | None,
    days: Decimal | None,
    *,
    person_id: int,
    on: dt.date,
    hours_per_day: Decimal | None,
) -> tuple[Decimal, Decimal]:
    """Both amounts, the missing one converted (at least one is given). Without an explicit
    hours_per_day the governing rule set's is used (through hooks.register_hours_per_day),
    else the configured default."""
    # implements REQUIREMENTS §8 "Hours and days": the missing one is converted.
    if hours_per_day is None and (hours is None or days is None):
        hours_per_day = hooks.resolved_hours_per_day(person_id, on)
    if hours is None or days is None:
        hours_per_day = hours_per_day or default_hours_per_day()
        if hours is None and days is not None:
            hours = (days * hours_per_day).quantize(CENT, rounding=ROUND_HALF_UP)
        if days is None and hours is not None:
            days = (hours / hours_per_day).quantize(CENT, rounding=ROUND_HALF_UP)
    assert hours is not None and days is not None  # noqa: S101 - the caller gives one
    return hours, days
