"""`civtrain document-superseded-list --out LIST.json`: the signed list of documents replaced
after ledger corrections, for `verify-document --superseded-list` offline (ADR 0020)."""

import json
from typing import Any

from django.core.management.base import BaseCommand

from civtrain.documents.services import superseded_list


class Command(BaseCommand):
    help = "Write the signed list of superseded document serials (old → new)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        sealed = superseded_list()
        with open(options["out"], "w", encoding="utf-8") as fh:
            json.dump(sealed, fh, ensure_ascii=False, indent=1)
        self.stdout.write(f"{len(sealed['superseded'])} superseded → {options['out']}")
