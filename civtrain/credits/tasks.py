"""Background jobs of the ledger: the daily signed checkpoint (Celery beat in production)."""

from typing import Any

from celery import shared_task

from civtrain.accounts.api import SYSTEM
from civtrain.credits.services import ledger_checkpoint_create


@shared_task(name="credits.ledger_checkpoint_daily")
def ledger_checkpoint_daily() -> dict[str, Any]:
    """What `civtrain ledger-checkpoint` does, for the beat schedule in settings."""
    cp = ledger_checkpoint_create(actor=SYSTEM)
    return {"id": cp.pk, "date": cp.date.isoformat(), "entries": cp.entry_count}
