"""Audit events of ledger writes: one per entry written singly, one per bulk batch."""

from collections.abc import Iterable, Mapping
from typing import Any

from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record, audit_record_under
from civtrain.credits.models import LedgerEntry
from civtrain.credits.services.writer import Row
from civtrain.people import api as people_api


def audit_entry(
    actor: Actor, entry: LedgerEntry | Row, action: str, extra: Mapping[str, Any]
) -> None:
    person = people_api.person_data(entry.person_id)
    audit_record(
        actor=actor,
        action=action,
        object_type="credits.LedgerEntry",
        object_id=entry.pk,
        object_label=f"{person.name} {entry.title}",
        org_path=person.unit_path,
        changes={
            "person_id": entry.person_id,
            "seq": entry.seq,
            "hours": None if entry.hours is None else str(entry.hours),  # as recorded
            "days": None if entry.days is None else str(entry.days),
            "source": f"{entry.source_type}:{entry.source_ref}",
            **extra,
        },
    )


def audit_batch(
    actor: Actor, person_ids: Iterable[int], *, created: int, first_id: int, last_id: int
) -> None:
    """One event for a bulk batch, filed where the people work, so their bureaus see it
    (#8 item 9)."""
    units = people_api.person_rows().filter(pk__in=set(person_ids))
    audit_record_under(
        actor=actor,
        action="credit.entries_bulk_record",
        object_type="credits.LedgerEntry",
        object_id=first_id,
        object_label=f"批量记账 {created} 条",
        org_paths=units.values_list("unit__path", flat=True).distinct(),
        changes={"created": created, "first_id": first_id, "last_id": last_id},
    )
