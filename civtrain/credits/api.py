"""Public interface of the credit ledger: the one way other apps credit or read hours."""

from typing import Any

from django.db.models import Q, QuerySet

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
from civtrain.credits.models import LedgerEntry, LedgerSubjectHours

__all__ = [
    "DAYS_MISSING",
    "DAYS_NOT_DERIVED",
    "HOURS_MISSING",
    "HOURS_NOT_DERIVED",
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
    "ledger_rechain",
    "subject_rows",
]

# Writes (services.py): keyword-only, each in one transaction with an audit event.
credit_entry_record = services.credit_entry_record
credit_entry_record_input = services.credit_entry_record_input
credit_entries_bulk_record = services.credit_entries_bulk_record
credit_entry_reverse = services.credit_entry_reverse
entry_data = services.entry_data

# 国密 mode (#17 item 5): re-chain the ledger under the configured suite's hash (crypto-migrate).
ledger_rechain = services.ledger_rechain

# The ledger's outbox (ADR 0013): what changed, pulled by the apps that derive from it.
ledger_changes_take = outbox.changes_take
ledger_changes_waiting = outbox.changes_waiting


# What an entry recorded (REQUIREMENTS §8, issue #10 item 6), as filters of entry_rows():
# SUM skips NULL, so summing `hours` over HOURS_NOT_DERIVED sums the recorded hours (the
# version-1 values marked as converted at write time left out); HOURS_MISSING are the entries
# whose days the evaluating set converts to hours. Likewise for days.
HOURS_NOT_DERIVED = ~Q(derived="hours")
DAYS_NOT_DERIVED = ~Q(derived="days")
HOURS_MISSING = Q(hours__isnull=True) | Q(derived="hours")
DAYS_MISSING = Q(days__isnull=True) | Q(derived="days")


def entry_rows() -> QuerySet[Any]:
    """All ledger entries as a values()-able queryset, for set-wise aggregation (compliance).

    Reversals carry negated hours, so SUM over any filter already excludes reversed entries.
    """
    return LedgerEntry.objects.all()


def subject_rows() -> QuerySet[Any]:
    """All per-subject hour rows (with person_id and year copied from their entry)."""
    return LedgerSubjectHours.objects.all()
