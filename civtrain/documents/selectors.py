"""Reads of documents, scoped by the actor: a learner their own, HR officers their units'
people, organisers and institutions their classes' trainees; out of scope is NotFound."""

from typing import Any

from civtrain.accounts.api import PERSONNEL_ROLES, actor_scope
from civtrain.classes import api as classes_api
from civtrain.classes.data import ClassData
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.credits.api import entry_rows
from civtrain.credits.data import SourceType
from civtrain.documents.data import NEEDS_CLASS, DocumentData, DocumentKind, DocumentRequest
from civtrain.documents.models import Document
from civtrain.people import api as people_api
from civtrain.people.data import PersonData


def access_class_documents(actor: Actor, class_id: int) -> ClassData:
    """The class if the actor organises or runs it (its trainees' documents); NotFound else."""
    try:
        return classes_api.access_class(actor, class_id, manage=True)
    except NotFound:
        return classes_api.access_class(actor, class_id, run=True)


def access_request(actor: Actor, req: DocumentRequest) -> PersonData:
    """The person if the actor may have this document of them; NotFound otherwise. A class's
    documents are also open to those who organise or run the class."""
    try:
        return people_api.access_person(actor, req.person_id)
    except NotFound:
        if req.kind not in NEEDS_CLASS or req.class_id is None:
            raise
    access_class_documents(actor, req.class_id)
    return people_api.person_data(req.person_id)


def access_document(actor: Actor, doc: DocumentData) -> None:
    """NotFound unless the actor may have this issued document: a person's as for issuing it,
    an org node's (the half-year notice) to personnel staff over that node."""
    if doc.person_id is None:
        paths = actor_scope(actor).paths_for(*PERSONNEL_ROLES)
        if not any(str(doc.content["org"]["path"]).startswith(p) for p in paths):
            raise NotFound("没有这个编号的文件")
        return
    access_request(actor, DocumentRequest(doc.kind, doc.person_id, doc.year, doc.class_id))


def classes_for_documents(actor: Actor, limit: int = 200) -> list[ClassData]:
    """Classes the actor organises or runs, newest first (the class zip's choices)."""
    q = classes_api.class_manage_q(actor) | classes_api.class_run_q(actor)
    ids = list(classes_api.class_ids_q(q).order_by("-start_date", "-id")[:limit])
    return [classes_api.class_data(i["pk"] if isinstance(i, dict) else i) for i in ids]


def class_ids_of_person(person_id: int) -> list[int]:
    """The classes a person has a ledger entry from (their certificates and forms)."""
    refs = (
        entry_rows()
        .filter(person_id=person_id, source_type=SourceType.CLASS, reversed_by__isnull=True)
        .values_list("source_ref", flat=True)
    )
    return sorted({int(r.split(":")[1]) for r in refs if r.startswith("class:")}, reverse=True)


def to_data(doc: Document) -> DocumentData:
    return DocumentData(
        serial=doc.serial,
        kind=DocumentKind(doc.kind),
        person_id=doc.person_id,
        year=doc.year,
        class_id=doc.class_id,
        issued_at=doc.issued_at,
        key_id=doc.key_id,
        signature=doc.signature,
        superseded_by=doc.superseded_by.serial if doc.superseded_by_id else "",  # type: ignore[union-attr]
        content=doc.content,
    )


def current_of(req: DocumentRequest) -> Document | None:
    """The latest, not superseded document of this kind for this person (and year, class)."""
    return (
        Document.objects.filter(
            person_id=req.person_id,
            kind=req.kind,
            year=req.year,
            class_id=req.class_id,
            superseded_by__isnull=True,
        )
        .order_by("-id")
        .first()
    )


def notice_current(*, org_id: int, year: int, half: int) -> Document | None:
    """The latest, not superseded half-year notice of a node for a half."""
    return (
        Document.objects.filter(
            kind=DocumentKind.HALF_YEAR_NOTICE,
            org_id=org_id,
            year=year,
            half=half,
            superseded_by__isnull=True,
        )
        .order_by("-id")
        .first()
    )


def document_by_serial(serial: str) -> DocumentData | None:
    """Public: the verify page shows any document's essentials (masked) by its serial."""
    doc = Document.objects.select_related("superseded_by").filter(serial=serial).first()
    return to_data(doc) if doc else None


def document_list(*, actor: Actor, person_id: int) -> list[DocumentData]:
    """A person's documents, newest first, for an actor who may see the person."""
    people_api.access_person(actor, person_id)
    qs = Document.objects.filter(person_id=person_id).select_related("superseded_by")
    return [to_data(d) for d in qs.order_by("-id")[:200]]


def documents_recent(*, actor: Actor, limit: int = 10) -> list[DocumentData]:
    """The latest documents of people the actor may see, newest first (the documents home
    page of personnel staff: what was issued lately, and a way to each person's documents)."""
    qs = (
        Document.objects.filter(person_id__in=people_api.person_ids_in_scope(actor))
        .select_related("superseded_by")
        .order_by("-issued_at", "-id")[:limit]
    )
    return [to_data(d) for d in qs]


def superseded_map(serials: Any = None) -> dict[str, str]:
    """old serial → the serial that replaced it (all, or those among `serials`)."""
    qs = Document.objects.filter(superseded_by__isnull=False)
    if serials is not None:
        qs = qs.filter(serial__in=list(serials))
    return dict(qs.values_list("serial", "superseded_by__serial"))
