"""Public interface of the credit ledger: the one way other apps credit or read hours."""

from typing import Any

from django.db.models import QuerySet

from civtrain.credits import outbox, services
from civtrain.credits.data import (
    BulkItemResult,
    BulkResult,
    EntryData,
    EntryInput,
    ItemStatus,
    Result,
    SourceType,
)
from civtrain.credits.hooks import register_hours_per_day
from civtrain.credits.models import LedgerEntry, LedgerSubjectHours

__all__ = [
    "BulkItemResult",
    "BulkResult",
    "EntryData",
    "EntryInput",
    "ItemStatus",
    "Result",
    "SourceType",
    "credit_entries_bulk_record",
    "credit_entry_record",
    "credit_entry_reverse",
    "entry_rows",
    "ledger_changes_take",
    "ledger_changes_waiting",
    "register_hours_per_day",
    "subject_rows",
]

# Writes (services.py): keyword-only, each in one transaction with an audit event.
credit_entry_record = services.credit_entry_record
credit_entry_record_input = services.credit_entry_record_input
credit_entries_bulk_record = services.credit_entries_bulk_record
credit_entry_reverse = services.credit_entry_reverse
default_hours_per_day = services.default_hours_per_day
entry_data = services.entry_data

# The ledger's outbox (ADR 0013): what changed, pulled by the apps that derive from it.
ledger_changes_take = outbox.changes_take
ledger_changes_waiting = outbox.changes_waiting


def entry_rows() -> QuerySet[Any]:
    """All ledger entries as a values()-able queryset, for set-wise aggregation (compliance).

    Reversals carry negated hours, so SUM over any filter already excludes reversed entries.
    """
    return LedgerEntry.objects.all()


def subject_rows() -> QuerySet[Any]:
    """All per-subject hour rows (with person_id and year copied from their entry)."""
    return LedgerSubjectHours.objects.all()
