"""`civtrain export-roster OUT.xlsx|OUT.csv [--unit CODE] [--actor U]
(--masked | --purpose P --reason TEXT) [--template]`."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.core.audit import RequestContext, request_context
from civtrain.core.errors import ApplicationError
from civtrain.core.files import write_private
from civtrain.people.data import RELEASE_PURPOSE_LABELS, ReleasePurpose
from civtrain.people.exports import ExportRequest, roster_export
from civtrain.people.imports import roster_template
from civtrain.people.management.commands.import_roster import cli_actor
from civtrain.people.services import release_reason

PURPOSES = "；".join(f"{p.value} {RELEASE_PURPOSE_LABELS[p]}" for p in ReleasePurpose)


class Command(BaseCommand):
    help = (
        "Export the roster in the import template's shape, audited: clear ID and phone "
        "numbers only with --purpose and --reason (#17 item 4), else --masked."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("out", help="OUT.xlsx or OUT.csv")
        parser.add_argument("--unit", help="only this unit's subtree (org code)")
        parser.add_argument("--actor", help="act as this user (default: the system)")
        parser.add_argument(
            "--masked", action="store_true", help="ID and phone numbers masked (no reason needed)"
        )
        parser.add_argument("--purpose", default="", help=f"why clear numbers: {PURPOSES}")
        parser.add_argument("--reason", default="", help="what for, in words (audited)")
        parser.add_argument(
            "--template", action="store_true", help="write the blank template with an example row"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv"):
            raise CommandError("输出文件应以 .xlsx 或 .csv 结尾")
        if options["template"]:
            out.write_bytes(roster_template(fmt))
            self.stdout.write(f"已写出空白模板 {out}")
            return
        masked = bool(options["masked"])
        actor = cli_actor(options["actor"])
        ctx = RequestContext(actor_id=actor.pk, actor_label=f"{actor}（命令行）", ip_address=None)
        with request_context(ctx):
            try:
                reason = None if masked else release_reason(options["purpose"], options["reason"])
                export = roster_export(
                    actor=actor,
                    request=ExportRequest(
                        fmt=fmt, unit_code=options["unit"] or "", masked=masked, reason=reason
                    ),
                )
            except ApplicationError as exc:
                hint = "" if masked else f"（--purpose 可选：{PURPOSES}；或用 --masked 打码导出）"
                raise CommandError(exc.message + hint) from None
        write_private(out, export.content)  # clear ID numbers: readable by this user only
        self.stdout.write(f"已导出 {export.rows} 人到 {out}{'（打码）' if masked else ''}")
