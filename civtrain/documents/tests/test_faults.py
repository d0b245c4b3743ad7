"""kill -9 during a document batch (#17 "must show": faults): the zip being built is under a
scratch name and never offered; the job the dead process left "running" is failed with the
reason when its page is polled (core.jobs.jobs_recover), its scratch file removed, and the
batch asked again completes (civtrain.core.tests.faults: a real process, a real SIGKILL)."""

from pathlib import Path
from typing import Any

import pytest

from civtrain import testing
from civtrain.core import jobs
from civtrain.core.files import export_dir
from civtrain.core.models import BackgroundJob
from civtrain.core.tests.faults import kill_when_paused, pause_here, run_to_the_end, start
from civtrain.documents import services

pytestmark = pytest.mark.django_db(transaction=True)
HOOK = "civtrain.documents.tests.test_faults:run_zip_job_paused"


def run_zip_job_paused(job_id: str, pause_at: int) -> None:
    """In the worker process: the job runner as a Celery worker calls it, pausing before the
    PDF after the first `pause_at` (which are already in the zip)."""
    real = services.document_pdf
    count = 0

    def document_pdf(doc: Any) -> bytes:
        nonlocal count
        count += 1
        if pause_at and count > pause_at:
            pause_here()
        return real(doc)

    services.document_pdf = document_pdf  # type: ignore[assignment]
    jobs.job_run(int(job_id))


def zip_job(hr: Any, unit_id: int) -> BackgroundJob:
    params = {"kind": "booklet", "unit_id": unit_id, "title": "U1-培训登记册"}
    return jobs.job_create(
        actor=hr, kind=services.ZIP_KIND, runner=services.ZIP_RUNNER, params=params
    )


def test_kill_9_during_a_document_batch_leaves_no_zip_and_the_job_fails_cleanly(
    tree: Any, actors: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    settings.CIVTRAIN_EXPORT_DIR = str(tmp_path / "exports")
    hr = actors["unit_hr"]
    for n in range(5):
        testing.make_person(tree["U1"], f"文件{n}")
    job = zip_job(hr, tree["U1"].id)

    kill_when_paused(start(HOOK, str(job.pk), 2))

    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.RUNNING  # what the dead process left
    assert len(list(export_dir().glob(f"job-{job.pk}-*.partial"))) == 1  # two PDFs, unnamed
    assert not list(export_dir().glob("documents-*.zip"))

    # The officer polling the job's page sees it failed, with the reason, not "running".
    seen = jobs.job_get(actor=hr, job_id=job.pk)
    assert seen.status == BackgroundJob.Status.FAILED and seen.message == jobs.INTERRUPTED
    assert seen.report == {}  # nothing to download
    assert not list(export_dir().glob("*.partial"))
    assert jobs.jobs_recover() == []  # once

    # Asked again, the batch runs to the end and every document is in the zip.
    again = zip_job(hr, tree["U1"].id)
    run_to_the_end(HOOK, str(again.pk))
    again.refresh_from_db()
    assert again.status == BackgroundJob.Status.DONE, again.message
    assert again.report["documents"] == 5
    assert (export_dir() / again.report["file"]).exists()
