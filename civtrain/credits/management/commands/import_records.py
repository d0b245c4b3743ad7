"""`civtrain import-records FILE [--actor U] [--dry-run] [--skip-invalid] [--errors-out F]`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.accounts.api import SYSTEM, User
from civtrain.core.actors import Actor
from civtrain.core.audit import RequestContext, request_context
from civtrain.core.tabular import add_import_arguments, run_cli_import
from civtrain.credits.imports import records_import


class Command(BaseCommand):
    help = "Import historical training records into the ledger (idempotent per file row)."

    def add_arguments(self, parser: Any) -> None:
        add_import_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        actor: Actor = SYSTEM
        if options["actor"]:
            user = User.objects.filter(username=options["actor"], is_active=True).first()
            if user is None:
                raise CommandError(f"用户 {options['actor']} 不存在或已停用")
            actor = user
        ctx = RequestContext(actor_id=actor.pk, actor_label=f"{actor}（命令行）", ip_address=None)
        with request_context(ctx):
            run_cli_import(self, options, records_import, actor=actor)
