"""Background jobs with progress: a thread in the embedded default, a Celery task with a broker.

A job names its runner by dotted path ("civtrain.people.imports:run_roster_job"), so core
stays free of other apps. The runner gets the job and a progress callback, and fills in
job.report / job.error_file; the page polls the job row for progress.
"""

import datetime as dt
import importlib
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
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
# A job on another host that has not reported progress for this long is taken for dead.
# Progress comes at least once a batch; no batch of ours takes minutes.
SILENCE = dt.timedelta(minutes=15)
INTERRUPTED = "任务已中断（处理它的进程已退出），已写入的部分全部撤销，请重新提交"


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
            BackgroundJob.objects.filter(pk=self.job_id).update(
                processed=processed, total=total, heartbeat_at=clock.now()
            )
        elif connection.vendor == "postgresql":
            try:
                if self.side is None:
                    self.side = connections.create_connection("default")
                with self.side.cursor() as cursor:
                    cursor.execute(
                        "UPDATE core_backgroundjob SET processed = %s, total = %s, "
                        "heartbeat_at = %s WHERE id = %s",
                        [processed, total, clock.now(), self.job_id],
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
        status=BackgroundJob.Status.RUNNING,
        started_at=clock.now(),
        heartbeat_at=clock.now(),
        worker=_worker_name(),
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
    """The job if the actor started it; NotFound otherwise (same as missing). A job whose
    process died is failed here, so its page says so instead of polling forever."""
    job = BackgroundJob.objects.filter(pk=job_id, created_by_id=actor.pk).first()
    if job is None or actor.pk is None:
        raise NotFound("任务不存在或无权查看")
    if job.status == BackgroundJob.Status.RUNNING and _worker_dead(job):
        jobs_recover(job_ids=[job.pk])
        job.refresh_from_db()
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


# -- jobs whose process died (#17 faults: kill -9 during an import or a document batch) ----
def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _worker_dead(job: BackgroundJob) -> bool:
    """On this host, whether its process is gone; elsewhere, whether it has been silent for
    SILENCE. (A reused pid keeps a dead job "running" until the hourly purge.)"""
    host, _, pid = job.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return int(pid) != os.getpid() and not _pid_alive(int(pid))
    last = job.heartbeat_at or job.started_at or job.created_at
    return last < clock.now() - SILENCE


def job_scratch_path(job: BackgroundJob, suffix: str) -> Path:
    """Where a runner writes a file before it is complete: in the export directory (0700),
    named after the job so that jobs_recover removes what a dead job left; the runner renames
    it to its final name only once it is whole, so no half-written file is ever offered."""
    from civtrain.core.files import export_dir, private_dir  # files imports this module's models

    private_dir(export_dir())
    return export_dir() / f"job-{job.pk}-{secrets.token_hex(6)}{suffix}.partial"


def jobs_recover(*, job_ids: list[int] | None = None) -> list[int]:
    """Fail the running jobs whose process died, delete their upload and scratch files, and
    return their ids. What they wrote to the database was inside their transaction (imports)
    or complete item by item (documents): nothing to undo there. Run every few minutes by
    the beat schedule (`core.jobs_recover`) and for a job whose page is polled."""
    from civtrain.core.files import export_dir

    running = BackgroundJob.objects.filter(status=BackgroundJob.Status.RUNNING)
    if job_ids is not None:
        running = running.filter(pk__in=job_ids)
    recovered = []
    for job in running:
        if not _worker_dead(job):
            continue
        # Only if still running: a worker that finished meanwhile keeps its outcome.
        changed = BackgroundJob.objects.filter(
            pk=job.pk, status=BackgroundJob.Status.RUNNING, worker=job.worker
        ).update(status=BackgroundJob.Status.FAILED, message=INTERRUPTED, finished_at=clock.now())
        if not changed:
            continue
        _delete_input(job)
        BackgroundJob.objects.filter(pk=job.pk).update(input_file="")
        for scratch in export_dir().glob(f"job-{job.pk}-*.partial"):
            scratch.unlink(missing_ok=True)
        logger.warning(
            "job %s (%s) interrupted: its process %s is gone", job.pk, job.kind, job.worker
        )
        recovered.append(job.pk)
    return recovered


@shared_task(name="core.jobs_recover", ignore_result=True)
def jobs_recover_task() -> int:
    return len(jobs_recover())
