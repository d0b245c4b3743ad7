"""The checkpoint task signs the ledger like the command does, every few minutes by beat
(issue 8 item 15)."""

import datetime as dt
from typing import Any

from civtrain.credits import chain
from civtrain.credits.models import LedgerCheckpoint
from civtrain.credits.tasks import ledger_checkpoint


def test_task_writes_a_signed_checkpoint_and_runs_every_five_minutes(
    db: Any, settings: Any
) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["ledger-checkpoint"]
    assert entry["task"] == "credits.ledger_checkpoint"
    assert entry["schedule"] == dt.timedelta(minutes=5)
    out = ledger_checkpoint()
    cp = LedgerCheckpoint.objects.get()
    assert out == {"id": cp.pk, "entries": 0, "refused": 0}
    assert len(cp.signature) == 88 and cp.chain_count == 0
    assert cp.scheme == chain.checkpoint_scheme()  # 2, or 3 (SM3) under gm
    # Nothing changed: nothing more is signed.
    assert ledger_checkpoint() == {"id": None, "entries": None, "refused": 0}
    assert LedgerCheckpoint.objects.count() == 1
