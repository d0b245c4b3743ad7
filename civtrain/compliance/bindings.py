"""Which rule set governs a unit or a person on a date: the one resolver (issue #9 item 1).

REQUIREMENTS §8 "Which set governs": the set bound to the unit the person belonged to on
that date — the binding of the nearest bound ancestor-or-self of the unit whose binding
period covers the date *and* whose set's own period covers it (a binding left open-ended
on a set that has ended governs nothing after the set's end; the next bound ancestor
does). Among one node's bindings in force, the latest start wins.

The engine (a whole population: `Resolver` over the bindings it was given), the ledger's
conversions, the pages and the API (`governing`, cached reads) all answer through here,
so they cannot disagree.
"""

import datetime as dt
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from civtrain.compliance.ruleset import RuleSetSpec
from civtrain.people.data import unit_on

UNIT_EVENTS = ("hired", "transfer")  # career events that carry the unit a person moved to
CACHE_SECONDS = 30.0
PERSON_BLOCK = 1024


@dataclass(frozen=True)
class Binding:
    org_path: str
    valid_from: dt.date
    valid_to: dt.date | None
    spec: RuleSetSpec

    def in_force(self, on: dt.date) -> bool:
        """The binding's period and its set's period both cover `on`."""
        return (
            self.valid_from <= on
            and (self.valid_to is None or on <= self.valid_to)
            and self.spec.valid_from <= on <= self.spec.valid_to
        )


def ancestors(org_path: str) -> Iterable[str]:
    """`org_path` and its ancestors' paths, nearest first."""
    path = org_path
    while path:
        yield path
        path = path[: path.rstrip("/").rfind("/") + 1]


class Resolver:
    """Answers `governing(unit_path, on)` over a fixed list of bindings, cached per
    (path, date): a whole evaluation asks a few thousand distinct questions at most."""

    def __init__(self, bindings: Iterable[Binding]) -> None:
        self.by_path: dict[str, list[Binding]] = {}
        for b in sorted(bindings, key=lambda b: b.valid_from, reverse=True):
            self.by_path.setdefault(b.org_path, []).append(b)  # latest start first
        self._cache: dict[tuple[str, dt.date], Binding | None] = {}

    def governing(self, unit_path: str, on: dt.date) -> Binding | None:
        key = (unit_path, on)
        if key in self._cache:
            return self._cache[key]
        found = None
        for path in ancestors(unit_path):
            found = next((b for b in self.by_path.get(path, ()) if b.in_force(on)), None)
            if found is not None:
                break
        self._cache[key] = found
        return found

    def specs(self) -> list[RuleSetSpec]:
        """Every distinct set bound anywhere (by label)."""
        seen: dict[str, RuleSetSpec] = {}
        for bs in self.by_path.values():
            for b in bs:
                seen.setdefault(b.spec.label, b.spec)
        return list(seen.values())


def unit_at(registry_unit_id: int, events: Sequence[Mapping[str, Any]], on: dt.date) -> int:
    """The unit a person belonged to on `on` (§8 "Which set governs"): the unit of their last
    hired/transfer event carrying a unit on or before it; before their first, the origin
    that transfer recorded (issue #10 item 5); else the registry unit. `events` sorted by
    date, with the fields of people.api.EVENT_ROW_FIELDS (at least kind, date, unit_id,
    from_unit_id)."""
    return unit_on(registry_unit_id, events, on)


# -- cached reads for single questions (ledger conversions, pages, API) --------------------
class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        self.born = time.monotonic()
        self.resolver: Resolver | None = None
        self.people: dict[int, tuple[int, list[dict[str, Any]]]] = {}
        self.blocks: set[int] = set()
        self.paths: dict[int, str] = {}

    def fresh(self) -> "_Cache":
        if time.monotonic() - self.born > CACHE_SECONDS:
            self.clear()
        return self


_cache = _Cache()


def cache_clear() -> None:
    """Forget cached bindings and units (after a rule set is loaded or bound; tests)."""
    with _cache.lock:
        _cache.clear()


def stored_bindings() -> list[Binding]:
    """Every stored binding with its parsed set (one read of the small binding table)."""
    from civtrain.compliance.selectors import binding_list, ruleset_spec

    return [
        Binding(b.org.path, b.valid_from, b.valid_to, ruleset_spec(b.ruleset))
        for b in binding_list()
    ]


def _resolver() -> Resolver:
    c = _cache.fresh()
    if c.resolver is None:
        c.resolver = Resolver(stored_bindings())
    return c.resolver


def _person(person_id: int) -> tuple[int, list[dict[str, Any]]] | None:
    """(registry unit id, unit-carrying events) of a person, read a block of ids at a time
    (a bulk ledger write asks for thousands of people)."""
    c = _cache.fresh()
    block = person_id // PERSON_BLOCK
    if block in c.blocks and person_id not in c.people:
        c.blocks.discard(block)  # a person added since the block was read
    if block not in c.blocks:
        from civtrain.people.api import career_event_rows, person_rows

        lo, hi = block * PERSON_BLOCK, (block + 1) * PERSON_BLOCK
        rows = person_rows().filter(id__gte=lo, id__lt=hi).order_by()
        for pid, unit_id, path in rows.values_list("id", "unit_id", "unit__path"):
            c.people[pid] = (unit_id, [])
            c.paths[unit_id] = path
        for e in (
            career_event_rows()
            .filter(person_id__gte=lo, person_id__lt=hi, kind__in=UNIT_EVENTS)
            .exclude(unit_id=None)
            .order_by("person_id", "date", "id")
            .values("person_id", "kind", "date", "unit_id", "from_unit_id", "unit__path")
        ):
            if e["person_id"] in c.people:
                c.people[e["person_id"]][1].append(e)
                c.paths[e["unit_id"]] = e["unit__path"]
        c.blocks.add(block)
    return c.people.get(person_id)


def _unit_path(unit_id: int) -> str | None:
    c = _cache.fresh()
    if unit_id not in c.paths:
        from civtrain.organisations.api import org_data_many

        found = org_data_many([unit_id])
        if unit_id not in found:
            return None
        c.paths[unit_id] = found[unit_id].path
    return c.paths[unit_id]


def person_unit_path(person_id: int, on: dt.date) -> str | None:
    """The path of the unit the person belonged to on `on` (None: no such person)."""
    found = _person(person_id)
    if found is None:
        return None
    return _unit_path(unit_at(found[0], found[1], on))


def governing(unit_path_or_person: str | int, on: dt.date) -> Binding | None:
    """The binding governing a unit (its org path) or a person (their id: the unit they
    belonged to on `on`) on `on`; None when no set governs there."""
    if isinstance(unit_path_or_person, int):
        path = person_unit_path(unit_path_or_person, on)
        if path is None:
            return None
    else:
        path = unit_path_or_person
    return _resolver().governing(path, on)
