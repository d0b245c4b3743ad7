"""`civtrain verify-document FILE.pdf [--superseded-list LIST.json] [--online]`: check a
document offline; exit 0 genuine, non-zero altered, unknown key, superseded (ADR 0020)."""

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.documents import sealing
from civtrain.documents.data import EXIT_CODES, VERIFY_LABELS, VerifyOutcome


class Command(BaseCommand):
    help = (
        "Check a document PDF without the database: its file and content signatures against "
        "the platform's current and retired keys, and its printed text against its content."
    )
    requires_system_checks: list[str] = []  # offline: nothing here may need the database

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--superseded-list",
            help="the signed list from `civtrain document-superseded-list` (offline check "
            "for documents replaced after a ledger correction)",
        )
        parser.add_argument(
            "--online", action="store_true", help="also ask this platform's database"
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with open(options["file"], "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise CommandError(f"无法读取文件：{exc}") from exc
        superseded: dict[str, str] = {}
        if options["superseded_list"]:
            try:
                with open(options["superseded_list"], encoding="utf-8") as fh:
                    superseded = sealing.superseded_list_read(json.load(fh))
            except (OSError, ValueError) as exc:
                raise CommandError(f"作废清单不可用：{exc}") from exc
        if options["online"]:
            from civtrain.documents.services import document_verify_pdf

            outcome: VerifyOutcome = document_verify_pdf(data)
        else:
            outcome = sealing.verify_pdf(data, superseded=superseded)
        self._report(outcome, options["format"])
        sys.exit(EXIT_CODES[outcome.status])

    def _report(self, outcome: VerifyOutcome, fmt: str) -> None:
        content = outcome.content or {}
        if fmt == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "status": outcome.status.value,
                        "reason": outcome.reason,
                        "serial": content.get("serial"),
                        "key_id": outcome.key_id,
                        "superseded_by": outcome.superseded_by or None,
                    },
                    ensure_ascii=False,
                )
            )
            return
        self.stdout.write(f"{VERIFY_LABELS[outcome.status]}：{outcome.reason}")
        person = content.get("person") or {}
        if person:
            self.stdout.write(
                f"{content.get('title', '')} {person.get('name', '')} "
                f"{person.get('id_number_masked', '')} {content.get('issued_at', '')}"
            )
        elif content.get("org"):
            self.stdout.write(
                f"{content['org'].get('name', '')}{content.get('period', '')}"
                f"{content.get('title', '')} {content.get('issued_at', '')}"
            )
