"""Writes to the credit ledger, for the app's api, pages, REST endpoints and commands.

The ledger is append-only (CQ-M3): a correction is a reversal entry plus a new entry. The
modules, in the order a write passes through them:

- entries     — one input validated and prepared, hours and days as given (EntryRejected
                names the field; conversions happen when a rule is evaluated, §8, PR-2)
- scope       — whose entries an actor may write
- writer      — the chain writer: chain heads locked, entries hashed and inserted, outbox rows
- audit       — the audit events of ledger writes
- recording   — record one entry, or many in batches
- corrections — reverse (and correct) an entry
- claims      — external study claims, approved into entries
- rechain     — re-chain the ledger under the configured suite's hash (#17 item 5)
"""

from civtrain.credits.services.claims import claim_decide, claim_submit
from civtrain.credits.services.corrections import credit_entry_reverse
from civtrain.credits.services.entries import EntryRejected, prepare, subject_codes
from civtrain.credits.services.rechain import RechainResult, ledger_rechain
from civtrain.credits.services.recording import (
    credit_entries_bulk_record,
    credit_entry_record,
    credit_entry_record_input,
    entry_data,
    to_data,
)
from civtrain.credits.services.scope import persons_allowed, require_ledger_writer

__all__ = [
    "EntryRejected",
    "RechainResult",
    "claim_decide",
    "claim_submit",
    "credit_entries_bulk_record",
    "credit_entry_record",
    "credit_entry_record_input",
    "credit_entry_reverse",
    "entry_data",
    "ledger_rechain",
    "persons_allowed",
    "prepare",
    "require_ledger_writer",
    "subject_codes",
    "to_data",
]
