"""Hostile files through the roster import page and its job (issue 8 items 4–6): a refused
file fails the job with its reason and leaves no upload behind; bad rows are named and
nothing is half-written."""

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from civtrain.core.models import BackgroundJob
from civtrain.core.tests.test_hostile_files import dimension_bomb
from civtrain.people.imports import ROSTER_HEADERS, roster_import
from civtrain.people.models import Person
from civtrain.testing import make_id_number

ID_A = make_id_number(dt.date(1990, 5, 17), serial=311)
ID_B = make_id_number(dt.date(1985, 1, 2), serial=322)


def csv_roster(*names: str, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ROSTER_HEADERS)
    for name, id_number in zip(names, (ID_A, ID_B), strict=False):
        writer.writerow([name, id_number, "", "", "U1", "综合管理类", "一级科员"] + [""] * 6)
    return out.getvalue().encode(encoding)


def upload(client: Client, data: bytes, name: str, capture: Any) -> BackgroundJob:
    file = io.BytesIO(data)
    file.name = name
    with capture(execute=True):
        response = client.post(reverse("people:import"), {"file": file})
    assert response.status_code == 302
    return BackgroundJob.objects.get()


@pytest.fixture
def hr_client(actors: dict[str, Any], settings: Any) -> Client:
    settings.CIVTRAIN_JOBS_INLINE = True
    client = Client()
    client.force_login(actors["unit_hr"])
    return client


@pytest.mark.django_db
def test_a_dimension_bomb_fails_the_job_with_its_reason_and_the_upload_is_deleted(
    hr_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    job = upload(
        hr_client, dimension_bomb(declared=True), "名册.xlsx", django_capture_on_commit_callbacks
    )
    assert job.status == "failed"
    assert job.message.startswith("表格的使用范围有 1048576 行 × 16384 列，超出导入上限")
    assert job.input_file == ""
    assert default_storage.listdir("imports/uploads")[1] == []
    html = hr_client.get(reverse("people:import_progress", args=[job.pk])).content.decode()
    assert "表格的使用范围有 1048576 行 × 16384 列" in html
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_a_renamed_non_spreadsheet_fails_the_job(
    hr_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    job = upload(
        hr_client,
        b"MZ\x90\x00 not a workbook" * 100,
        "名册.xlsx",
        django_capture_on_commit_callbacks,
    )
    assert (job.status, job.input_file) == ("failed", "")
    assert "无法读取该表格文件" in job.message


@pytest.mark.django_db
def test_gbk_csv_is_stored_with_the_right_characters(actors: dict[str, Any]) -> None:
    report, _ = roster_import(
        csv_roster("欧阳修", "諸葛亮", encoding="gb18030"),
        actor=actors["unit_hr"],
        filename="a.csv",
    )
    assert report.written, report.summary()
    assert sorted(Person.objects.values_list("name", flat=True)) == ["欧阳修", "諸葛亮"]


@pytest.mark.django_db
def test_a_nul_in_a_name_rejects_the_row_by_number_and_writes_nothing(
    actors: dict[str, Any],
) -> None:
    report, _table = roster_import(
        csv_roster("王五", "李\x00四"), actor=actors["unit_hr"], filename="a.csv"
    )
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (3, "姓名", "含有不可见的控制字符（如 NUL），请删除后重新输入")
    ]
    assert report.rows_read == 2
    assert not report.written
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_skip_invalid_leaves_the_control_character_row_out(actors: dict[str, Any]) -> None:
    report, _ = roster_import(
        csv_roster("王五", "李\x1b四"), actor=actors["unit_hr"], filename="a.csv", skip_invalid=True
    )
    assert report.written
    assert list(Person.objects.values_list("name", flat=True)) == ["王五"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://x.example/","点我")', "+SUM(1,2)", "-2+3", "@SUM(A1)"]
)
def test_a_formula_is_not_a_name(actors: dict[str, Any], name: str) -> None:
    report, _ = roster_import(csv_roster("王五", name), actor=actors["unit_hr"], filename="a.csv")
    assert [(e.row, e.column) for e in report.errors] == [(3, "姓名")]
    assert report.errors[0].reason == "姓名不能以 = + - @ 开头（电子表格会把它当作公式）"
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_a_200_kb_name_in_a_workbook_is_a_row_error(actors: dict[str, Any]) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(ROSTER_HEADERS))
    ws.append(["长" * 200_000, ID_A, "", "", "U1", "综合管理类", "一级科员"])
    out = io.BytesIO()
    wb.save(out)
    report, _ = roster_import(out.getvalue(), actor=actors["unit_hr"], filename="a.xlsx")
    assert [(e.row, e.reason) for e in report.errors] == [(2, "姓名过长（最多50个字）")]
    assert Person.objects.count() == 0
