"""#9 item 7: a background job pauses the cyclic garbage collector only where it has its
process to itself (a Celery pool process), never in the web worker that runs it on a thread
in the embedded default."""

import gc
import threading
from typing import Any

import pytest

from civtrain.core.jobs import job_create, run_background_job
from civtrain.core.models import BackgroundJob

# The task closes stale connections first (close_old_connections): real transactions.
pytestmark = pytest.mark.django_db(transaction=True)


def record_collector(job: BackgroundJob, progress: Any) -> None:
    """A job runner that notes whether the collector was on while it ran."""
    job.report = {"collecting": gc.isenabled()}


def _run(where: str) -> bool:
    job = job_create(actor=None, kind="test", runner=f"{__name__}:record_collector")
    if where == "main thread":
        run_background_job(job.pk)
    else:
        thread = threading.Thread(target=run_background_job, args=(job.pk,))
        thread.start()
        thread.join()
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.DONE, job.message
    return bool(job.report["collecting"])


def test_a_celery_pool_process_pauses_the_collector_for_its_job(settings: Any) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a worker with a broker
    assert _run("main thread") is False
    assert gc.isenabled()


def test_tasks_run_in_the_callers_process_leave_the_collector_on(settings: Any) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True  # no broker: the web process runs them
    assert _run("main thread") is True


def test_a_job_on_a_thread_leaves_the_collector_on(settings: Any) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False  # even a worker's thread pool
    assert _run("thread") is True
