"""Background jobs with progress: a thread in the embedded default, a Celery task with a broker.

A job names its runner by dotted path ("civtrain.people.imports:run_roster_job"), so core
stays free of other apps. The runner gets the job and a progress callback, and fills in
job.report / job.error_file; the page polls the job row for progress.
"""

import importlib
import logging
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import close_old_connections, connection, connections, transaction

from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.errors import ApplicationError, NotFound
from civtrain.core.models import BackgroundJob
from civtrain.core.tabular import cyclic_gc_paused

logger = logging.getLogger(__name__)

Runner = Callable[[BackgroundJob, Callable[[int, int], None]], None]

# Progress seen by this process while a job's writes are inside an open transaction (which
# other connections cannot see yet): job id → (processed, total).
_LIVE: dict[int, tuple[int, int]] = {}
_PROGRESS_EVERY = 1.0  # seconds between progress writes through the side connection


def job_create(
    *,
    actor: Actor,
    kind: str,
    runner: str,
    params: dict[str, Any] | None = None,
    input_file: str = "",
) -> BackgroundJob:
    return BackgroundJob.objects.create(
        kind=kind,
        runner=runner,
        params=dict(params or {}),
        input_file=input_file,
        created_by_id=getattr(actor, "pk", None),
        created_at=clock.now(),
    )


def job_dispatch(job: BackgroundJob) -> None:
    """Start the job once the request's transaction has committed (so the job row exists
    for the worker): on a thread when tasks run in-process, else as a Celery task."""
    job_id = job.pk
    if getattr(settings, "CIVTRAIN_JOBS_INLINE", False):
        transaction.on_commit(lambda: job_run(job_id))
    elif settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(lambda: _start_thread(job_id))
    else:
        transaction.on_commit(lambda: run_background_job.delay(job_id))


def _start_thread(job_id: int) -> threading.Thread:
    thread = threading.Thread(target=_thread_main, args=(job_id,), name=f"job-{job_id}")
    thread.daemon = True
    thread.start()
    return thread


def _thread_main(job_id: int) -> None:
    close_old_connections()
    try:
        job_run(job_id)
    finally:
        connections.close_all()  # this thread's connections die with it


def _resolve(path: str) -> Runner:
    module, _, name = path.partition(":")
    if not module.startswith("civtrain."):
        raise ValueError(f"runner {path!r} is not part of civtrain")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


class _Progress:
    """Records progress in memory at once, and in the job row at most once a second through
    a separate autocommit connection on PostgreSQL (the import's own connection sits inside
    its transaction; SQLite allows one writer, so there the in-memory value serves)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.last = 0.0
        self.side: Any = None

    def __call__(self, processed: int, total: int) -> None:
        _LIVE[self.job_id] = (processed, total)
        now = time.monotonic()
        if now - self.last < _PROGRESS_EVERY and processed < total:
            return
        self.last = now
        if not connection.in_atomic_block:
            BackgroundJob.objects.filter(pk=self.job_id).update(processed=processed, total=total)
        elif connection.vendor == "postgresql":
            try:
                if self.side is None:
                    self.side = connections.create_connection("default")
                with self.side.cursor() as cursor:
                    cursor.execute(
                        "UPDATE core_backgroundjob SET processed = %s, total = %s WHERE id = %s",
                        [processed, total, self.job_id],
                    )
            except Exception:  # progress is a nicety: never fail the import over it
                logger.warning("progress update for job %s failed", self.job_id, exc_info=True)

    def close(self) -> None:
        _LIVE.pop(self.job_id, None)
        if self.side is not None:
            self.side.close()


def job_run(job_id: int) -> None:
    """Run a queued job to done or failed; an exception is logged and shown as failed."""
    job = BackgroundJob.objects.get(pk=job_id)
    if job.status != BackgroundJob.Status.QUEUED:
        return
    BackgroundJob.objects.filter(pk=job_id).update(
        status=BackgroundJob.Status.RUNNING, started_at=clock.now()
    )
    progress = _Progress(job_id)
    try:
        _resolve(job.runner)(job, progress)
        job.status = BackgroundJob.Status.DONE
        if job.total == 0:
            job.total = job.processed = int(job.report.get("rows_read", 0) or 0)
    except ApplicationError as exc:
        # A refusal the user can act on (a file too large, unreadable …): failed, with the
        # words that say why (issue 8 item 4), never "running" nor an internal error.
        job.status = BackgroundJob.Status.FAILED
        job.message = exc.message[:500]
    except Exception:
        logger.exception("background job %s (%s) failed", job_id, job.kind)
        job.status = BackgroundJob.Status.FAILED
        job.message = "处理过程中发生内部错误，请联系系统管理员（已记录日志）"
    finally:
        progress.close()
        _delete_input(job)
    job.finished_at = clock.now()
    job.save()


def _delete_input(job: BackgroundJob) -> None:
    # The upload holds personal data; keep it no longer than the import needs it.
    if job.input_file:
        from django.core.files.storage import default_storage

        try:
            default_storage.delete(job.input_file)
        except OSError:
            logger.warning("could not delete upload %s", job.input_file)
        job.input_file = ""


def job_get(*, actor: Actor, job_id: int) -> BackgroundJob:
    """The job if the actor started it; NotFound otherwise (same as missing)."""
    job = BackgroundJob.objects.filter(pk=job_id, created_by_id=actor.pk).first()
    if job is None or actor.pk is None:
        raise NotFound("任务不存在或无权查看")
    live = _LIVE.get(job.pk)
    if live is not None and job.status == BackgroundJob.Status.RUNNING:
        job.processed, job.total = live
    return job


def job_list_recent(*, actor: Actor, kind: str, limit: int = 5) -> list[BackgroundJob]:
    """The actor's own latest jobs of a kind, newest first."""
    return list(BackgroundJob.objects.filter(created_by_id=actor.pk, kind=kind)[:limit])


@shared_task(name="civtrain.core.run_background_job", ignore_result=True)
def run_background_job(job_id: int) -> None:
    """The Celery face of job_run, for deployments with a broker (config/celery.py)."""
    close_old_connections()
    with cyclic_gc_paused() if _process_of_its_own() else nullcontext():
        job_run(job_id)


def _process_of_its_own() -> bool:
    """Whether this task has its process to itself: a Celery pool process (prefork, solo)
    runs one task at a time on its main thread. Not so when tasks run eagerly in the
    caller's process (a web worker) or on a thread pool (#9 item 7)."""
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    return not eager and threading.current_thread() is threading.main_thread()
