"""The roster import page (issue 2 item 5/9): upload, progress endpoint, report, downloads."""

import datetime as dt
import io
import re
import time
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from civtrain.core import jobs
from civtrain.core.models import AuditEvent, BackgroundJob
from civtrain.people.imports import ROSTER_HEADERS, ROW_NOT_IN_SCOPE
from civtrain.people.models import Person
from civtrain.testing import make_id_number

ID_A = make_id_number(dt.date(1990, 5, 17), serial=211)
ID_B = make_id_number(dt.date(1985, 1, 2), serial=222)


def roster(*rows: tuple[str, str, str]) -> io.BytesIO:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(ROSTER_HEADERS))
    for name, id_number, unit in rows:
        ws.append([name, id_number, "", "", unit, "综合管理类", "一级科员"] + [""] * 6)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "名册.xlsx"
    return out


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def inline_jobs(settings: Any) -> None:
    settings.CIVTRAIN_JOBS_INLINE = True


@pytest.mark.django_db
def test_upload_runs_the_job_and_the_page_shows_the_report(
    actors: dict[str, Any], inline_jobs: None, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(actors["unit_hr"])
    page = client.get(reverse("people:import"))
    assert page.status_code == 200
    assert "上传名册" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("people:import"),
            {"file": roster(("王五", ID_A, "U1"), ("李四", ID_B, "U1"))},
        )
    job = BackgroundJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("people:import_job", args=[job.pk])
    assert (job.status, job.processed, job.total, job.input_file) == ("done", 2, 2, "")
    html = client.get(response["Location"]).content.decode()
    assert "读取 2 行，有效 2 行，错误 0 行；已写入：新增 2，更新 0，不变 0" in html
    assert 'hx-trigger="every 1s"' not in html  # finished: the page stops polling
    assert sorted(Person.objects.values_list("name", flat=True)) == ["李四", "王五"]
    audit = AuditEvent.objects.filter(action="person.create").first()
    assert audit is not None
    assert audit.actor_id == actors["unit_hr"].pk


@pytest.mark.django_db
def test_bad_rows_are_listed_on_the_page_and_downloadable(
    actors: dict[str, Any], inline_jobs: None, django_capture_on_commit_callbacks: Any
) -> None:
    # The unit HR officer of U1 cannot import into U2: reported as an unknown unit.
    client = login(actors["unit_hr"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("people:import"),
            {"file": roster(("王五", ID_A, "U1"), ("李四", ID_B, "U2"))},
        )
    job = BackgroundJob.objects.get()
    html = client.get(reverse("people:import_progress", args=[job.pk])).content.decode()
    cells = re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td><td[^>]*>(.*?)</td><td>(.*?)</td>", html)
    assert cells == [("3", "单位编码", "U2", ROW_NOT_IN_SCOPE)]
    assert "未写入任何数据" in html
    assert Person.objects.count() == 0
    assert ID_A not in html and ID_B not in html
    download = client.get(reverse("people:import_errors", args=[job.pk]))
    assert download.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(download.streaming_content)))
    rows = sheet.get_sheet_by_index(0).to_python()
    assert rows[1][0] == "李四"
    assert rows[1][-1] == "单位编码：" + ROW_NOT_IN_SCOPE


@pytest.mark.django_db
def test_progress_endpoint_polls_while_running(actors: dict[str, Any]) -> None:
    client = login(actors["unit_hr"])
    job = jobs.job_create(actor=actors["unit_hr"], kind="roster_import", runner="x:y")
    jobs.BackgroundJob.objects.filter(pk=job.pk).update(status="running", processed=300, total=1200)
    html = client.get(reverse("people:import_progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert "300 / 1200" in html
    assert 'data-percent="25"' in html  # the width, set by web/site.js (CSP: no style="")


@pytest.mark.django_db
def test_someone_elses_job_is_not_found(actors: dict[str, Any]) -> None:
    job = jobs.job_create(actor=actors["district"], kind="roster_import", runner="x:y")
    client = login(actors["unit_hr"])
    assert client.get(reverse("people:import_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("people:import_progress", args=[job.pk])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["institution", "teacher", "evaluator"])
def test_only_personnel_roles_see_the_page(actors: dict[str, Any], role: str) -> None:
    client = login(actors[role])
    for url in (reverse("people:import"), reverse("people:import_template")):
        assert client.get(url).status_code == 403
    assert client.post(reverse("people:export")).status_code == 403


@pytest.mark.django_db
def test_template_and_export_downloads(
    actors: dict[str, Any], inline_jobs: None, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(actors["district"])
    template = client.get(reverse("people:import_template"))
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(template.content)).get_sheet_by_index(0)
    assert sheet.to_python()[0] == list(ROSTER_HEADERS)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("people:import"), {"file": roster(("王五", ID_A, "U1"))})
    export = client.post(
        reverse("people:export"),
        {"format": "csv", "unit": "U1", "numbers": "clear", "purpose": "other", "reason": "核对"},
    )
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[1].startswith(f"王五,{ID_A},男,1990-05-17,U1,")
    assert client.post(reverse("people:export"), {"unit": "U2"}).status_code == 404
    assert AuditEvent.objects.filter(action="person.export").count() == 1


@pytest.mark.django_db(transaction=True)
def test_embedded_default_runs_the_job_on_a_thread(actors: dict[str, Any]) -> None:
    client = login(actors["unit_hr"])
    client.post(reverse("people:import"), {"file": roster(("王五", ID_A, "U1"))})
    job = BackgroundJob.objects.get()
    for _ in range(100):
        job.refresh_from_db()
        if job.finished:
            break
        time.sleep(0.05)
    assert job.status == "done"
    assert Person.objects.get().name == "王五"
