"""Issuing documents, their PDFs, and a unit's or class's documents as one zip (issue #15).

`document_issue` is the one write: it builds the content from the ledger (documents.content),
and either returns the current document when nothing changed, or issues a new serial whose
signed content replaces the old one's (the old one is then superseded: ADR 0020).
"""

import datetime as dt
import hashlib
import json
import re
import secrets
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from civtrain.classes import api as classes_api
from civtrain.core import clock, exports, files, jobs
from civtrain.core.actors import Actor
from civtrain.core.audit import RequestContext, audit_record, request_context
from civtrain.core.errors import ApplicationError, NotFound, ValidationFailed
from civtrain.core.models import BackgroundJob
from civtrain.documents import content as content_builder
from civtrain.documents import pool, render, sealing, selectors
from civtrain.documents.data import (
    KIND_LABELS,
    NEEDS_CLASS,
    NEEDS_YEAR,
    ORG_KINDS,
    DocumentData,
    DocumentKind,
    DocumentRequest,
    VerifyOutcome,
    VerifyStatus,
)
from civtrain.documents.models import Document
from civtrain.enrolment import api as enrolment_api
from civtrain.learning import api as learning_api
from civtrain.organisations.api import org_data
from civtrain.people import api as people_api

_SERIAL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud or typed
SERIAL_PATTERN = re.compile(r"^CT-[2-9A-HJ-NP-Z]{12}$")
ZIP_KIND = "documents_zip"
ZIP_RUNNER = "civtrain.documents.services:run_zip_job"
ZIP_KEEP = dt.timedelta(hours=24)


def _serial() -> str:
    return "CT-" + "".join(secrets.choice(_SERIAL_ALPHABET) for _ in range(12))


def verify_url(serial: str) -> str:
    return settings.CIVTRAIN_PUBLIC_URL.rstrip("/") + reverse("documents:verify", args=[serial])


def _check(req: DocumentRequest) -> None:
    if req.kind in ORG_KINDS:
        raise ValidationFailed(f"{KIND_LABELS[req.kind]}不是个人文件")
    if req.kind in NEEDS_YEAR and req.year is None:
        raise ValidationFailed(f"{KIND_LABELS[req.kind]}需要指定年度")
    if req.kind in NEEDS_CLASS and req.class_id is None:
        raise ValidationFailed(f"{KIND_LABELS[req.kind]}需要指定培训班")


def _normalised(req: DocumentRequest) -> DocumentRequest:
    # What a kind does not use is not part of its identity (a booklet "for 2026" is the booklet).
    return DocumentRequest(
        kind=req.kind,
        person_id=req.person_id,
        year=req.year if req.kind in NEEDS_YEAR else None,
        class_id=req.class_id if req.kind in NEEDS_CLASS else None,
    )


def document_issue(*, actor: Actor, request: DocumentRequest) -> DocumentData:
    """The current document for the request: the one issued before when its content still
    holds, else a new one (signed), which supersedes the old (ZZ-M3, CQ-M3, issue #15)."""
    _check(request)
    req = _normalised(request)
    person = selectors.access_request(actor, req)
    body = content_builder.build(req)
    return _issue(
        actor=actor,
        body=body,
        current=lambda: selectors.current_of(req),
        fields={
            "kind": req.kind,
            "person_id": req.person_id,
            "year": req.year,
            "class_id": req.class_id,
            "org_path": person.unit_path,
        },
        label=f"{KIND_LABELS[req.kind]} {person.name}",
    )


def notice_issue(
    *, actor: Actor, year: int | str, half: int | str, org_id: int | None = None
) -> DocumentData:
    """The half-year notice of online learning (半年通报, ZZ-N2) of a node the actor holds a
    personnel role over, as a signed document: the one issued before while its figures still
    hold, else a new one that supersedes it (the figures move until the half is over)."""
    notice = learning_api.supervision_notice(
        actor=actor, half=learning_api.SupervisionHalf.parse(year, half), org_id=org_id
    )
    kind = DocumentKind.HALF_YEAR_NOTICE
    return _issue(
        actor=actor,
        body=content_builder.half_year_notice(notice),
        current=lambda: selectors.notice_current(
            org_id=notice.org.id, year=notice.half.year, half=notice.half.half
        ),
        fields={
            "kind": kind,
            "year": notice.half.year,
            "half": notice.half.half,
            "org_id": notice.org.id,
            "org_path": notice.org.path,
        },
        label=f"{notice.org.name}{notice.half.label}{KIND_LABELS[kind]}",
    )


