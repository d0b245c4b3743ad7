"""`civtrain verify-audit [--seal] [--format text|json] [--archive FILE]`: recompute the audit
chain and check the seals' signatures.

Read-only by default: sealing is the beat task's (`core.audit_seal`, every minute), and a
verification that wrote would change what it checks. `--seal` seals the pending rows first
(for a deployment without the beat, or before an assessor's check). Exit status 0 when the
chain is intact, 1 naming the first broken row otherwise (#17 item 3).
"""

import argparse
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.core.audit_chain import audit_archive_verify, audit_seal, audit_verify


class Command(BaseCommand):
    help = (
        "Recompute the whole audit chain and check the seals' signatures (read-only); exit 1 "
        "naming the first row edited, deleted or left unsealed. --seal seals pending rows first."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--seal", action="store_true", help="seal the rows written since the last seal first"
        )
        # Sealing used to be the default; scripts that said --no-seal keep working.
        parser.add_argument("--no-seal", action="store_true", help=argparse.SUPPRESS)
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--archive", help="check an archive file of `civtrain audit-archive` instead"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["seal"] and options["no_seal"]:
            raise CommandError("--seal 与 --no-seal 不能同时使用")
        if options["archive"]:
            newly, report = 0, audit_archive_verify(Path(options["archive"]))
        else:
            newly = audit_seal() if options["seal"] else 0
            report = audit_verify()
        if options["format"] == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "ok": report.ok,
                        "rows": report.rows,
                        "sealed": report.sealed,
                        "newly_sealed": newly,
                        "unsigned_seals": report.unsigned_seals,
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
            if report.unsigned_seals:
                self.stdout.write(f"早于封存签名的未签名封存 {report.unsigned_seals} 次")
        if not report.ok:
            raise CommandError("；".join(p.reason for p in report.problems))
        if options["format"] == "text":
            self.stdout.write("审计链完整，封存签名有效")
