"""Roster exports of the people list (issue 2 item 9): small ones download at once, large
ones run as a background job with a progress page and a download only the requester gets;
scoped like the list and audited as personal-data exports."""

import datetime as dt
import io
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from civtrain import testing
from civtrain.accounts.api import Role
from civtrain.core import clock, crypto
from civtrain.core.models import AuditEvent, BackgroundJob
from civtrain.people import exports
from civtrain.people.data import Category
from civtrain.people.imports import ROSTER_HEADERS
from civtrain.people.models import ID_CONTEXT, Person

T0 = dt.datetime(2026, 4, 1, 9, 0, tzinfo=clock.TZ)


@pytest.fixture
def export_dir(settings: Any, tmp_path: Path) -> Path:
    settings.CIVTRAIN_EXPORT_DIR = str(tmp_path / "exports")
    return tmp_path / "exports"


@pytest.fixture
def big(monkeypatch: Any) -> None:
    """Every export of more than one row counts as large (instead of 2,000)."""
    monkeypatch.setattr(exports, "IMMEDIATE_MAX", 1)


@pytest.fixture
def inline_jobs(settings: Any) -> None:
    settings.CIVTRAIN_JOBS_INLINE = True


@pytest.fixture
def people(tree: Any) -> dict[str, Any]:
    return {
        "wang": testing.make_person(tree["U1"], name="王五", phone="13800138000"),
        "li": testing.make_person(
            tree["U1-1"], name="李四", category=Category.LAW_ENFORCEMENT, rank="一级行政执法员"
        ),
        "zhao": testing.make_person(tree["U2"], name="赵六"),  # D2: outside D1
        "zhou": testing.make_person(tree["U3"], name="周七"),  # the other city
    }


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _sheet(content: bytes) -> list[list[Any]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


# Clear ID and phone numbers are exported for a reason only (#17 item 4).
CLEAR = {"numbers": "clear", "purpose": "report_superior", "reason": "报送市局年度名册"}


def _start(client: Client, capture: Any, **params: Any) -> tuple[Any, BackgroundJob]:
    with capture(execute=True):
        response = client.post(reverse("people:export"), {**CLEAR, **params})
    job = BackgroundJob.objects.get(kind="roster_export")
    return response, job


def _download(client: Client, job: BackgroundJob) -> Any:
    return client.get(reverse("web:export_download", args=[job.pk]))


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_large_export_runs_as_a_job_and_the_requester_downloads_it(
    actors: Any,
    people: Any,
    export_dir: Path,
    big: None,
    inline_jobs: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    clock.freeze(T0)
    client = login(actors["district"])  # 渝中区 (D1): 王五 and 李四
    response, job = _start(client, django_capture_on_commit_callbacks, format="xlsx")

    assert response.status_code == 302
    assert response["Location"] == reverse("web:export_job", args=[job.pk])
    assert (job.status, job.processed, job.total) == ("done", 2, 2)
    page = client.get(response["Location"]).content.decode()
    assert "已导出 2 行" in page
    assert reverse("web:export_download", args=[job.pk]) in page
    assert "2026-04-02 09:00" in page  # kept for 24 hours
    assert 'hx-trigger="every 1s"' not in page  # finished: no more polling

    download = _download(client, job)
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    rows = _sheet(_body(download))
    # The template's headers exactly, then the login name HR hands out (#11 item 1).
    assert rows[0] == [*ROSTER_HEADERS, "登录名"]
    assert [r[13] for r in rows[1:]] == [_login("王五"), _login("李四")]
    # The clear numbers (the file re-imports), in unit order: 王五 (U1) then 李四 (U1-1).
    assert [(r[0], r[1], r[4]) for r in rows[1:]] == [
        ("王五", _clear_id("王五"), "U1"),
        ("李四", _clear_id("李四"), "U1-1"),
    ]
    assert rows[1][12] == "13800138000"
    # The file lies in the export directory under an unguessable name.
    [stored] = list(export_dir.iterdir())
    assert stored.name.startswith(f"roster-{job.pk}-") and stored.suffix == ".xlsx"


def _login(name: str) -> str:
    return Person.objects.select_related("user").get(name=name).user.username


def _clear_id(name: str) -> str:
    person = Person.objects.get(name=name)
    return crypto.decrypt(bytes(person.id_number_enc), context=ID_CONTEXT)


def test_writing_and_each_download_are_audited_as_personal_data_exports(
    tree: Any,
    actors: Any,
    people: Any,
    export_dir: Path,
    big: None,
    inline_jobs: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = login(actors["district"])
    _, job = _start(client, django_capture_on_commit_callbacks, format="csv")
    written = AuditEvent.objects.get(action="person.export")
    assert written.actor_id == actors["district"].pk
    assert written.ip_address == "127.0.0.1"  # the requester's address, carried to the job
    assert written.object_id == str(job.pk)
    assert written.changes["rows"] == 2 and written.changes["personal_data"] is True
    # The reason given is in the audit row (#17 item 4).
    assert (written.changes["masked"], written.changes["reason"], written.changes["purpose"]) == (
        False,
        "向上级主管部门报送：报送市局年度名册",
        "report_superior",
    )
    # Filed under the district, so the city bureau's audit page lists it.
    assert written.org_path == tree["D1"].path
    assert not AuditEvent.objects.filter(action="person.export_download").exists()

    _body(_download(client, job))
    _body(_download(client, job))
    downloads = AuditEvent.objects.filter(action="person.export_download")
    assert downloads.count() == 2
    reason = "向上级主管部门报送：报送市局年度名册"
    assert {(e.actor_id, e.object_id, e.org_path, e.changes["reason"]) for e in downloads} == {
        (actors["district"].pk, str(job.pk), tree["D1"].path, reason)
    }
    city_audit = login(actors["city"]).get("/audit/", {"object_type": "export"}).content.decode()
    assert city_audit.count("名册导出（csv）") >= 3


def test_only_the_requester_sees_the_job_and_gets_the_file(
    tree: Any,
    actors: Any,
    people: Any,
    export_dir: Path,
    big: None,
    inline_jobs: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _, job = _start(login(actors["district"]), django_capture_on_commit_callbacks)
    # Another officer of the same district, and the city bureau above it: the same 404.
    colleague = testing.make_user(Role.DISTRICT_BUREAU, tree["D1"])
    for other in (colleague, actors["city"]):
        client = login(other)
        for name in ("web:export_job", "web:export_progress", "web:export_download"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404, name
    assert not AuditEvent.objects.filter(action="person.export_download").exists()
    # Anonymous: to the login page, never the file.
    assert Client().get(reverse("web:export_download", args=[job.pk])).status_code == 302


def test_the_job_exports_what_the_list_shows_with_its_filters(
    tree: Any,
    actors: Any,
    people: Any,
    export_dir: Path,
    big: None,
    inline_jobs: None,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(exports, "IMMEDIATE_MAX", 0)
    client = login(actors["city"])  # 重庆市: 王五, 李四, 赵六 — never 周七 (郑州市)
    list_page = client.get(reverse("people:list"), {"category": "enforcement"}).content.decode()
    assert "共 1 人" in list_page
    # The export form posts the list's filters (issue 8 item 13).
    assert '<input type="hidden" name="category" value="enforcement">' in list_page

    _, job = _start(
        client, django_capture_on_commit_callbacks, format="csv", category="enforcement"
    )
    lines = _body(_download(client, job)).decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["李四"]

    BackgroundJob.objects.all().delete()
    unit_page = client.get(reverse("people:list"), {"unit": tree["D2"].id}).content.decode()
    assert f'<input type="hidden" name="unit_id" value="{tree["D2"].id}">' in unit_page
    _, job = _start(client, django_capture_on_commit_callbacks, unit_id=tree["D2"].id)
    assert [r[0] for r in _sheet(_body(_download(client, job)))[1:]] == ["赵六"]

    BackgroundJob.objects.all().delete()
    _, job = _start(client, django_capture_on_commit_callbacks, format="csv", sort="-name")
    lines = _body(_download(client, job)).decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["赵六", "王五", "李四"]


def test_out_of_scope_unit_is_404_and_queues_nothing(
    tree: Any, actors: Any, people: Any, export_dir: Path, big: None
) -> None:
    client = login(actors["district"])
    assert client.post(reverse("people:export"), {"unit": "U2"}).status_code == 404
    assert client.post(reverse("people:export"), {"unit": "U3"}).status_code == 404
    # The list's unit picker offers only units in scope: another district's id is refused.
    assert client.post(reverse("people:export"), {"unit_id": tree["U2"].id}).status_code == 422
    assert not BackgroundJob.objects.exists()
    assert not AuditEvent.objects.filter(action="person.export").exists()


def test_small_export_stays_immediate(
    actors: Any, people: Any, export_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(actors["unit_hr"])  # U1: 王五 and 李四, far below 2,000
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("people:export"), {"format": "csv", "unit": "U1"})
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["王五", "李四"]
    assert not BackgroundJob.objects.exists()
    assert not export_dir.exists()
    assert AuditEvent.objects.filter(action="person.export").count() == 1


def test_progress_page_polls_while_the_job_waits_or_runs(
    actors: Any, people: Any, export_dir: Path, big: None
) -> None:
    client = login(actors["district"])
    response = client.post(reverse("people:export"), {"format": "xlsx"})  # not dispatched
    job = BackgroundJob.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "排队中" in page and "0 / 2" in page
    assert 'hx-trigger="every 1s"' in page
    BackgroundJob.objects.filter(pk=job.pk).update(status="running", processed=1)
    fragment = client.get(reverse("web:export_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert "正在导出" in html and "1 / 2" in html and 'aria-valuenow="50"' in html
    assert "<html" not in html  # a fragment, not a page


def test_file_expires_after_a_day_and_is_purged(
    actors: Any,
    people: Any,
    export_dir: Path,
    big: None,
    inline_jobs: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    clock.freeze(T0)
    client = login(actors["district"])
    _, job = _start(client, django_capture_on_commit_callbacks)
    clock.freeze(T0 + dt.timedelta(hours=23, minutes=59))
    assert _download(client, job).status_code == 200

    clock.freeze(T0 + dt.timedelta(hours=24, minutes=1))
    assert _download(client, job).status_code == 404
    page = client.get(reverse("web:export_job", args=[job.pk])).content.decode()
    assert "已过期" in page and reverse("web:export_download", args=[job.pk]) not in page
    # The next export deletes the old file (it holds clear ID numbers).
    [old] = list(export_dir.iterdir())
    past = (T0 - dt.timedelta(hours=1)).timestamp()
    os.utime(old, (past, past))
    assert exports.export_files_purge() == 1
    assert not old.exists()


def test_a_withdrawn_role_stops_the_download(
    tree: Any,
    actors: Any,
    people: Any,
    export_dir: Path,
    big: None,
    inline_jobs: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    officer = testing.make_user(Role.DISTRICT_BUREAU, tree["D1"])
    client = login(officer)
    _, job = _start(client, django_capture_on_commit_callbacks)
    officer.role_assignments.all().delete()
    assert client.get(reverse("web:export_download", args=[job.pk])).status_code == 403


@pytest.mark.parametrize("role", ["institution", "teacher", "evaluator"])
def test_non_personnel_roles_cannot_export(actors: Any, role: str, export_dir: Path) -> None:
    client = login(actors[role])
    assert client.post(reverse("people:export"), {"format": "csv"}).status_code == 403
    assert not BackgroundJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_embedded_default_runs_the_export_on_a_thread(
    actors: Any, people: Any, export_dir: Path, big: None
) -> None:
    client = login(actors["district"])
    response = client.post(reverse("people:export"), {"format": "csv"})
    # Wait for the job's thread without touching the database meanwhile: the test database
    # (in-memory SQLite, shared cache) answers "table is locked" instead of waiting.
    job_id = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
    for thread in threading.enumerate():
        if thread.name == f"job-{job_id}":
            thread.join(timeout=30)
    job = BackgroundJob.objects.get(pk=job_id)
    assert (job.status, job.processed, job.total) == ("done", 2, 2)
    assert "已导出 2 行" in client.get(response["Location"]).content.decode()
    lines = _body(_download(client, job)).decode("utf-8-sig").splitlines()
    assert len(lines) == 3


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"numbers": "clear"}, "请选择导出或查看完整身份证号、手机号的用途"),
        ({"numbers": "clear", "purpose": "other"}, "请填写用途说明"),
        ({"numbers": "clear", "purpose": "fun", "reason": "看看"}, "请选择"),
    ],
)
def test_clear_numbers_without_a_reason_are_refused(
    actors: Any, people: Any, export_dir: Path, big: None, params: Any, message: str
) -> None:
    """#17 item 4: the export with clear ID and phone numbers asks for a purpose from the
    list and a note; without them nothing is exported, queued or audited."""
    client = login(actors["district"])
    for fmt in ("csv", "xlsx"):
        response = client.post(reverse("people:export"), {"format": fmt, **params})
        assert response.status_code == 422
        body = response.content.decode()
        assert message in body and _clear_id("王五") not in body
    assert not BackgroundJob.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="person.export").exists()


def test_masked_export_needs_no_reason_and_carries_no_clear_number(
    actors: Any, people: Any, export_dir: Path
) -> None:
    """Masked, as the pages show them: ID to its province, phone to prefix and last two, the
    birth date to its year; audited as masked, without a reason (#17 item 4)."""
    client = login(actors["unit_hr"])
    list_page = client.get(reverse("people:list")).content.decode()
    assert 'name="numbers"' in list_page and 'value="masked"' in list_page
    assert 'name="purpose"' in list_page and "向上级主管部门报送" in list_page
    response = client.post(reverse("people:export"), {"format": "xlsx", "numbers": "masked"})
    assert response.status_code == 200
    rows = _sheet(response.content)
    wang = Person.objects.get(name="王五")
    assert [(r[0], r[1], r[3], r[12]) for r in rows[1:2]] == [
        ("王五", wang.id_number_masked, f"{wang.birth_date:%Y}-**-**", "138******00")
    ]
    flat = "".join(str(cell) for row in rows for cell in row)
    assert _clear_id("王五") not in flat and "13800138000" not in flat
    event = AuditEvent.objects.get(action="person.export")
    assert event.changes["masked"] is True and "reason" not in event.changes
    assert event.object_label == "名册导出（xlsx，打码）"
