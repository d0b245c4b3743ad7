"""Roster exports of the people list (.xlsx / .csv): small ones at once, large ones as a
background job whose file only the requester may download. With clear ID and phone numbers
only for a reason given (a purpose from the list and a note, #17 item 4) and written into
the audit row; masked (as every page shows them) without one.

A 100,000-row .xlsx took 80–170 s inside the request; now the request only counts the rows
and, above IMMEDIATE_MAX, queues a job (core.jobs) and answers with a page that polls its
progress. The file is written under var/exports/ (never under MEDIA_ROOT, which a web
server may serve), kept for EXPORT_KEEP and served only to the user who asked for it.
Writing the file and each download are audited as exports of personal data.
"""

import dataclasses
import datetime as dt
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import QuerySet

from civtrain.accounts.api import PERSONNEL_ROLES, actor_scope
from civtrain.core import clock, files, jobs
from civtrain.core import exports as table_exports
from civtrain.core.actors import Actor
from civtrain.core.audit import RequestContext, audit_record, request_context
from civtrain.core.errors import NotFound, PermissionDenied, ValidationFailed
from civtrain.core.files import export_dir
from civtrain.core.models import BackgroundJob
from civtrain.core.tabular import write_table
from civtrain.organisations.api import org_by_codes, org_data_many
from civtrain.people.data import ReleaseReason, parse_release_reason
from civtrain.people.imports import EXPORT_HEADERS, template_rows
from civtrain.people.models import Person
from civtrain.people.selectors import PersonFilters, person_list

logger = logging.getLogger(__name__)

EXPORT_KIND = "roster_export"
EXPORT_JOB_RUNNER = "civtrain.people.exports:run_roster_export_job"
# Up to this many rows the file is built in the request (well under a second) and
# downloaded at once; above it the export runs as a background job.
IMMEDIATE_MAX = 2000
# How long a finished export file stays on disk: it holds clear ID numbers.
EXPORT_KEEP = dt.timedelta(hours=24)
FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
UNIT_NOT_FOUND = "单位不存在或不在您的管辖范围内"
CLEAR_NEEDS_REASON = (
    "导出完整身份证号、手机号须选择用途并填写说明（记入审计）；不需要完整号码时请选择打码导出"
)
EXPORT_NOT_FOUND = "导出任务不存在或无权查看"
# Default order: by unit, then name (the roster's order); the list's sort keys otherwise.
DEFAULT_ORDER = ("unit__path", "name", "id")
_PROGRESS_EVERY_ROWS = 500


@dataclass(frozen=True)
class ExportRequest:
    """What to export: the list's filters and sort, or the import page's unit by code."""

    fmt: str = "xlsx"
    unit_code: str = ""
    filters: PersonFilters = dataclasses.field(default_factory=PersonFilters)
    order: tuple[str, ...] = DEFAULT_ORDER
    # Clear ID and phone numbers need `reason`; a masked export needs none (#17 item 4).
    masked: bool = False
    reason: ReleaseReason | None = None

    def as_params(self) -> dict[str, Any]:
        return {
            "format": self.fmt,
            "unit_code": self.unit_code,
            "filters": dataclasses.asdict(self.filters),
            "order": list(self.order),
            "masked": self.masked,
            "reason": (
                {"purpose": self.reason.purpose.value, "note": self.reason.note}
                if self.reason
                else None
            ),
        }

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "ExportRequest":
        reason = params.get("reason")
        return cls(
            fmt=params["format"],
            unit_code=params.get("unit_code", ""),
            filters=PersonFilters(**params.get("filters", {})),
            order=tuple(params.get("order") or DEFAULT_ORDER),
            masked=bool(params.get("masked", False)),
            reason=parse_release_reason(reason["purpose"], reason["note"]) if reason else None,
        )


@dataclass(frozen=True)
class ImmediateExport:
    content: bytes
    rows: int
    fmt: str
    org_path: str = ""  # the subtree the export is filed under in the audit trail


# --- what to export: exactly the rows the people list shows the actor ---------------------


