"""What a career event changes, and a person's attributes on a date derived from events
(CQ-T6; REQUIREMENTS §8 "Who is in an audience" and "Which set governs"; issue #10 items 4
and 5). Pure functions over event rows (dicts with the CareerEvent fields, `unit_id` and
`from_unit_id` for the units), shared by the registry's replay (services) and the
compliance engine, so the two cannot read a history differently.

An event records the values it sets (blank or None: unchanged) and, when it is recorded,
what it replaced: a transfer its origin unit (`from_unit_id`: the events import's
原单位编码, else the unit the person was in just before), every event the other attributes
it changed (`before`). On a date, each attribute is the value set by the latest event on
or before it; before the first event that sets it, the value that event replaced; with no
such event, the registry's value (what the roster says).
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from civtrain.people.data import EventKind

FLAGS = ("grassroots", "basic_post", "law_enforcement")
# The attributes events set besides the unit; `before` keeps the replaced ones by these keys.
TRACKED = ("category", "rank", "leadership_level", *FLAGS)
LEVEL_EVENTS = frozenset({EventKind.HIRED, EventKind.PROMOTED, EventKind.TRANSFER})
UNIT_EVENTS = frozenset({EventKind.HIRED, EventKind.TRANSFER})
UNIT = "unit_id"


def event_changes(e: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes event row `e` sets, with their new values."""
    kind = e["kind"]
    out: dict[str, Any] = {}
    if e.get("leadership_level") and kind in LEVEL_EVENTS:
        out["leadership_level"] = e["leadership_level"]
    if e.get("rank"):
        out["rank"] = e["rank"]
    if e.get("category"):
        out["category"] = e["category"]
    for flag in FLAGS:
        if e.get(flag) is not None:
            out[flag] = bool(e[flag])
    if e.get(UNIT) and kind in UNIT_EVENTS:
        out[UNIT] = e[UNIT]
    return out


def replaced(e: Mapping[str, Any], key: str) -> Any:
    """What event row `e` replaced for `key`, as recorded with it; None if unrecorded."""
    if key == UNIT:
        return e.get("from_unit_id")
    return (e.get("before") or {}).get(key)


def attributes_on(
    person: Mapping[str, Any], events: Sequence[Mapping[str, Any]], on: dt.date
) -> Mapping[str, Any]:
    """`person`'s tracked attributes and unit on `on`, derived from `events` (sorted by
    date); `person` itself when nothing differs (callers cache on the values).

    Events recorded before the replaced values were kept (issue #10 item 4) have no
    `before`: then, as before, a leadership level set later means no recorded post yet, and
    any other attribute is the registry's."""
    if not events:
        return person
    found: dict[str, Any] = {}
    first_after: dict[str, Mapping[str, Any]] = {}
    for e in events:
        changes = event_changes(e)
        if e["date"] <= on:
            found.update(changes)
        else:
            for key in changes:
                first_after.setdefault(key, e)
    for key, e in first_after.items():
        if key in found:
            continue
        value = replaced(e, key)
        if value is None:
            value = "" if key == "leadership_level" else person.get(key)
        found[key] = value
    if all(person.get(k) == v for k, v in found.items()):
        return person
    return {**person, **found}


def unit_on(registry_unit_id: int, events: Sequence[Mapping[str, Any]], on: dt.date) -> int:
    """The unit a person belonged to on `on` (§8 "Which set governs"): the unit of their
    last hired/transfer event on or before it; before the first, the origin that transfer
    recorded; else the registry unit. `events` sorted by date."""
    found = None
    for e in events:
        if e["kind"] not in UNIT_EVENTS or not e.get(UNIT):
            continue
        if e["date"] <= on:
            found = e[UNIT]
            continue
        if found is None:
            origin = replaced(e, UNIT)
            if origin is not None:
                return int(origin)
        break
    return registry_unit_id if found is None else found
