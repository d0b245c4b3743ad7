"""A person's audience attributes on a date, and since when they have been in an audience
(§8 "Who is in an audience", issue #10 item 4).

Pure: the person's registry row and their career events in, the answer out. The
attributes on a date (rank, leadership level, category, flags, unit) are the registry's
own reading of its events, `people.data.attributes_on`: each from the latest event on or
before the date that sets it; before the first that does, what that event replaced (kept
when it was recorded); with no event, the registry's value."""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from civtrain.people.data import attributes_on

__all__ = ["attributes_on", "audience_entered"]


def audience_entered(
    within: Callable[[dict[str, Any]], bool],
    person: dict[str, Any],
    events: Sequence[Mapping[str, Any]],
    on: dt.date,
    joined: dt.date | None,
) -> dt.date | None:
    """The day the person last entered the audience `within` tests, if they are in it on
    `on` (NAT-4's window is owed from it, §8): the latest event date on or before `on`
    before which they were not in it; else their joining (reporting or hiring) date; None
    when neither is known (in the audience for as long as the records go back)."""
    for e in reversed(events):
        day = e["date"]
        if day <= on and not within(attributes_on(person, events, day - dt.timedelta(days=1))):
            return max(day, joined) if joined else day
    return joined
