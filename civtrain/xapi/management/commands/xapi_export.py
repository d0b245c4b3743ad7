"""`civtrain xapi-export [--credential KEY] [--since T] [--until T] [--out FILE] [--delete]`:
statements as NDJSON (one statement as stored per line, oldest first), the LRS's export and
retention path (#13 item 4, ADR 0018). `--delete` removes what was exported (audited), for a
retention period; the ledger entries the statements produced stay: they are the record."""

import contextlib
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.accounts.api import SYSTEM
from civtrain.xapi import selectors, services
from civtrain.xapi.validation import parse_timestamp


class Command(BaseCommand):
    help = "Export statements as NDJSON (and optionally delete what was exported)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--credential", default="", help="only this provider's statements (key)"
        )
        parser.add_argument("--since", default="", help="stored after this ISO 8601 time")
        parser.add_argument("--until", default="", help="stored at or before this ISO 8601 time")
        parser.add_argument("--out", default="-", help="file to write (default: standard output)")
        parser.add_argument("--delete", action="store_true", help="delete the exported statements")

    def handle(self, *args: Any, **options: Any) -> None:
        since, until = (self._time(options[k], k) for k in ("since", "until"))
        if options["delete"] and (until is None or options["out"] == "-"):
            raise CommandError("--delete needs --until and --out (a file kept as the archive)")
        count = 0
        with contextlib.ExitStack() as stack:
            out = sys.stdout
            if options["out"] != "-":
                out = stack.enter_context(Path(options["out"]).open("w", encoding="utf-8"))
            for payload in selectors.statements_export(
                credential_key=options["credential"], since=since, until=until
            ):
                out.write(payload + "\n")
                count += 1
        if options["delete"]:
            services.statements_delete(
                actor=SYSTEM, credential_key=options["credential"], since=since, until=until
            )
        self.stderr.write(
            f"exported {count} statements" + (" and deleted them" if options["delete"] else "")
        )

    def _time(self, value: str, name: str) -> Any:
        if not value:
            return None
        moment = parse_timestamp(value)
        if moment is None:
            raise CommandError(f"--{name} must be an ISO 8601 time, e.g. 2026-01-01T00:00:00+08:00")
        return moment
