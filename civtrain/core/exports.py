"""Excel exports of what a list shows (issue #11 item 2): at once when small, else a background
job whose file only the requester may download — the way the roster export works.

An app offers a list for export with a *table source*: a function `(actor, params) -> Table`
named by dotted path ("civtrain.compliance.exports:people_table"), which applies the same
scope and filters as the page. Up to IMMEDIATE_MAX rows the file is built in the request;
above it a job (core.jobs) writes it under var/exports/, kept for EXPORT_KEEP. Starting an
export and each download are audited.

The pages of a job whose result is one file (web: /exports/<id>/, its progress fragment and
the download) serve every such kind of job, not only these lists': an app registers its kind
with `file_job_register` (the roster export, the documents' zips), naming the function that
checks and audits each download of its files.
"""

import datetime as dt
import importlib
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from civtrain.core import clock, files, jobs
from civtrain.core.actors import Actor
from civtrain.core.audit import RequestContext, audit_record, request_context
from civtrain.core.errors import NotFound
from civtrain.core.files import export_dir
from civtrain.core.models import BackgroundJob
from civtrain.core.tabular import write_table

KIND = "table_export"
RUNNER = "civtrain.core.exports:run_table_export_job"
IMMEDIATE_MAX = 2000
EXPORT_KEEP = dt.timedelta(hours=24)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_FOUND = "导出任务不存在或无权查看"
_PROGRESS_EVERY_ROWS = 500


@dataclass(frozen=True)
class Table:
    """What a list exports: its headers, its rows (lazy), how many, and how it is filed."""

    title: str  # the sheet's title and the file's name, e.g. "培训达标情况"
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    count: int
    org_path: str  # the subtree the export is filed under in the audit trail
    personal_data: bool = False


TableSource = Callable[[Any, dict[str, Any]], Table]


@dataclass(frozen=True)
class ExportFile:
    path: Path | None  # a finished job's file; None for one built in the request
    content: bytes
    filename: str
    content_type: str = XLSX


def _function(path: str) -> Callable[..., Any]:
    module, _, name = path.partition(":")
    if not module.startswith("civtrain."):
        raise ValueError(f"{path!r} is not part of civtrain")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def _source(path: str) -> TableSource:
    return _function(path)


def _audit(*, actor: Actor, action: str, table: Table | dict[str, Any], job_id: int | None) -> None:
    title = table.title if isinstance(table, Table) else table["title"]
    org_path = table.org_path if isinstance(table, Table) else table["org_path"]
    personal = table.personal_data if isinstance(table, Table) else table["personal_data"]
    audit_record(
        actor=actor,
        action=action,
        object_type="export",
        object_id=job_id or "",
        object_label=f"{title}（xlsx）",
        org_path=org_path,
        changes={"personal_data": personal, **({"job": job_id} if job_id else {})},
    )


def _counted(rows: Iterable[Sequence[Any]], on_row: Callable[[int], None]) -> Iterator[Any]:
    for done, row in enumerate(rows, start=1):
        yield row
        on_row(done)


def table_export_start(
    *, actor: Actor, source: str, params: dict[str, Any], ip: str | None = None
) -> ExportFile | BackgroundJob:
    """The list's rows as .xlsx at once when few (≤ IMMEDIATE_MAX), else a queued job. The
    source raises NotFound/PermissionDenied for what the actor may not see, before anything
    is queued."""
    files.files_purge(older_than=EXPORT_KEEP)
    table = _source(source)(actor, params)
    if table.count <= IMMEDIATE_MAX:
        content = write_table(table.headers, table.rows, fmt="xlsx", sheet_title=table.title)
        _audit(actor=actor, action="table.export", table=table, job_id=None)
        return ExportFile(None, content, f"{table.title}.xlsx")
    job = jobs.job_create(
        actor=actor,
        kind=KIND,
        runner=RUNNER,
        params={"source": source, "params": params, "title": table.title, "ip": ip},
    )
    BackgroundJob.objects.filter(pk=job.pk).update(total=table.count)
    jobs.job_dispatch(job)
    return job


