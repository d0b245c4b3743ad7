"""Public interface of documents (issue #15): issue, render, verify, bulk zip."""

from civtrain.documents import sealing, selectors, services
from civtrain.documents.data import (
    DocumentData,
    DocumentKind,
    DocumentRequest,
    VerifyOutcome,
    VerifyStatus,
)

__all__ = [
    "DocumentData",
    "DocumentKind",
    "DocumentRequest",
    "VerifyOutcome",
    "VerifyStatus",
    "document_by_serial",
    "document_issue",
    "document_pdf",
    "verify_pdf",
]

document_issue = services.document_issue
document_pdf = services.document_pdf
document_by_serial = selectors.document_by_serial
# Offline: a PDF checked against the platform's keys, no database (ADR 0020).
verify_pdf = sealing.verify_pdf
