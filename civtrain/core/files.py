"""Files that hold personal data: owner-only on disk, deleted after use, purged on a schedule.

Issue 8 item 7: uploads (which stayed on disk when a worker died mid-import), error
workbooks and roster exports (which hold clear ID numbers) were world-readable and kept
until someone happened to export again. Now:

- every such file is written 0600 in a 0700 directory (`write_private`, and Django's
  FILE_UPLOAD_PERMISSIONS / FILE_UPLOAD_DIRECTORY_PERMISSIONS for the file storage);
- an upload is deleted as soon as its import job ends, failed or not (core.jobs);
- `files_purge()` — run hourly by Celery beat (`core.files_purge`) and by
  `civtrain purge-files` — deletes whatever is older than RETENTION: stray uploads, error
  workbooks, export files; and fails jobs left "queued"/"running" by a dead process.

RETENTION (24 hours; CIVTRAIN_FILE_RETENTION_HOURS) is stated in docs/architecture.md §5.
"""

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.files.storage import default_storage

from civtrain.core import clock
from civtrain.core.models import BackgroundJob

logger = logging.getLogger(__name__)

# Where the file storage keeps uploads and error workbooks (core.jobs' input/error files).
STORAGE_PREFIXES = ("imports/uploads", "imports/errors")
INTERRUPTED = "任务已中断（处理它的进程已退出），请重新上传或重新导出"


def retention() -> dt.timedelta:
    return dt.timedelta(hours=float(getattr(settings, "CIVTRAIN_FILE_RETENTION_HOURS", 24)))


def export_dir() -> Path:
    """Where export files live: var/exports/ unless settings.CIVTRAIN_EXPORT_DIR says else
    (never under MEDIA_ROOT, which a web server may serve)."""
    configured = getattr(settings, "CIVTRAIN_EXPORT_DIR", None)
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "exports"


def private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)  # mkdir's mode is filtered by the umask; an old directory kept its own
    return path


def write_private(path: Path, content: bytes) -> None:
    """Write `content` readable by this user only (0600), in a 0700 directory."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fd, 0o600)  # an existing file keeps its old mode through O_CREAT
        fh.write(content)


@dataclass(frozen=True)
class PurgeResult:
    jobs_interrupted: int
    files_deleted: int

    def __str__(self) -> str:
        return f"删除文件 {self.files_deleted} 个，标记中断的任务 {self.jobs_interrupted} 个"


def files_purge(*, older_than: dt.timedelta | None = None) -> PurgeResult:
    """Delete personal-data files older than the retention, and fail the jobs whose process
    died (queued or running for longer than that)."""
    cutoff = clock.now() - (retention() if older_than is None else older_than)
    stale = BackgroundJob.objects.filter(
        status__in=(BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING),
        created_at__lt=cutoff,
    )
    interrupted = stale.update(
        status=BackgroundJob.Status.FAILED, message=INTERRUPTED, finished_at=clock.now()
    )
    deleted = 0
    for prefix in STORAGE_PREFIXES:
        deleted += _purge_storage(prefix, cutoff)
    # The rows no longer point at files that are gone.
    BackgroundJob.objects.filter(created_at__lt=cutoff).exclude(input_file="").update(input_file="")
    BackgroundJob.objects.filter(created_at__lt=cutoff).exclude(error_file="").update(error_file="")
    deleted += _purge_dir(export_dir(), cutoff)
    if deleted or interrupted:
        logger.info("purged %s personal-data files, %s interrupted jobs", deleted, interrupted)
    return PurgeResult(jobs_interrupted=interrupted, files_deleted=deleted)


def _purge_storage(prefix: str, cutoff: dt.datetime) -> int:
    try:
        _, names = default_storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    deleted = 0
    for name in names:
        path = f"{prefix}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                deleted += 1
        except OSError:
            logger.warning("could not purge %s", path)
    return deleted


def _purge_dir(directory: Path, cutoff: dt.datetime) -> int:
    if not directory.is_dir():
        return 0
    deleted = 0
    for path in directory.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff.timestamp():
                path.unlink()
                deleted += 1
        except OSError:
            logger.warning("could not purge %s", path)
    return deleted


@shared_task(name="core.files_purge", ignore_result=True)
def files_purge_task() -> None:
    """Hourly in Celery beat (config/celery.py)."""
    files_purge()
