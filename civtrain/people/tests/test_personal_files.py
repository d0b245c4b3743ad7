"""Files with personal data (issue 8 items 5, 7 and 13): the roster export starts with a
CSRF-protected POST, writes nothing live, lands owner-only on disk; error workbooks are
downloaded by their uploader only and audited; everything is purged after 24 hours."""

import csv
import datetime as dt
import io
import os
import stat
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from civtrain import testing
from civtrain.accounts.api import Role
from civtrain.core import clock
from civtrain.core.files import INTERRUPTED
from civtrain.core.models import AuditEvent, BackgroundJob
from civtrain.people import exports
from civtrain.people.imports import ROSTER_HEADERS
from civtrain.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def disk(settings: Any, tmp_path: Path) -> Path:
    """A real file storage and export directory under tmp_path (tests use memory)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.CIVTRAIN_EXPORT_DIR = str(tmp_path / "exports")
    settings.CIVTRAIN_JOBS_INLINE = True
    return tmp_path


def login(user: Any, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_starting_the_export_is_a_csrf_protected_post(tree: Any, actors: Any) -> None:
    testing.make_person(tree["U1"], name="王五", rank="一级科员")
    client = login(actors["district"])
    assert client.get(reverse("people:export"), {"format": "csv"}).status_code == 405
    strict = login(actors["district"], enforce_csrf_checks=True)
    assert strict.post(reverse("people:export"), {"format": "csv"}).status_code == 403
    assert not AuditEvent.objects.filter(action="person.export").exists()
    # The list's buttons post the list's filters as hidden fields.
    page = client.get(reverse("people:list"), {"rank": "一级科员"}).content.decode()
    assert 'id="people-export-form"' in page and 'method="post"' in page
    assert '<input type="hidden" name="rank" value="一级科员">' in page
    assert "?format=" not in page
    response = client.post(reverse("people:export"), {"format": "csv", "rank": "一级科员"})
    assert response.status_code == 200


def test_names_stored_before_the_fix_export_as_inert_text(tree: Any, actors: Any) -> None:
    for name in ("甲", "乙"):
        testing.make_person(tree["U1"], name=name)
    # Written before names were checked: a formula and a control character.
    Person.objects.filter(name="甲").update(name='=HYPERLINK("http://x.example/","点我")')
    Person.objects.filter(name="乙").update(name="乙\x07")
    client = login(actors["district"])
    text = client.post(reverse("people:export"), {"format": "csv"}).content.decode("utf-8-sig")
    names = sorted(row[0] for row in list(csv.reader(io.StringIO(text)))[1:])
    assert names == ['\'=HYPERLINK("http://x.example/","点我")', "乙\ufffd"]
    response = client.post(reverse("people:export"), {"format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells)
    assert sorted(str(c.value) for c in cells) == [names[0], "乙\ufffd"]


def test_export_files_are_owner_only(
    tree: Any, actors: Any, disk: Path, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(exports, "IMMEDIATE_MAX", 0)
    testing.make_person(tree["U1"], name="王五")
    (disk / "exports").mkdir(mode=0o755)  # left world-readable by an older version
    with django_capture_on_commit_callbacks(execute=True):
        login(actors["district"]).post(reverse("people:export"), {"format": "csv"})
    [stored] = list((disk / "exports").iterdir())
    assert (mode(stored), mode(disk / "exports")) == (0o600, 0o700)


def _bad_roster() -> io.BytesIO:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(ROSTER_HEADERS))
    ws.append(["王五", testing.make_id_number(), "", "", "U2", "综合管理类", "一级科员"])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "名册.xlsx"
    return out


def test_error_workbooks_are_private_and_each_download_is_audited(
    tree: Any, actors: Any, disk: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(actors["unit_hr"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("people:import"), {"file": _bad_roster()})
    job = BackgroundJob.objects.get()
    assert job.status == "done" and job.error_file
    assert f"job-{job.pk}" not in job.error_file  # not guessable
    stored = disk / "media" / job.error_file
    assert (mode(stored), mode(stored.parent)) == (0o600, 0o700)
    assert list((disk / "media" / "imports" / "uploads").iterdir()) == []  # deleted after use
    # Someone else, even of the same unit, gets nothing and leaves no audit row.
    other = testing.make_user(Role.UNIT_HR, tree["U1"])
    assert login(other).get(reverse("people:import_errors", args=[job.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="person.import_errors_download").exists()
    download = client.get(reverse("people:import_errors", args=[job.pk]))
    assert download.status_code == 200
    event = AuditEvent.objects.get(action="person.import_errors_download")
    assert (event.actor_id, event.object_id) == (actors["unit_hr"].pk, str(job.pk))
    assert event.org_path == tree["U1"].path
    assert event.changes == {"job": job.pk, "bad_rows": 1, "personal_data": True}


def _age(path: Path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_purge_deletes_old_personal_files_and_fails_jobs_a_dead_process_left(
    actors: Any, disk: Path
) -> None:
    media, export = disk / "media" / "imports", disk / "exports"
    files = {}
    for folder, name in (
        (media / "uploads", "a.xlsx"),
        (media / "errors", "b.xlsx"),
        (export, "c.csv"),
    ):
        folder.mkdir(parents=True, exist_ok=True)
        for age in ("old", "new"):
            path = folder / f"{age}-{name}"
            path.write_bytes(b"110101199003077777")
            files[path] = age
            if age == "old":
                _age(path, 25)
    long_ago = clock.now() - dt.timedelta(hours=30)
    dead = BackgroundJob.objects.create(
        kind="roster_import",
        runner="civtrain.people.imports:run_roster_job",
        status="running",
        input_file="imports/uploads/old-a.xlsx",
        created_by_id=actors["unit_hr"].pk,
        created_at=long_ago,
    )
    out = io.StringIO()
    call_command("purge_files", stdout=out)
    assert sorted(p.name for p in files if p.exists()) == ["new-a.xlsx", "new-b.xlsx", "new-c.csv"]
    assert out.getvalue().startswith("删除文件 3 个，标记中断的任务 1 个（保留期 24 小时）")
    dead.refresh_from_db()
    assert (dead.status, dead.message, dead.input_file) == ("failed", INTERRUPTED, "")
