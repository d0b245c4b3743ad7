"""Corrections (CQ-M3): the ledger is append-only, so a correction is a reversal entry —
negated amounts, the same date, `reverses` set — and optionally a new, corrected entry.

The corrected entry is built here and only here (`correction_input`), for the people page
and the API alike (#9 item 5): both hand over what changes as a `Correction`."""

from collections.abc import Mapping
from decimal import Decimal
from typing import TypeVar

from django.db import transaction

from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.credits.data import Correction, EntryData, EntryInput, SourceType, recorded
from civtrain.credits.errors import CreditsErrorCode
from civtrain.credits.models import LedgerEntry, LedgerSubjectHours
from civtrain.credits.services.audit import audit_entry
from civtrain.credits.services.entries import EntryRejected, Prepared, prepare
from civtrain.credits.services.recording import entry_data, to_data
from civtrain.credits.services.scope import persons_allowed
from civtrain.credits.services.writer import lock_heads, write

T = TypeVar("T")


def _given(value: T | None, kept: T) -> T:
    return kept if value is None else value


def correction_input(
    original: LedgerEntry, subjects: Mapping[str, Decimal], correction: Correction, reason: str
) -> EntryInput:
    """The corrected entry: the original with what `correction` changes (see Correction)."""
    if correction.person_id is not None and correction.person_id != original.person_id:
        raise EntryRejected(CreditsErrorCode.INVALID_ENTRY, "更正记录必须属于同一人员")
    return EntryInput(
        person_id=original.person_id,
        title=_given(correction.title, original.title),
        date=_given(correction.date, original.date),
        start_date=_given(correction.start_date, original.start_date),
        training_type=_given(correction.training_type, original.training_type),
        mode=_given(correction.mode, original.mode),
        hours=correction.hours,  # the amounts are the correction's own, as given
        days=correction.days,
        subject_hours=_given(correction.subject_hours, subjects),
        result=_given(correction.result, original.result),
        score=_given(correction.score, original.score),
        source_type=_given(correction.source_type, SourceType.MANUAL.value),
        source_ref=_given(correction.source_ref, f"correction:{original.pk}"),
        evidence=_given(correction.evidence, original.evidence),
        reason=correction.reason or reason,
    )


def credit_entry_reverse(
    *,
    actor: Actor,
    entry_id: int,
    reason: str,
    correction: Correction | None = None,
) -> tuple[EntryData, EntryData | None]:
    """Cancel an entry with a reversal entry (negated amounts, same date, `reverses` set) and,
    given a correction, write the corrected entry (CQ-M3: corrections are new entries, never
    edits). An entry can be reversed once; a reversal cannot be reversed."""
    reason = (reason or "").strip()
    if not reason:
        raise EntryRejected(CreditsErrorCode.REASON_REQUIRED, "冲正必须填写原因")
    if len(reason) > 300:
        raise EntryRejected(CreditsErrorCode.INVALID_ENTRY, "冲正原因不超过300个字")
    # Entries and their subject rows never change (append-only): read before the lock.
    original = LedgerEntry.objects.filter(pk=entry_id).first()
    if original is None or original.person_id not in persons_allowed(actor, [original.person_id]):
        raise NotFound("培训记录不存在或不在您的管辖范围内")
    person_id = original.person_id
    subjects = dict(
        LedgerSubjectHours.objects.filter(entry_id=entry_id).values_list("subject", "hours")
    )
    prepared_replacement = None
    if correction is not None:
        replacement = correction_input(original, subjects, correction, reason)
        prepared_replacement = prepare(replacement)
    with transaction.atomic():
        lock_heads([person_id])  # serialises reversals of the same person's entries
        if original.source_type == SourceType.REVERSAL:
            raise EntryRejected(CreditsErrorCode.REVERSAL_NOT_REVERSIBLE, "冲正记录不能再被冲正")
        if LedgerEntry.objects.filter(reverses_id=entry_id).exists():
            raise EntryRejected(
                CreditsErrorCode.ENTRY_ALREADY_REVERSED, "该记录已被冲正，不能重复冲正"
            )
        # The values the original recorded, negated; a version-1 value converted when it
        # was written (marked by migration 0009) is not carried on (issue #10 item 6).
        rec_hours, rec_days = recorded(original.hours, original.days, original.derived)
        reversal = Prepared(
            person_id=person_id,
            title=original.title,
            start_date=original.start_date,
            date=original.date,  # same date, so the pair cancels in the same year
            hours=None if rec_hours is None else -Decimal(rec_hours),
            days=None if rec_days is None else -Decimal(rec_days),
            training_type=original.training_type,
            mode=original.mode,
            result=original.result,
            score=None,
            source_type=SourceType.REVERSAL,
            source_ref=f"reversal:{entry_id}",
            reason=reason,
            evidence="",
            subjects=sorted((code, -Decimal(h)) for code, h in subjects.items()),
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
