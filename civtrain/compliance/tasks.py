"""Background work of the compliance app: re-evaluation after ledger writes (issue 4 §4)
and the nightly snapshots (the beat schedule in config/settings/base.py; without a broker,
`civtrain serve` runs it with `civtrain run-schedule`)."""

import logging

from celery import shared_task

from civtrain.accounts.api import SYSTEM
from civtrain.compliance import services
from civtrain.core import clock

logger = logging.getLogger(__name__)


@shared_task(name="compliance.refresh_stale", ignore_result=True)
def refresh_stale(max_batches: int = 20) -> int:
    """Every few seconds: pull the ledger's outbox into stale marks (ADR 0013), then
    re-evaluate whatever is stale, 5,000 pairs a batch, at most `max_batches` batches a run.
    Nothing waiting costs two indexed lookups."""
    services.ledger_changes_pull()
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
