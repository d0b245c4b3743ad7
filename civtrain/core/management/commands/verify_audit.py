"""`civtrain verify-audit [--no-seal] [--format text|json]`: recompute the audit chain.

Exit status 0 when the chain is intact, 1 naming the first broken row otherwise (#17 item 3).
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.core.audit_chain import audit_archive_verify, audit_seal, audit_verify


class Command(BaseCommand):
    help = (
        "Seal the audit rows written since the last seal, then recompute the whole audit "
        "chain; exit 1 naming the first row edited, deleted or left unsealed."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-seal", action="store_true", help="verify only; do not seal pending rows first"
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--archive", help="check an archive file of `civtrain audit-archive` instead"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["archive"]:
            newly, report = 0, audit_archive_verify(Path(options["archive"]))
        else:
            newly = 0 if options["no_seal"] else audit_seal()
            report = audit_verify()
        if options["format"] == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "ok": report.ok,
                        "rows": report.rows,
                        "sealed": report.sealed,
                        "newly_sealed": newly,
                        "problems": [
                            {"row_id": p.row_id, "seal_seq": p.seal_seq, "reason": p.reason}
                            for p in report.problems
                        ],
                    },
                    ensure_ascii=False,
                )
            )
        else:
            self.stdout.write(
                f"审计记录 {report.rows} 条，已封存 {report.sealed} 条（本次封存 {newly} 条）"
            )
        if not report.ok:
            raise CommandError("；".join(p.reason for p in report.problems))
        if options["format"] == "text":
            self.stdout.write("审计链完整")