def _export_queryset(*, actor: Actor, request: ExportRequest) -> tuple[QuerySet[Person], str]:
    """The people to export and the org path the export is filed under in the audit trail.

    Scoped as the people list is (`person_list`): an out-of-scope unit is NotFound.
    """
    scope = actor_scope(actor)
    paths = scope.paths_for(*PERSONNEL_ROLES)
    if not paths:
        raise PermissionDenied("只有人事管理人员可以导出名册")
    if request.fmt not in FORMATS:
        raise NotFound("不支持的导出格式")
    if not request.masked and request.reason is None:
        raise ValidationFailed(CLEAR_NEEDS_REASON, {"field": "purpose"})
    qs = person_list(actor=actor, filters=request.filters)
    under = _common_path(paths)
    if request.unit_code:
        node = org_by_codes({request.unit_code}).get(request.unit_code)
        if node is None or not node.active or not scope.covers(node.path, *PERSONNEL_ROLES):
            raise NotFound(UNIT_NOT_FOUND)
        qs = qs.filter(unit__path__startswith=node.path)
        under = node.path
    elif request.filters.unit_id is not None:
        unit = org_data_many([request.filters.unit_id]).get(request.filters.unit_id)
        if unit is not None and any(unit.path.startswith(p) for p in paths):
            under = unit.path
    return qs.order_by(*request.order), under


def _common_path(paths: tuple[str, ...]) -> str:
    """The deepest org path above all of `paths` ("" = the whole tree), so an export of the
    actor's whole scope is still filed under their city or district in the audit trail."""
    if not paths:
        return ""
    parts = [p.split("/")[:-1] for p in paths]
    common: list[str] = []
    for segments in zip(*parts, strict=False):
        if len(set(segments)) != 1:
            break
        common.append(segments[0])
    return "".join(f"{s}/" for s in common)


def _label(request: ExportRequest) -> str:
    return f"名册导出（{request.fmt}{'，打码' if request.masked else ''}）"


def _audit_export(
    *, actor: Actor, request: ExportRequest, under: str, rows: int, job_id: int | None
) -> None:
    audit_record(
        actor=actor,
        action="person.export",
        object_type="export",
        object_id=job_id or "",
        object_label=_label(request),
        org_path=under,
        changes={
            "rows": rows,
            "unit_code": request.unit_code,
            "filters": {k: v for k, v in dataclasses.asdict(request.filters).items() if v},
            "personal_data": True,
            "masked": request.masked,
            **(request.reason.as_audit() if request.reason and not request.masked else {}),
            **({"job": job_id} if job_id else {}),
        },
    )


# --- the export: one for the page, its background job and `civtrain export-roster` -------


def roster_export(
    *,
    actor: Actor,
    request: ExportRequest,
    on_row: Callable[[int], None] | None = None,
    job_id: int | None = None,
) -> ImmediateExport:
    """The roster in the import template's shape (.xlsx or .csv): exactly the rows the people
    list shows the actor (its filters and sort, or one unit's subtree by code), audited as
    an export of personal data (issue #9 item 5: the one roster export — the page, its
    background job and `civtrain export-roster`). Clear ID and phone numbers only with the
    request's reason, written into the audit row (#17 item 4); masked without one.
    Raises PermissionDenied for a non-personnel actor, NotFound for a unit out of scope and
    ValidationFailed for clear numbers without a reason."""
    qs, under = _export_queryset(actor=actor, request=request)
    written = 0

    def counted(done: int) -> None:
        nonlocal written
        written = done
        if on_row is not None:
            on_row(done)

    content = write_table(
        EXPORT_HEADERS,
        template_rows(qs, counted, masked=request.masked),
        fmt=request.fmt,
        sheet_title="名册",
    )
    _audit_export(actor=actor, request=request, under=under, rows=written, job_id=job_id)
    return ImmediateExport(content=content, rows=written, fmt=request.fmt, org_path=under)


def roster_export_start(
    *, actor: Actor, request: ExportRequest, ip: str | None = None
) -> ImmediateExport | BackgroundJob:
    """Export at once when the rows are few (≤ IMMEDIATE_MAX), else queue a background job.

    Raises PermissionDenied for a non-personnel actor, NotFound for a unit out of scope and
    ValidationFailed for clear numbers without a reason, before anything is queued.
    """
    export_files_purge()
    qs, _ = _export_queryset(actor=actor, request=request)
    count = qs.count()
    if count <= IMMEDIATE_MAX:
        return roster_export(actor=actor, request=request)
    job = jobs.job_create(
        actor=actor,
        kind=EXPORT_KIND,
        runner=EXPORT_JOB_RUNNER,
        params={**request.as_params(), "ip": ip},
    )
    # The count seen now: the page shows "0 / N" while queued.
    BackgroundJob.objects.filter(pk=job.pk).update(total=count)
    jobs.job_dispatch(job)
    return job


