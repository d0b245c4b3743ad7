"""The daily checkpoint task signs the ledger like the command does."""

from typing import Any

from civtrain.credits.models import LedgerCheckpoint
from civtrain.credits.tasks import ledger_checkpoint_daily


def test_daily_task_writes_a_signed_checkpoint(db: Any, settings: Any) -> None:
    assert settings.CELERY_BEAT_SCHEDULE["ledger-checkpoint-daily"]["task"] == (
        "credits.ledger_checkpoint_daily"
    )
    out = ledger_checkpoint_daily()
    cp = LedgerCheckpoint.objects.get()
    assert out == {"id": cp.pk, "date": cp.date.isoformat(), "entries": 0}
    assert len(cp.signature) == 88 and cp.chain_count == 0
