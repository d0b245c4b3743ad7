"""Error codes of the credit ledger."""

from enum import StrEnum


class CreditsErrorCode(StrEnum):
    INVALID_ENTRY = "ledger_invalid_entry"
    SUBJECT_HOURS_EXCEED = "ledger_subject_hours_exceed"
    UNKNOWN_SUBJECT = "ledger_unknown_subject"
    ENTRY_ALREADY_REVERSED = "ledger_entry_already_reversed"
    REVERSAL_NOT_REVERSIBLE = "ledger_reversal_not_reversible"
    REASON_REQUIRED = "ledger_reason_required"
    SIGNING_KEY_MISSING = "ledger_signing_key_missing"
    CLAIM_NOT_PENDING = "claim_not_pending"
    EVIDENCE_INVALID = "claim_evidence_invalid"
