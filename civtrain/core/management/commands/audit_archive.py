"""`civtrain audit-archive --before YYYY-MM-DD [--out FILE]`: move old audit rows to a file.

Rows older than the date (and at least CIVTRAIN_AUDIT_ONLINE_DAYS old) leave the database
for a gzipped NDJSON file, recorded with its digest and chain ends so that `civtrain
verify-audit` goes on from where it ends and `civtrain verify-audit --archive FILE` checks
the file itself (#17 item 3, ADR 0025).
"""

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from civtrain.core import clock
from civtrain.core.audit_chain import audit_archive
from civtrain.core.errors import ValidationFailed


class Command(BaseCommand):
    help = "Move audit rows older than a date into a verified, gzipped NDJSON archive file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--before", required=True, help="archive rows before this date")
        parser.add_argument(
            "--out", help="the file (default var/audit/audit-before-DATE.ndjson.gz)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = dt.date.fromisoformat(options["before"])
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{options['before']}") from None
        before = dt.datetime.combine(day, dt.time(), tzinfo=clock.TZ)
        default = Path(settings.VAR_DIR) / "audit" / f"audit-before-{day.isoformat()}.ndjson.gz"
        out = Path(options["out"]) if options["out"] else default
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            result = audit_archive(before=before, out=out)
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"已归档审计记录 {result.rows} 条（封存序号 {result.from_seq}–{result.upto_seq}）"
            f"至 {result.path}"
        )
