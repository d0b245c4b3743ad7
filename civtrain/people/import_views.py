"""Roster import page: upload, a polled progress bar, the per-row report and its error file;
the blank template and the roster export (issue 2 items 5 and 9)."""

import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from civtrain.accounts.api import PERSONNEL_ROLES, actor_scope
from civtrain.core import jobs
from civtrain.core.errors import ApplicationError
from civtrain.core.middleware import client_ip
from civtrain.core.tabular import SUFFIXES, ImportReport
from civtrain.organisations.api import UnitPickForm
from civtrain.people.data import RELEASE_PURPOSE_CHOICES
from civtrain.people.exports import import_errors_open
from civtrain.people.imports import ROSTER_JOB_RUNNER, roster_template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 50 * 1024 * 1024
REPORT_ROWS = 500  # bad rows shown on the page; the error workbook has them all


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("名册文件"),
        widget=forms.ClearableFileInput({"class": "form-control", "accept": ",".join(SUFFIXES)}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("试运行（只检查，不写入）"),
        required=False,
        widget=forms.CheckboxInput({"class": "form-check-input"}),
    )
    skip_invalid = forms.BooleanField(
        label=gettext_lazy("跳过错误行（只导入正确的行）"),
        required=False,
        widget=forms.CheckboxInput({"class": "form-check-input"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in SUFFIXES:
            raise forms.ValidationError(_("请上传 .xlsx、.xls、.ods 或 .csv 文件"))
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("文件过大（最大 50 MB）"))
        return upload


def _require_personnel(request: HttpRequest) -> None:
    if not actor_scope(request.user).has(*PERSONNEL_ROLES):
        raise PermissionDenied(_("只有人事管理人员可以导入或导出名册"))


@login_required
def roster_import_page(request: HttpRequest) -> HttpResponse:
    _require_personnel(request)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        # A random name: the upload holds personal data and is deleted after the run.
        stored = default_storage.save(f"imports/uploads/{uuid.uuid4().hex}{suffix}", upload)
        job = jobs.job_create(
            actor=request.user,
            kind="roster_import",
            runner=ROSTER_JOB_RUNNER,
            input_file=stored,
            params={
                "filename": Path(upload.name).name,
                "dry_run": form.cleaned_data["dry_run"],
                "skip_invalid": form.cleaned_data["skip_invalid"],
                "ip": client_ip(request),
            },
        )
        jobs.job_dispatch(job)
        return redirect("people:import_job", job_id=job.pk)
    recent = jobs.job_list_recent(actor=request.user, kind="roster_import")
    return render(
        request,
        "people/import.html",
        {
            "form": form,
            "export_form": UnitPickForm(actor=request.user, auto_id="export-%s"),
            "release_purposes": RELEASE_PURPOSE_CHOICES,
            "recent": recent,
        },
    )


def _job_context(request: HttpRequest, job_id: int) -> dict[str, Any]:
    try:
        job = jobs.job_get(actor=request.user, job_id=job_id)
    except ApplicationError:
        raise Http404(_("任务不存在或无权查看")) from None
    report = ImportReport.from_dict(job.report) if job.report else None
    errors = sorted(report.errors, key=lambda e: e.row)[:REPORT_ROWS] if report else []
    return {
        "job": job,
        "report": report,
        "errors": errors,
        "more_errors": (len(report.errors) - len(errors)) if report else 0,
    }


@login_required
@require_GET
def roster_import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    _require_personnel(request)
    return render(request, "people/import_job.html", _job_context(request, job_id))


@login_required
@require_GET
def roster_import_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The htmx-polled fragment: a bar while running, the report once finished."""
    _require_personnel(request)
    return render(request, "people/import_progress.html", _job_context(request, job_id))


@login_required
@require_GET
def roster_import_errors(request: HttpRequest, job_id: int) -> FileResponse:
    """The bad rows as uploaded (clear ID numbers included): the uploader only, audited."""
    _require_personnel(request)
    try:
        job = import_errors_open(actor=request.user, job_id=job_id)
    except ApplicationError:
        raise Http404(_("该任务没有错误文件或已过期")) from None
    return FileResponse(
        default_storage.open(job.error_file, "rb"),
        as_attachment=True,
        filename=f"名册导入错误行-{job.pk}.xlsx",
        content_type=XLSX,
    )


@login_required
@require_GET
def roster_template_download(request: HttpRequest) -> HttpResponse:
    _require_personnel(request)
    response = HttpResponse(roster_template("xlsx"), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''roster-template.xlsx"
    return response
