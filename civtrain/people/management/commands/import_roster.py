"""`civtrain import-roster FILE [--actor U] [--dry-run] [--skip-invalid] [--errors-out F]`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.accounts.api import SYSTEM, User
from civtrain.core.audit import RequestContext, request_context
from civtrain.core.tabular import add_import_arguments, run_cli_import
from civtrain.people.imports import roster_import


def cli_actor(username: str | None) -> Any:
    """The named user, or the system actor (whole tree) when none is given."""
    if not username:
        return SYSTEM
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"用户 {username} 不存在或已停用")
    return user


class Command(BaseCommand):
    help = "Import a roster (名册) from .xlsx/.xls/.ods/.csv; upsert by ID number."

    def add_arguments(self, parser: Any) -> None:
        add_import_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = cli_actor(options["actor"])
        ctx = RequestContext(actor_id=actor.pk, actor_label=f"{actor}（命令行）", ip_address=None)
        with request_context(ctx):
            run_cli_import(self, options, roster_import, actor=actor)
