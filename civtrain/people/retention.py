"""Retention of people who left (#17 item 4, PIPL art. 19 and 47): once a person has been gone
(retired, or transferred out) longer than their city's `retention_years`, their personal
data is erased and their record pseudonymised (`civtrain retention --dry-run | --apply`).

What stays and why: the credit ledger is the archive of the hours a person earned and
must stay verifiable (ADR 0007), so its entries, hashes and signed checkpoints are not
touched — they name the person by row id only. The person row stays as a pseudonym with
what statistics need (gender, category, rank, unit, status, dates of service); the name,
the ID and phone numbers (ciphertexts, lookup hash and masks), the birth date and the
career events' notes are erased, and the learner account is disabled for good (no
password, name, address, second factor or token). Audit rows written before keep what they
recorded (they are append-only evidence, archived after CIVTRAIN_AUDIT_ONLINE_DAYS).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max

from civtrain.accounts.api import account_erase, security_policy_get
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.people.data import EventKind, Status
from civtrain.people.models import CareerEvent, Person

# The event that dates a departure, by the status it leaves the person in.
LEAVING_EVENT = {Status.RETIRED: EventKind.RETIREMENT, Status.TRANSFERRED_OUT: EventKind.TRANSFER}


def pseudonym(person_id: int) -> str:
    """The name an anonymised person is shown by: their row id, nothing else."""
    return f"已匿名人员 #{person_id}"


@dataclass(frozen=True)
class RetentionCase:
    """A person who left, with when and what their city's policy makes of it. `due_on` is
    None when the city keeps people (retention 0) or the departure has no dated event."""

    person_id: int
    unit_code: str
    status: str
    left_on: dt.date | None
    retention_years: int
    due_on: dt.date | None

    def due(self, as_of: dt.date) -> bool:
        return self.due_on is not None and self.due_on <= as_of


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def retention_cases() -> list[RetentionCase]:
    """Every person who left and is not anonymised yet, by person id. The departure is the
    date of their last retirement (retired) or transfer (transferred out) event."""
    rows = list(
        Person.objects.filter(anonymised_at=None)
        .exclude(status=Status.ACTIVE)
        .order_by("pk")
        .values_list("pk", "status", "unit__code", "unit__path")
    )
    left: dict[tuple[int, str], dt.date] = {
        (pid, kind): day
        for pid, kind, day in CareerEvent.objects.filter(
            person_id__in=[r[0] for r in rows], kind__in=[k.value for k in LEAVING_EVENT.values()]
        )
        .values("person_id", "kind")
        .annotate(last=Max("date"))
        .values_list("person_id", "kind", "last")
    }
    years_of: dict[int, int] = {}
    cases = []
    for pid, status, code, path in rows:
        city_id = int(path.split("/")[0])
        if city_id not in years_of:
            years_of[city_id] = security_policy_get(city_id).retention_years
        years = years_of[city_id]
        left_on = left.get((pid, LEAVING_EVENT[Status(status)].value))
        due_on = _add_years(left_on, years) if left_on and years > 0 else None
        cases.append(RetentionCase(pid, code, status, left_on, years, due_on))
    return cases


def retention_apply(*, actor: Actor, as_of: dt.date, cases: Iterable[RetentionCase]) -> int:
    """Anonymise every case due on `as_of`, one transaction per person; returns how many.
    Idempotent: a person already anonymised is left alone."""
    done = 0
    for case in cases:
        if case.due(as_of) and person_anonymise(actor=actor, case=case, as_of=as_of):
            done += 1
    return done


@transaction.atomic
def person_anonymise(*, actor: Actor, case: RetentionCase, as_of: dt.date) -> bool:
    """Pseudonymise one person past retention and disable their account, audited with the
    departure, the policy and the as-of date (never the erased values). False if someone
    anonymised them meanwhile."""
    person = (
        Person.objects.select_for_update()
        .select_related("unit")
        .filter(pk=case.person_id, anonymised_at=None)
        .first()
    )
    if person is None:
        return False
    label = pseudonym(person.pk)
    person.name = label
    person.id_number_enc = b""
    # Unique and never a keyed hash (those are 64 hex digits): no lookup can find it.
    person.id_number_hash = f"erased:{person.pk}"
    person.id_number_masked = ""
    person.phone_enc = None
    person.phone_masked = ""
    person.birth_date = None
    person.anonymised_at = clock.now()
    person.save()
    CareerEvent.objects.filter(person=person).exclude(note="").update(note="")
    account = account_erase(actor=actor, user_id=person.user_id) if person.user_id else False
    audit_record(
        actor=actor,
        action="person.anonymise",
        object_type="person",
        object_id=person.pk,
        object_label=label,
        org_path=person.unit.path,
        changes={
            "status": case.status,
            "left_on": case.left_on.isoformat() if case.left_on else None,
            "retention_years": case.retention_years,
            "as_of": as_of.isoformat(),
            "erased": ["name", "id_number", "phone", "birth_date", "event_notes"],
            "account_disabled": account,
        },
    )
    return True
