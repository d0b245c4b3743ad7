"""The rule set's 学时-per-day lent to the ledger for its conversions (PR-2), without the ledger
importing compliance (compliance imports credits, never the other way round).

`register_hours_per_day(resolver)`: resolver(person_id, date) returns the 学时 per day of the
rule set governing that person on that date, or None; the ledger uses it to convert an
entry given only in hours or only in days (REQUIREMENTS §8).

Known debt (issue #9 item 2, #10 item 6): §8 now says conversions happen when a rule is
evaluated and the ledger keeps only what was recorded; when the engine converts, this
registry goes. How other apps learn of ledger writes is the outbox (credits/outbox.py).
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

HoursPerDayResolver = Callable[[int, dt.date], Decimal | float | None]
_resolvers: list[HoursPerDayResolver] = []


def register_hours_per_day(resolver: HoursPerDayResolver) -> None:
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def resolved_hours_per_day(person_id: int, on: dt.date) -> Decimal | None:
    for resolver in _resolvers:
        value = resolver(person_id, on)
        if value is not None:
            return Decimal(str(value))
    return None
