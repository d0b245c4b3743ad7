"""`civtrain ledger-checkpoint`: sign today's digest of every chain head (run daily by beat)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.accounts.api import SYSTEM
from civtrain.core.errors import ApplicationError
from civtrain.credits.services import ledger_checkpoint_create


class Command(BaseCommand):
    help = "Write a signed checkpoint of the credit ledger (date in Asia/Shanghai)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            cp = ledger_checkpoint_create(actor=SYSTEM)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"检查点 {cp.date}：{cp.entry_count} 条记录，{cp.chain_count} 条链，"
            f"摘要 {cp.digest[:16]}…"
        )
