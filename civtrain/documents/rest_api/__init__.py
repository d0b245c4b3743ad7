"""Document endpoints (issue #15): issue a document, fetch its PDF, look one up by serial."""

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from civtrain.core.errors import NotFound
from civtrain.core.fields import DbId, Year
from civtrain.documents import selectors, services
from civtrain.documents.data import DocumentData, DocumentKind, DocumentRequest

router = Router(tags=["documents"])


class DocumentIn(Schema):
    kind: DocumentKind
    person_id: DbId
    year: Year | None = None  # transcript, assessment extract
    class_id: DbId | None = None  # completion form, class certificate


class DocumentOut(Schema):
    serial: str
    kind: str
    title: str
    person_id: int | None  # None: an org node's document
    year: int | None
    class_id: int | None
    issued_at: dt.datetime
    key_id: str
    superseded_by: str
    verify_url: str
    text: str  # the extracts' text to paste; "" for the other kinds


def _out(doc: DocumentData) -> dict[str, Any]:
    return {
        "serial": doc.serial,
        "kind": doc.kind.value,
        "title": doc.title,
        "person_id": doc.person_id,
        "year": doc.year,
        "class_id": doc.class_id,
        "issued_at": doc.issued_at,
        "key_id": doc.key_id,
        "superseded_by": doc.superseded_by,
        "verify_url": doc.content["verify_url"],
        "text": doc.content.get("text", ""),
    }


@router.post("/issue", response=DocumentOut, summary="出具文件（内容未变时返回原文件）")
def document_issue(request: HttpRequest, payload: DocumentIn) -> Any:
    req = DocumentRequest(payload.kind, payload.person_id, payload.year, payload.class_id)
    return _out(services.document_issue(actor=request.auth, request=req))  # type: ignore[attr-defined]


PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "PDF",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get("/{serial}/pdf", summary="文件 PDF（有权查看该人员者）", openapi_extra=PDF_RESPONSE)
def document_pdf(request: HttpRequest, serial: str) -> HttpResponse:
    doc = selectors.document_by_serial(serial)
    if doc is None:
        raise NotFound("没有这个编号的文件")
    selectors.access_document(request.auth, doc)  # type: ignore[attr-defined]
    response = HttpResponse(services.document_pdf(doc), content_type="application/pdf")
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(services.filename(doc))}"
    )
    return response
