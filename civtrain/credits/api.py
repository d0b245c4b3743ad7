"""Public interface of the credit ledger."""

from typing import Any

from django.db.models import QuerySet

from civtrain.credits.models import LedgerEntry, LedgerSubjectHours


def entry_rows() -> QuerySet[Any]:
    """All ledger entries as a values()-able queryset, for set-wise aggregation (compliance).

    Reversals carry negated hours, so SUM over any filter already excludes reversed entries.
    """
    return LedgerEntry.objects.all()


def subject_rows() -> QuerySet[Any]:
    """All per-subject hour rows (with person_id and year copied from their entry)."""
    return LedgerSubjectHours.objects.all()
