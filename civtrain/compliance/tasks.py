"""Background work of the compliance app: re-evaluation after ledger writes (issue 4 §4)
and the nightly snapshots (Celery beat, config/celery.py)."""

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from celery import shared_task

from civtrain.accounts.api import SYSTEM
from civtrain.compliance import services
from civtrain.core import clock
from civtrain.core.jobs import job_create, job_dispatch
from civtrain.core.models import BackgroundJob

logger = logging.getLogger(__name__)

# Up to this many people a ledger write queues their re-evaluation at once; above it (bulk
# loads) the periodic refresh takes them in batches.
QUEUE_AT_MOST = 200
STARTS_WITHIN = dt.timedelta(minutes=10)
JOB_RUNNER = "civtrain.compliance.tasks:run_refresh_job"


def on_ledger_written(sender: Any, *, person_ids: frozenset[int], years: frozenset[int],
                      **_: Any) -> None:  # fmt: skip
    """Receiver of credits.api.ledger_written (connected in ComplianceConfig.ready()). The
    writer waits for it: one INSERT of stale marks, and for a few people a queued job."""
    this_year = clock.today().year
    # An entry of an earlier year also moves this year's rolling and triggered rules.
    marked_years = set(years) | ({this_year} if any(y < this_year for y in years) else set())
    marked_years = {y for y in marked_years if y <= this_year}
    if not marked_years:
        return
    services.stale_mark(person_ids=person_ids, years=marked_years)
    if len(person_ids) <= QUEUE_AT_MOST and not _refresh_waiting():
        job = job_create(
            actor=None,
            kind="compliance.refresh",
            runner=JOB_RUNNER,
            params={"person_ids": sorted(person_ids)},
        )
        job_dispatch(job)


def _refresh_waiting() -> bool:
    """A refresh job is queued and has not started: it will take these marks too, so a
    burst of single writes queues one job, not one each. A job queued long ago by a process
    that died does not count."""
    return BackgroundJob.objects.filter(
        kind="compliance.refresh",
        status=BackgroundJob.Status.QUEUED,
        created_at__gte=clock.now() - STARTS_WITHIN,
    ).exists()


def run_refresh_job(job: BackgroundJob, progress: Callable[[int, int], None]) -> None:
    """Job runner: re-evaluate the stale pairs (the job's people first, then whatever other
    marks are waiting, a few batches at most) and store snapshots."""
    ids = [int(i) for i in job.params.get("person_ids", [])]
    stored = services.stale_refresh(actor=SYSTEM, person_ids=ids)
    stored += services.stale_refresh(actor=SYSTEM, batch=500, max_batches=2)
    job.report = {"rows_read": len(ids), "snapshots": stored}
    progress(len(ids), len(ids))


@shared_task(name="compliance.refresh_stale", ignore_result=True)
def refresh_stale(max_batches: int = 20) -> int:
    """Every few minutes: re-evaluate whatever is still stale (bulk writes, failed jobs),
    5,000 pairs a batch, at most `max_batches` batches a run."""
    stored = services.stale_refresh(actor=SYSTEM, max_batches=max_batches)
    if stored:
        logger.info("compliance: %s stale snapshots refreshed", stored)
    return stored


@shared_task(name="compliance.store_year_nightly", ignore_result=True)
def store_year_nightly(year: int | None = None) -> int:
    """Nightly, what `civtrain compliance --year <this year> --store` does: every person's
    snapshot for the dashboards (api.snapshots_refresh)."""
    from civtrain.compliance.api import snapshots_refresh

    y = year or clock.today().year
    stored = snapshots_refresh(actor=SYSTEM, year=y)
    logger.info("compliance: %s snapshots stored for %s", stored, y)
    return stored
