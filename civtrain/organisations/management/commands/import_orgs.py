"""`civtrain import-orgs FILE [--actor U] [--dry-run] [--errors-out F]`: the org tree."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.accounts.api import SYSTEM, User
from civtrain.core.actors import Actor
from civtrain.core.audit import RequestContext, request_context
from civtrain.core.tabular import add_import_arguments, run_cli_import
from civtrain.organisations.imports import orgs_import


class Command(BaseCommand):
    help = "Import org nodes (编码, 名称, 上级编码, 类型); all-or-nothing."

    def add_arguments(self, parser: Any) -> None:
        add_import_arguments(parser, skip_invalid=False)

    def handle(self, *args: Any, **options: Any) -> None:
        actor: Actor = SYSTEM
        if options["actor"]:
            user = User.objects.filter(username=options["actor"], is_active=True).first()
            if user is None:
                raise CommandError(f"用户 {options['actor']} 不存在或已停用")
            actor = user
        ctx = RequestContext(actor_id=actor.pk, actor_label=f"{actor}（命令行）", ip_address=None)
        with request_context(ctx):
            run_cli_import(self, options, orgs_import, actor=actor)