def run_roster_export_job(job: BackgroundJob, progress: Callable[[int, int], None]) -> None:
    """Runner for core.jobs: writes the export file as the user who asked, scoped by their
    roles now (a role withdrawn since the request exports nothing)."""
    from civtrain.accounts.api import User

    actor = User.objects.get(pk=int(job.created_by_id or 0))
    request = ExportRequest.from_params(job.params)
    ctx = RequestContext(actor_id=actor.pk, actor_label=str(actor), ip_address=job.params.get("ip"))
    with request_context(ctx):
        total = _export_queryset(actor=actor, request=request)[0].count()
        progress(0, total)

        def on_row(done: int) -> None:
            if done % _PROGRESS_EVERY_ROWS == 0 or done == total:
                progress(done, max(done, total))

        export = roster_export(actor=actor, request=request, on_row=on_row, job_id=job.pk)
        # An unguessable name as well as the owner check, readable by this user only (issue
        # 8 item 7): the file holds clear ID numbers.
        name = f"roster-{job.pk}-{secrets.token_hex(8)}.{request.fmt}"
        files.write_private(export_dir() / name, export.content)
    # The rows in the file, should people have changed since the count.
    job.total = job.processed = export.rows
    job.report = {
        "file": name,
        "rows": export.rows,
        "format": request.fmt,
        "org_path": export.org_path,
        "expires_at": (clock.now() + EXPORT_KEEP).isoformat(),
    }


# --- the job page and the download ----------------------------------------------------------


def export_job_get(*, actor: Actor, job_id: int) -> BackgroundJob:
    """The export job if this actor started it; NotFound otherwise (the same as missing)."""
    try:
        job = jobs.job_get(actor=actor, job_id=job_id)
    except NotFound:
        raise NotFound(EXPORT_NOT_FOUND) from None
    if job.kind != EXPORT_KIND:
        raise NotFound(EXPORT_NOT_FOUND)
    return job


# The same rule as every list export's (core.exports): finished, not expired, file on disk.
export_expires_at = table_exports.expires_at
export_available = table_exports.available


@dataclass(frozen=True)
class ExportFile:
    path: Path
    filename: str
    content_type: str


def export_file_open(*, actor: Actor, job_id: int) -> ExportFile:
    """The finished export for the user who asked for it, audited as a personal-data export
    (each download hands clear ID numbers out). Everyone else, an expired file or an actor
    who lost their personnel role: NotFound."""
    job = export_job_get(actor=actor, job_id=job_id)
    if not actor_scope(actor).has(*PERSONNEL_ROLES) or not export_available(job):
        raise NotFound("导出文件不存在或已过期，请重新导出")
    report = job.report
    request = ExportRequest.from_params(job.params)
    audit_record(
        actor=actor,
        action="person.export_download",
        object_type="export",
        object_id=job.pk,
        object_label=_label(request),
        org_path=report.get("org_path", ""),
        changes={
            "rows": report["rows"],
            "job": job.pk,
            "personal_data": True,
            "masked": request.masked,
            **(request.reason.as_audit() if request.reason and not request.masked else {}),
        },
    )
    fmt = report["format"]
    return ExportFile(
        path=export_dir() / report["file"],
        filename=f"名册导出-{job.pk}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )


def export_files_purge() -> int:
    """Delete personal-data files past their keep time; called whenever an export starts,
    besides the hourly purge (core.files). Returns the number of files deleted."""
    return files.files_purge(older_than=EXPORT_KEEP).files_deleted


def import_errors_open(*, actor: Actor, job_id: int) -> BackgroundJob:
    """The roster-import job whose error workbook (the bad rows as uploaded, clear ID numbers
    included) the actor may download: their own, with a personnel role still held. Each
    download is audited like an export (issue 8 item 7). NotFound otherwise."""
    try:
        job = jobs.job_get(actor=actor, job_id=job_id)
    except NotFound:
        raise NotFound("任务不存在或无权查看") from None
    paths = actor_scope(actor).paths_for(*PERSONNEL_ROLES)
    if not paths or job.kind != "roster_import" or not job.error_file:
        raise NotFound("该任务没有错误文件或已过期")
    audit_record(
        actor=actor,
        action="person.import_errors_download",
        object_type="import",
        object_id=job.pk,
        object_label=f"名册导入错误行（{job.params.get('filename', '')}）",
        org_path=_common_path(paths),
        changes={
            "job": job.pk,
            "bad_rows": (job.report or {}).get("bad_rows", 0),
            "personal_data": True,
        },
    )
    return job