def run_table_export_job(job: BackgroundJob, progress: Callable[[int, int], None]) -> None:
    """Runner for core.jobs: the file, as the user who asked, scoped by their roles now."""
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.get(pk=int(job.created_by_id or 0))
    ctx = RequestContext(actor_id=actor.pk, actor_label=str(actor), ip_address=job.params.get("ip"))
    with request_context(ctx):
        table = _source(job.params["source"])(actor, job.params["params"])
        progress(0, table.count)

        def on_row(done: int) -> None:
            if done % _PROGRESS_EVERY_ROWS == 0 or done == table.count:
                progress(done, max(done, table.count))

        written = list(_counted(table.rows, on_row))
        content = write_table(table.headers, written, fmt="xlsx", sheet_title=table.title)
        name = f"table-{job.pk}-{secrets.token_hex(8)}.xlsx"
        files.write_private(export_dir() / name, content)
        _audit(actor=actor, action="table.export", table=table, job_id=job.pk)
    job.total = job.processed = len(written)
    job.report = {
        "file": name,
        "rows": len(written),
        "title": table.title,
        "org_path": table.org_path,
        "personal_data": table.personal_data,
        "expires_at": (clock.now() + EXPORT_KEEP).isoformat(),
    }


def table_export_job_get(*, actor: Actor, job_id: int) -> BackgroundJob:
    """The export job if this actor started it; NotFound otherwise (the same as missing)."""
    try:
        job = jobs.job_get(actor=actor, job_id=job_id)
    except NotFound:
        raise NotFound(NOT_FOUND) from None
    if job.kind != KIND:
        raise NotFound(NOT_FOUND)
    return job


def expires_at(job: BackgroundJob) -> dt.datetime | None:
    value = (job.report or {}).get("expires_at")
    return dt.datetime.fromisoformat(value) if value else None


def available(job: BackgroundJob) -> bool:
    """Finished, not yet expired, and the file still on disk."""
    until = expires_at(job)
    name = (job.report or {}).get("file")
    return (
        job.status == BackgroundJob.Status.DONE
        and bool(name)
        and until is not None
        and clock.now() < until
        and (export_dir() / str(name)).is_file()
    )


def table_export_file_open(*, actor: Actor, job_id: int) -> ExportFile:
    """The finished file for the user who asked for it; each download is audited."""
    job = table_export_job_get(actor=actor, job_id=job_id)
    if not available(job):
        raise NotFound("导出文件不存在或已过期，请重新导出")
    _audit(actor=actor, action="table.export_download", table=job.report, job_id=job.pk)
    path = export_dir() / job.report["file"]
    return ExportFile(path, b"", f"{job.report['title']}-{job.pk}.xlsx")


def export_response(result: ExportFile | BackgroundJob) -> HttpResponse:
    """What the export button answers: the file at once, or the job's progress page."""
    if isinstance(result, BackgroundJob):
        return redirect("web:export_job", job_id=result.pk)
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(result.filename)}"
    return response


# -- the pages of any job whose result is one file ------------------------------------------
class OpenedFile(Protocol):
    """What a kind's opener returns: the finished file to serve."""

    @property
    def path(self) -> Path | None: ...
    @property
    def filename(self) -> str: ...
    @property
    def content_type(self) -> str: ...


@dataclass(frozen=True)
class FileJobKind:
    """How the shared job pages show and serve one kind of file job."""

    opener: str  # "module:function" (actor=, job_id=) -> OpenedFile; checks, audits, NotFound
    heading: str | Promise  # the page's title, e.g. 导出
    counts: str = "rows"  # what job.report counts: "rows" (an export) or "documents" (a zip)
    personal_data: bool = False  # the file holds clear ID numbers (the page says so)
    back_url: str = ""  # a URL name the page links back to


_FILE_JOBS: dict[str, FileJobKind] = {
    KIND: FileJobKind(opener=f"{__name__}:table_export_file_open", heading=gettext_lazy("导出"))
}


def file_job_register(kind: str, spec: FileJobKind) -> None:
    """Let the shared job pages serve `kind` (called from the owning app's AppConfig.ready)."""
    _FILE_JOBS[kind] = spec


def file_job_get(*, actor: Actor, job_id: int) -> tuple[BackgroundJob, FileJobKind]:
    """The actor's own file job and how to show it; NotFound for anyone else's, for a job
    that makes no file and for a missing one (the same answer)."""
    try:
        job = jobs.job_get(actor=actor, job_id=job_id)
    except NotFound:
        raise NotFound(NOT_FOUND) from None
    spec = _FILE_JOBS.get(job.kind)
    if spec is None:
        raise NotFound(NOT_FOUND)
    return job, spec


def file_job_open(*, actor: Actor, job_id: int) -> OpenedFile:
    """The finished file through its kind's opener (which checks and audits the download)."""
    job, spec = file_job_get(actor=actor, job_id=job_id)
    opened: OpenedFile = _function(spec.opener)(actor=actor, job_id=job.pk)
    if opened.path is None:
        raise NotFound("导出文件不存在或已过期，请重新导出")
    return opened
