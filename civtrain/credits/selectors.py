"""Reads of the ledger and the claims, always scoped by the actor (ARCHITECTURE §7)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from civtrain.accounts.api import PERSONNEL_ROLES, Role, actor_scope
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.credits.data import ClaimStatus, SourceType, converted, recorded
from civtrain.credits.integrity import ledger_window
from civtrain.credits.models import (
    ExternalClaim,
    LedgerCheckpoint,
    LedgerEntry,
    LedgerSubjectHours,
    LedgerVerification,
)
from civtrain.people import api as people_api
from civtrain.people.data import PersonData

# Pages and endpoints name the rows these selectors return as selectors.ExternalClaim and
# selectors.LedgerEntry: they never import the models (pyproject.toml, #9 item 5).


# 学时 per day of the rule set governing a person on a date (PR-2), None where none governs:
# compliance.api.hours_per_day_for, passed in by the composition root (config/urls.py,
# config/api.py) — the ledger cannot import compliance and keeps no registry of it.
HoursPerDay = Callable[[int, dt.date], float | None]


@dataclass
class RecordLine:
    """One entry as the training record shows it, with its correction links: what it recorded
    (hours, days, None for what it did not) and what that comes to under the set governing
    its date (REQUIREMENTS §8, issue #10 item 6)."""

    entry: LedgerEntry
    subjects: dict[str, Decimal]
    reversed_by: LedgerEntry | None = None  # the reversal that cancelled this entry
    replacement: LedgerEntry | None = None  # the corrected entry written with that reversal
    hours: Decimal | None = None
    days: Decimal | None = None
    hours_per_day: Decimal | None = None  # of the set governing the entry's date, if needed
    converted_hours: Decimal | None = None  # days × hours_per_day, when only days were recorded
    converted_days: Decimal | None = None


@dataclass
class YearTotal:
    """A year's hours and days: recorded, plus the converted value of entries that recorded
    one only; `unconverted` counts those no governing set could convert."""

    year: int
    hours: Decimal = Decimal(0)
    days: Decimal = Decimal(0)
    subjects: dict[str, Decimal] = field(default_factory=dict)
    converted: bool = False
    unconverted: int = 0


@dataclass
class TrainingRecord:
    person: PersonData
    lines: list[RecordLine]
    years: list[YearTotal]


def entry_list_for_person(*, actor: Actor, person_id: int) -> QuerySet[LedgerEntry]:
    people_api.access_person(actor, person_id)
    return LedgerEntry.objects.filter(person_id=person_id).order_by("date", "seq")


def _amounts(line: RecordLine, person_id: int, hours_per_day: HoursPerDay | None) -> None:
    e = line.entry
    line.hours, line.days = recorded(e.hours, e.days, e.derived)
    if hours_per_day is not None and (line.hours is None or line.days is None):
        per_day = hours_per_day(person_id, e.date)
        if per_day is not None:
            line.hours_per_day = Decimal(f"{per_day:g}")  # 7.5, 8
            line.converted_hours, line.converted_days = converted(
                line.hours, line.days, line.hours_per_day
            )


def training_record(
    *, actor: Actor, person_id: int, hours_per_day: HoursPerDay | None = None
) -> TrainingRecord:
    """Every entry of a person with corrections linked, and totals per year (ZZ-M3); with
    `hours_per_day`, what a days-only or hours-only entry comes to under the set governing
    its date (the engine converts with the evaluating set's own figure)."""
    person = people_api.access_person(actor, person_id)
    entries = list(LedgerEntry.objects.filter(person_id=person_id).order_by("date", "seq"))
    subjects: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for eid, code, hours in LedgerSubjectHours.objects.filter(person_id=person_id).values_list(
        "entry_id", "subject", "hours"
    ):
        subjects[eid][code] = hours
    lines = {e.pk: RecordLine(e, subjects.get(e.pk, {})) for e in entries}
    # The replacement is the entry written right after the reversal, in the same chain.
    by_seq = {e.seq: e for e in entries}
    for e in entries:
        if e.reverses_id and e.reverses_id in lines:
            line = lines[e.reverses_id]
            line.reversed_by = e
            nxt = by_seq.get(e.seq + 1)
            if (
                nxt is not None
                and nxt.source_type != SourceType.REVERSAL
                and nxt.reason == e.reason
            ):
                line.replacement = nxt
    totals: dict[int, YearTotal] = {}
    for e in entries:
        line = lines[e.pk]
        _amounts(line, person_id, hours_per_day)
        t = totals.setdefault(e.year, YearTotal(e.year))
        h = line.hours if line.hours is not None else line.converted_hours
        d = line.days if line.days is not None else line.converted_days
        t.converted |= line.hours_per_day is not None
        if h is None or d is None:
            t.unconverted += 1
        t.hours += h or 0
        t.days += d or 0
        for code, h in subjects.get(e.pk, {}).items():
            t.subjects[code] = t.subjects.get(code, Decimal(0)) + h
    return TrainingRecord(
        person=person,
        lines=[lines[e.pk] for e in entries],
        years=[totals[y] for y in sorted(totals, reverse=True)],
    )


def entry_get(*, actor: Actor, entry_id: int) -> LedgerEntry:
    entry = LedgerEntry.objects.filter(
        pk=entry_id, person_id__in=people_api.person_ids_in_scope(actor)
    ).first()
    if entry is None:
        raise NotFound("培训记录不存在或不在您的管辖范围内")
    return entry


def claim_list(*, actor: Actor, status: str = "", mine: bool = False) -> QuerySet[ExternalClaim]:
    """Claims of people the actor may see; `mine` keeps the actor's own (a learner's view)."""
    qs = ExternalClaim.objects.filter(person_id__in=people_api.person_ids_in_scope(actor))
    scope = actor_scope(actor)
    if mine or not scope.has(*PERSONNEL_ROLES):
        me = people_api.person_for_user(scope.user_id) if scope.user_id else None
        qs = qs.filter(person_id=me.id) if me else qs.none()
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-submitted_at", "-id")


def claim_list_latest(*, actor: Actor, status: str = "", limit: int) -> list[ExternalClaim]:
    """The newest `limit` claims of claim_list."""
    return list(claim_list(actor=actor, status=status)[:limit])


def claim_get(*, actor: Actor, claim_id: int) -> ExternalClaim:
    claim = claim_list(actor=actor).filter(pk=claim_id).first()
    if claim is None:
        raise NotFound("申报不存在或不在您的管辖范围内")
    return claim


def claim_pending_count(*, actor: Actor) -> int:
    return claim_list(actor=actor, status=ClaimStatus.PENDING).count()


def ledger_status(*, actor: Actor) -> dict[str, Any]:
    """The bureau's view: the last checkpoint and the last verification run."""
    if not actor_scope(actor).has(Role.CITY_BUREAU):
        raise NotFound("页面不存在或无权访问")
    return {
        "checkpoint": LedgerCheckpoint.objects.order_by("-id").first(),
        "verification": LedgerVerification.objects.order_by("-id").first(),
        "recent": list(LedgerVerification.objects.order_by("-id")[:10]),
        "entries": LedgerEntry.objects.count(),
        "window": ledger_window(),
    }