def _issue(
    *,
    actor: Actor,
    body: dict[str, Any],
    current: Callable[[], Document | None],
    fields: dict[str, Any],
    label: str,
) -> DocumentData:
    """The current document when its content is `body`, else a new signed one that
    supersedes it; `fields` say whose it is (the model's columns), `label` names it in the
    audit trail."""
    digest = hashlib.sha256(sealing.canonical(body)).hexdigest()
    with transaction.atomic():
        old = current()
        if old is not None and old.content_hash == digest:
            return selectors.to_data(old)
        serial, issued_at = _serial(), clock.now()
        full = {
            **body,
            "serial": serial,
            "issued_at": issued_at.isoformat(timespec="seconds"),
            "issuer": settings.CIVTRAIN_DOCUMENT_ISSUER,
            "verify_url": verify_url(serial),
        }
        seal = sealing.content_seal(full)
        doc = Document(
            serial=serial,
            content=full,
            content_hash=digest,
            key_id=seal["key_id"],
            signature=seal["signature"],
            issued_at=issued_at,
            issued_by_id=getattr(actor, "pk", None),
            **fields,
        )
        doc.full_clean()
        doc.save()
        if old is not None:
            old.superseded_by = doc
            old.save(update_fields=["superseded_by"])
        audit_record(
            actor=actor,
            action="document.issue",
            object_type="document",
            object_id=doc.pk,
            object_label=f"{serial} {label}",
            org_path=fields["org_path"],
            changes={"supersedes": [old.serial if old else "", serial]},
        )
    return selectors.to_data(doc)


def document_pdf(doc: DocumentData) -> bytes:
    """The PDF of an issued document: its content rendered, the signed content embedded,
    the file signed (sealing)."""
    return sealing.file_seal(pool.render_one(_pdf_input(doc)))


def _pdf_input(doc: DocumentData) -> pool.PdfInput:
    """What rendering the document needs (no key, no database): its HTML and the signed
    content to embed."""
    sealed = {"content": doc.content, "key_id": doc.key_id, "signature": doc.signature}
    return pool.PdfInput(
        html=render.html_of(doc.content, verify_url=doc.content["verify_url"]),
        attachment=json.dumps(sealed, ensure_ascii=False, sort_keys=True),
        name=sealing.ATTACHMENT,
        at=doc.issued_at,
    )


def filename(doc: DocumentData) -> str:
    if "org" in doc.content and "person" not in doc.content:
        return f"{doc.content['org']['name']}-{doc.content['period']}{doc.title}-{doc.serial}.pdf"
    return f"{doc.title}-{doc.content['person']['name']}-{doc.serial}.pdf"


# -- verification against the platform (the verify page; the CLI's --online) ----------------
def document_verify_pdf(data: bytes) -> VerifyOutcome:
    """An uploaded PDF checked offline (sealing) and then against the platform's records:
    superseded since, or unknown here."""
    outcome = sealing.verify_pdf(data)
    if outcome.content is None or not outcome.ok:
        return outcome
    serial = str(outcome.content.get("serial", ""))
    if selectors.document_by_serial(serial) is None:
        return VerifyOutcome(
            VerifyStatus.UNKNOWN_SERIAL,
            f"平台没有编号为 {serial} 的文件",
            outcome.content,
            outcome.key_id,
        )
    return sealing.verify_pdf(data, superseded=selectors.superseded_map([serial]))


def superseded_list() -> dict[str, Any]:
    """The signed list of superseded serials, for `verify-document --superseded-list`."""
    return sealing.superseded_list_seal(
        selectors.superseded_map(), clock.now().isoformat(timespec="seconds")
    )


# -- a unit's or a class's documents as one zip, built in the background --------------------
@dataclass(frozen=True)
class ZipRequest:
    kind: DocumentKind
    unit_id: int | None = None
    class_id: int | None = None
    year: int | None = None


def _requests(actor: Actor, z: ZipRequest) -> list[DocumentRequest]:
    """One request per person the zip covers, scoped by the actor (NotFound out of scope)."""
    if z.kind in NEEDS_CLASS:
        if z.class_id is None:
            raise ValidationFailed("请选择培训班")
        selectors.access_class_documents(actor, z.class_id)
        trainees = enrolment_api.trainee_results(class_id=z.class_id)
        if z.kind == DocumentKind.CLASS_CERTIFICATE:
            trainees = [t for t in trainees if t.passed is True]
        return [DocumentRequest(z.kind, t.person_id, class_id=z.class_id) for t in trainees]
    if z.unit_id is None:
        raise ValidationFailed("请选择单位")
    _check(DocumentRequest(z.kind, 0, year=z.year))
    ids = people_api.person_ids_matching(actor=actor, unit_id=z.unit_id)
    return [DocumentRequest(z.kind, pid, year=z.year) for pid in ids]


def _zip_title(z: ZipRequest) -> str:
    if z.class_id is not None and z.kind in NEEDS_CLASS:
        where = classes_api.class_data(z.class_id).code
    else:
        where = org_data(int(z.unit_id or 0)).name
    year = f"{z.year}年" if z.year and z.kind in NEEDS_YEAR else ""
    return f"{where}-{year}{KIND_LABELS[z.kind]}"


