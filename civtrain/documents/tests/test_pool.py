"""A unit's zip over worker processes (issue #15 item 4, ZZ-M3): the booklets are rendered by
worker processes, none in the job's own (the web process in the embedded default), and the zip
holds every booklet, in the unit's order, each genuine."""

import datetime as dt
import zipfile
from typing import Any

import pytest

from civtrain import testing
from civtrain.core import clock, jobs
from civtrain.core.files import export_dir
from civtrain.core.models import BackgroundJob
from civtrain.documents import api, pool, render, services
from civtrain.documents.data import DocumentKind, VerifyStatus
from civtrain.organisations.api import OrgNodeData


def test_a_large_batch_is_rendered_by_worker_processes(
    hr: Any, tree: dict[str, OrgNodeData], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.freeze(dt.datetime(2026, 12, 4, 9, 30, tzinfo=clock.TZ))
    names = ["张三", "李四", "王五"]
    for name in names:
        testing.make_person(tree["U1"], name)
    settings.CIVTRAIN_DOCUMENT_WORKERS = 2
    monkeypatch.setattr(pool, "POOL_FROM", 2)  # a batch this small would render here

    def rendered_here(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("a PDF was rendered in the job's own process")

    monkeypatch.setattr(render, "pdf_of", rendered_here)  # the workers import their own
    job = jobs.job_create(
        actor=hr,
        kind=services.ZIP_KIND,
        runner=services.ZIP_RUNNER,
        params={"kind": "booklet", "unit_id": tree["U1"].id, "title": "U1-公务员培训证书"},
    )
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.DONE, job.message

    archive = zipfile.ZipFile(export_dir() / job.report["file"])
    files = archive.namelist()
    assert len(files) == job.report["documents"] >= len(names)
    for name in names:
        assert any(f"-{name}-" in f for f in files), (name, files)
    for f in files:
        outcome = api.verify_pdf(archive.read(f))
        assert outcome.status == VerifyStatus.GENUINE, (f, outcome.reason)
        assert outcome.content is not None and outcome.content["serial"] in f
    # In the unit's order, as a batch rendered in the job's own process has it: the same
    # requests issued again give the same documents (same content, same serials).
    unit = services.ZipRequest(DocumentKind.BOOKLET, unit_id=tree["U1"].id)
    again = [api.document_issue(actor=hr, request=r) for r in services._requests(hr, unit)]
    assert files == [services.filename(doc) for doc in again]
