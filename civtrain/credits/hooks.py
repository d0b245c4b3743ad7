"""How other apps learn of ledger writes and lend the ledger their conversions, without the
ledger importing them (compliance imports credits, never the other way round).

- `ledger_written` is sent after the writing transaction commits, with `person_ids` (a
  frozenset) and `years` (a frozenset of the entries' years); receivers must be quick (mark
  work to do, queue a job), since the writer waits for them.
- `register_hours_per_day(resolver)`: resolver(person_id, date) returns the 学时 per day of
  the rule set governing that person on that date (PR-2), or None; the ledger uses it to
  convert an entry given only in hours or only in days (REQUIREMENTS §8).
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.db import transaction
from django.dispatch import Signal

ledger_written = Signal()

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


_collector: tuple[set[int], set[int]] | None = None


def announce_written(person_ids: Iterable[int], years: Iterable[int]) -> None:
    """Send ledger_written once the current transaction commits (at once outside one);
    inside collecting(), gather the committed persons and years instead."""
    people, yrs = frozenset(person_ids), frozenset(years)
    if people:
        transaction.on_commit(lambda: _announce(people, yrs))


def _announce(people: frozenset[int], years: frozenset[int]) -> None:
    if _collector is not None:
        _collector[0].update(people)
        _collector[1].update(years)
    else:
        ledger_written.send(sender="credits", person_ids=people, years=years)


@contextmanager
def collecting() -> Iterator[tuple[set[int], set[int]]]:
    """Gather what would be announced (a bulk writer's worker process hands it to its
    parent, which announces once)."""
    global _collector
    _collector = (set(), set())
    try:
        yield _collector
    finally:
        _collector = None
