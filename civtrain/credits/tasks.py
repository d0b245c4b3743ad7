"""Background jobs of the ledger: the signed checkpoint every few minutes (Celery beat in
production, config/settings CELERY_BEAT_SCHEDULE; issue 8 item 15)."""

import logging
from typing import Any

from celery import shared_task

from civtrain.accounts.api import SYSTEM
from civtrain.credits.integrity import ledger_checkpoint_create

logger = logging.getLogger(__name__)


@shared_task(name="credits.ledger_checkpoint", ignore_result=True)
def ledger_checkpoint() -> dict[str, Any]:
    """What `civtrain ledger-checkpoint` does: sign what changed since the last checkpoint,
    nothing when nothing did."""
    result = ledger_checkpoint_create(actor=SYSTEM)
    cp = result.checkpoint
    if cp is not None:
        logger.info("ledger checkpoint %s: %s entries", cp.pk, cp.entry_count)
    return {
        "id": cp.pk if cp else None,
        "entries": cp.entry_count if cp else None,
        "refused": len(result.refused),
    }
