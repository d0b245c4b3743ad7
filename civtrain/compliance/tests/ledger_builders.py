"""Test builders: ledger entries through the ledger's own service (credits.api)."""

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from civtrain.accounts.api import SYSTEM
from civtrain.credits.api import credit_entry_record, credit_entry_reverse

_refs = itertools.count(1)


def entry(
    person_id: int,
    date: str,
    *,
    hours: float | None = None,
    days: float | None = None,
    training_type: str = "in_service",
    mode: str = "off_the_job",
    subjects: dict[str, float] | None = None,
    source_type: str = "manual",
    source_ref: str | None = None,
    result: str = "",
    title: str = "培训",
    start_date: str | None = None,
) -> Any:
    """Write one ledger entry; returns its EntryData."""
    return credit_entry_record(
        actor=SYSTEM,
        person_id=person_id,
        title=title,
        date=dt.date.fromisoformat(date),
        hours=Decimal(str(hours)) if hours is not None else None,
        days=Decimal(str(days)) if days is not None else None,
        training_type=training_type,
        mode=mode,
        subject_hours={k: Decimal(str(v)) for k, v in (subjects or {}).items()},
        source_type=source_type,
        source_ref=source_ref or f"test:{next(_refs)}",
        result=result,
        start_date=dt.date.fromisoformat(start_date) if start_date else None,
    )


def reverse(entry_id: int, reason: str = "录入错误") -> Any:
    return credit_entry_reverse(actor=SYSTEM, entry_id=entry_id, reason=reason)


_hr: dict[str, Any] = {}


def hr_for_all() -> Any:
    """A bureau user over both test cities (C1, C2), to record career events anywhere."""
    from civtrain.accounts.api import Role, User, role_assign
    from civtrain.organisations.api import org_by_codes
    from civtrain.testing import make_user

    user = _hr.get("user")
    if user is None or not User.objects.filter(pk=user.pk).exists():
        orgs = org_by_codes(["C1", "C2"])
        user = make_user(Role.CITY_BUREAU, orgs["C1"])
        role_assign(actor=SYSTEM, user=user, role=Role.CITY_BUREAU, org_id=orgs["C2"].id)
        _hr["user"] = user
    return user


def event(
    person_id: int,
    kind: str,
    date: str,
    *,
    level: str | None = None,
    unit_id: int | None = None,
) -> Any:
    """Record a career event through the registry's service."""
    from civtrain.people.api import EventKind, LeadershipLevel, career_event_record, person_rows

    return career_event_record(
        actor=hr_for_all(),
        person=person_rows().select_related("unit").get(pk=person_id),
        kind=EventKind(kind),
        date=dt.date.fromisoformat(date),
        leadership_level=LeadershipLevel(level) if level else None,
        unit_id=unit_id,
    )
