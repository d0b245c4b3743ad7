"""A person's audience attributes on a date (§8 "Who is in an audience", issue #10 item 4).

Pure: the person's registry row and their career events in, the attributes out."""

import datetime as dt
from typing import Any


def attributes_on(p: dict[str, Any], events: list[dict[str, Any]], on: dt.date) -> dict[str, Any]:
    """The person's leadership level and rank on `on`, derived from career events (§8 "Who
    is in an audience", issue #10 item 4): each from the latest event on or before `on`
    that records it. Before the first event recording a leadership level the person held
    no recorded post (""); before the first recording a rank, the registry's rank stands
    (no event says otherwise). Category and flags are not recorded by events: the
    registry's. `p` itself when nothing differs (the audience cache keys on the values)."""
    level = rank = None
    level_later = False
    for e in events:  # sorted by date
        if e["date"] <= on:
            level = e["leadership_level"] or level
            rank = e["rank"] or rank
        elif e["leadership_level"]:
            level_later = True
    if level is None:
        level = "" if level_later else (p["leadership_level"] or "")
    if rank is None:
        rank = p["rank"]
    if level == (p["leadership_level"] or "") and rank == p["rank"]:
        return p
    return {**p, "leadership_level": level, "rank": rank}
