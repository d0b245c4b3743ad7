"""`civtrain ledger-checkpoint`: sign what changed in the ledger since the last checkpoint
(the beat job does the same every few minutes; issue 8 item 15)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.accounts.api import SYSTEM
from civtrain.core import clock
from civtrain.core.errors import ApplicationError
from civtrain.credits.integrity import ledger_checkpoint_create


class Command(BaseCommand):
    help = "Sign a checkpoint of the credit ledger's chains changed since the last one."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = ledger_checkpoint_create(actor=SYSTEM)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        cp = result.checkpoint
        if cp is None:
            self.stdout.write("账本自上次检查点以来没有变化，未签署新检查点")
        else:
            at = cp.created_at.astimezone(clock.TZ)
            self.stdout.write(
                f"检查点 {at:%Y-%m-%d %H:%M:%S}：{cp.entry_count} 条记录，"
                f"{cp.chain_count} 条链，摘要 {cp.digest[:16]}…"
            )
        for problem in result.refused:
            self.stderr.write(f"[未签署] {problem.message}")
        if result.refused:
            raise CommandError(f"{len(result.refused)} 条链与已签名的检查点不符，未签署")
