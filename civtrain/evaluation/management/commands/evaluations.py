"""`civtrain evaluations summary --year Y [--org CODE] --format json|table`: per class its
response rate and mean per dimension; per teacher and institution their mean and count
(issue #16 item 6, CQ-M4)."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.evaluation import summary


class Command(BaseCommand):
    help = "Class evaluation figures for a year: response rates and scores (CQ-M4)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        s = sub.add_parser("summary", help="per class, teacher and institution")
        s.add_argument("--year", type=int, required=True)
        s.add_argument("--org", default=None, help="org code: classes organised in its subtree")
        s.add_argument("--format", choices=["json", "table"], default="table", dest="fmt")

    def handle(self, *args: Any, **o: Any) -> None:
        try:
            result = summary.year_summary(year=o["year"], org_code=o["org"])
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        if o["fmt"] == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        for row in result["classes"]:
            self.stdout.write(
                f"{row['code']}  {row['title']}  {row['responses']}/{row['invited']}"
                f"  {row['response_rate']}  {row['dimensions']}"
            )
        for kind in ("teachers", "institutions"):
            for row in result[kind]:
                self.stdout.write(f"{kind[:-1]}  {row['name']}  {row['mean']}  n={row['count']}")