def documents_zip_start(
    *, actor: Actor, request: ZipRequest, ip: str | None = None
) -> BackgroundJob:
    """Queue the zip of every document the request covers; the job runs off the web process
    (core.jobs: a Celery worker with a broker, a thread otherwise)."""
    reqs = _requests(actor, request)
    if not reqs:
        raise ValidationFailed("没有可出具的文件")
    params = {
        "kind": request.kind.value,
        "unit_id": request.unit_id,
        "class_id": request.class_id,
        "year": request.year,
        "title": _zip_title(request),
        "ip": ip,
    }
    job = jobs.job_create(actor=actor, kind=ZIP_KIND, runner=ZIP_RUNNER, params=params)
    BackgroundJob.objects.filter(pk=job.pk).update(total=len(reqs))
    jobs.job_dispatch(job)
    return job


def _issued(actor: Actor, reqs: list[DocumentRequest]) -> Iterator[DocumentData]:
    for req in reqs:
        try:
            yield document_issue(actor=actor, request=req)
        except ApplicationError:
            continue  # e.g. a trainee who did not pass gets no certificate


def _pdfs(actor: Actor, reqs: list[DocumentRequest]) -> Iterator[tuple[str, bytes]]:
    """Each document's file name and sealed PDF, in the requests' order. A large batch is
    rendered by a pool of worker processes, one per core (pool.py, #15 item 4); issuing,
    signing and sealing stay in this process."""
    workers = pool.workers_for(len(reqs))
    if not workers:
        for doc in _issued(actor, reqs):
            yield filename(doc), document_pdf(doc)
        return
    inputs = ((filename(doc), _pdf_input(doc)) for doc in _issued(actor, reqs))
    for name, pdf in pool.rendered(inputs, workers):
        yield name, sealing.file_seal(pdf)


def run_zip_job(job: BackgroundJob, progress: Callable[[int, int], None]) -> None:
    """Runner for core.jobs: the documents as the user who asked, scoped by their roles now."""
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.get(pk=int(job.created_by_id or 0))
    p = job.params
    z = ZipRequest(DocumentKind(p["kind"]), p.get("unit_id"), p.get("class_id"), p.get("year"))
    ctx = RequestContext(actor_id=actor.pk, actor_label=str(actor), ip_address=p.get("ip"))
    name = f"documents-{job.pk}-{secrets.token_hex(8)}.zip"
    path = files.export_dir() / name
    files.private_dir(path.parent)
    # Built under a scratch name and renamed once whole: a worker killed half-way leaves no
    # zip to download, and jobs_recover removes the scratch file (#17 faults).
    scratch = jobs.job_scratch_path(job, ".zip")
    with request_context(ctx):
        reqs = _requests(actor, z)
        progress(0, len(reqs))
        written = 0
        with zipfile.ZipFile(scratch, "w", compression=zipfile.ZIP_STORED) as zf:
            for done, (fname, pdf) in enumerate(_pdfs(actor, reqs), start=1):
                zf.writestr(fname, pdf)
                written = done
                progress(done, len(reqs))
        scratch.chmod(0o600)
        scratch.replace(path)
        audit_record(
            actor=actor,
            action="document.zip",
            object_type="export",
            object_id=job.pk,
            object_label=f"{p['title']}（zip）",
            org_path=_zip_org_path(z),
            changes={"documents": written},
        )
    job.total = job.processed = len(reqs)
    job.report = {
        "file": name,
        "documents": written,
        "title": p["title"],
        "org_path": _zip_org_path(z),
        "expires_at": (clock.now() + ZIP_KEEP).isoformat(),
    }


def _zip_org_path(z: ZipRequest) -> str:
    if z.class_id is not None and z.kind in NEEDS_CLASS:
        return classes_api.class_data(z.class_id).organiser_path
    return org_data(int(z.unit_id or 0)).path


def zip_job_get(*, actor: Actor, job_id: int) -> BackgroundJob:
    """The zip job if this actor started it; NotFound otherwise (the same as missing)."""
    job = jobs.job_get(actor=actor, job_id=job_id)
    if job.kind != ZIP_KIND:
        raise NotFound("任务不存在或无权查看")
    return job


def zip_jobs_recent(*, actor: Actor) -> list[BackgroundJob]:
    return jobs.job_list_recent(actor=actor, kind=ZIP_KIND)


def zip_file_open(*, actor: Actor, job_id: int) -> exports.ExportFile:
    """A finished zip for the user who asked, within its keep time; each download audited.
    Served by the shared job pages (core.exports.file_job_register in apps.py)."""
    job = zip_job_get(actor=actor, job_id=job_id)
    if not exports.available(job):
        raise NotFound("文件不存在或已过期，请重新生成")
    audit_record(
        actor=actor,
        action="document.zip_download",
        object_type="export",
        object_id=job.pk,
        object_label=f"{job.report['title']}（zip）",
        org_path=job.report.get("org_path", ""),
    )
    path = files.export_dir() / str(job.report["file"])
    return exports.ExportFile(path, b"", f"{job.report['title']}.zip", "application/zip")
