"""`civtrain import-events FILE`: career events (录用/晋升/职级调整/调动/退休)."""

from typing import Any

from django.core.management.base import BaseCommand

from civtrain.core.audit import RequestContext, request_context
from civtrain.core.tabular import add_import_arguments, run_cli_import
from civtrain.people.imports import events_import
from civtrain.people.management.commands.import_roster import cli_actor


class Command(BaseCommand):
    help = "Import career events and re-derive each person's current state."

    def add_arguments(self, parser: Any) -> None:
        add_import_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = cli_actor(options["actor"])
        ctx = RequestContext(actor_id=actor.pk, actor_label=f"{actor}（命令行）", ip_address=None)
        with request_context(ctx):
            run_cli_import(self, options, events_import, actor=actor)
