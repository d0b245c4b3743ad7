"""Corrections (CQ-M3): the ledger is append-only, so a correction is a reversal entry —
negated amounts, the same date, `reverses` set — and optionally a new, corrected entry."""

from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.db import transaction

from civtrain.core.errors import NotFound
from civtrain.credits.data import EntryData, EntryInput, SourceType
from civtrain.credits.errors import CreditsErrorCode
from civtrain.credits.models import LedgerEntry, LedgerSubjectHours
from civtrain.credits.services.audit import audit_entry
from civtrain.credits.services.entries import EntryRejected, Prepared, prepare
from civtrain.credits.services.recording import entry_data, to_data
from civtrain.credits.services.scope import persons_allowed
from civtrain.credits.services.writer import lock_heads, write


def credit_entry_reverse(
    *,
    actor: Any,
    entry_id: int,
    reason: str,
    replacement: EntryInput | None = None,
    hours_per_day: Decimal | None = None,
) -> tuple[EntryData, EntryData | None]:
    """Cancel an entry with a reversal entry (negated amounts, same date, `reverses` set) and
    optionally write the corrected entry (CQ-M3: corrections are new entries, never edits).
    An entry can be reversed once; a reversal cannot be reversed."""
    reason = (reason or "").strip()
    if not reason:
        raise EntryRejected(CreditsErrorCode.REASON_REQUIRED, "冲正必须填写原因")
    if len(reason) > 300:
        raise EntryRejected(CreditsErrorCode.INVALID_ENTRY, "冲正原因不超过300个字")
    person_id = LedgerEntry.objects.filter(pk=entry_id).values_list("person_id", flat=True).first()
    if person_id is None or person_id not in persons_allowed(actor, [person_id]):
        raise NotFound("培训记录不存在或不在您的管辖范围内")
    prepared_replacement = None
    if replacement is not None:
        if replacement.person_id != person_id:
            raise EntryRejected(CreditsErrorCode.INVALID_ENTRY, "更正记录必须属于同一人员")
        if not replacement.reason:
            replacement = replace(replacement, reason=reason)
        prepared_replacement = prepare(replacement, hours_per_day)
    with transaction.atomic():
        lock_heads([person_id])  # serialises reversals of the same person's entries
        original = LedgerEntry.objects.get(pk=entry_id)
        if original.source_type == SourceType.REVERSAL:
            raise EntryRejected(CreditsErrorCode.REVERSAL_NOT_REVERSIBLE, "冲正记录不能再被冲正")
        if LedgerEntry.objects.filter(reverses_id=entry_id).exists():
            raise EntryRejected(
                CreditsErrorCode.ENTRY_ALREADY_REVERSED, "该记录已被冲正，不能重复冲正"
            )
        subjects = list(
            LedgerSubjectHours.objects.filter(entry_id=entry_id).values_list("subject", "hours")
        )
        reversal = Prepared(
            person_id=person_id,
            title=original.title,
            start_date=original.start_date,
            date=original.date,  # same date, so the pair cancels in the same year
            hours=-Decimal(original.hours),
            days=-Decimal(original.days),
            training_type=original.training_type,
            mode=original.mode,
            result=original.result,
            score=None,
            source_type=SourceType.REVERSAL,
            source_ref=f"reversal:{entry_id}",
            reason=reason,
            evidence="",
            subjects=sorted((code, -Decimal(h)) for code, h in subjects),
            reverses_id=entry_id,
        )
        batch = [reversal] + ([prepared_replacement] if prepared_replacement else [])
        written = write(batch, actor=actor)
        rev_entry = written[0][0]
        assert rev_entry is not None  # noqa: S101 - the reverses check above makes it new
        audit_entry(
            actor, rev_entry, "credit.entry_reverse", {"reverses": entry_id, "reason": reason}
        )
        new_data = None
        if prepared_replacement is not None:
            new_entry, old_id = written[1]
            if new_entry is None:
                assert old_id is not None  # noqa: S101
                new_data = entry_data(old_id, created=False)
            else:
                audit_entry(actor, new_entry, "credit.entry_record", {"replaces": entry_id})
                new_data = to_data(new_entry, dict(prepared_replacement.subjects))
    return to_data(rev_entry, dict(reversal.subjects)), new_data
