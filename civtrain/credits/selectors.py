"""Reads of the ledger and the claims, always scoped by the actor (ARCHITECTURE §7)."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from civtrain.accounts.api import PERSONNEL_ROLES, Role, actor_scope
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.credits.data import ClaimStatus, SourceType
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


@dataclass
class RecordLine:
    """One entry as the training record shows it, with its correction links."""

    entry: LedgerEntry
    subjects: dict[str, Decimal]
    reversed_by: LedgerEntry | None = None  # the reversal that cancelled this entry
    replacement: LedgerEntry | None = None  # the corrected entry written with that reversal


@dataclass
class YearTotal:
    year: int
    hours: Decimal = Decimal(0)
    days: Decimal = Decimal(0)
    subjects: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class TrainingRecord:
    person: PersonData
    lines: list[RecordLine]
    years: list[YearTotal]


def entry_list_for_person(*, actor: Actor, person_id: int) -> QuerySet[LedgerEntry]:
    people_api.access_person(actor, person_id)
    return LedgerEntry.objects.filter(person_id=person_id).order_by("date", "seq")


def training_record(*, actor: Actor, person_id: int) -> TrainingRecord:
    """Every entry of a person with corrections linked, and totals per year (ZZ-M3)."""
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
        t = totals.setdefault(e.year, YearTotal(e.year))
        t.hours += e.hours
        t.days += e.days
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
