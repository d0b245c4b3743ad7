"""`civtrain courses list [--format json|table]`: the online courses (#12 item 6)."""

import json
from typing import Any

from django.core.management.base import BaseCommand

from civtrain.accounts.api import SYSTEM
from civtrain.learning import selectors


def course_rows(*, search: str = "") -> list[dict[str, Any]]:
    """id, title, kind, 学时 and item count of every course. 学时 is null for a course whose
    hours the governing rule set's crediting policy gives each learner from its length (PR-1);
    `minutes` is that length."""
    rows = []
    for c in selectors.course_list(actor=SYSTEM, search=search).order_by("id"):
        summary = selectors.course_summary(c)
        rows.append(
            {
                "id": c.pk,
                "title": c.title,
                "kind": c.kind,
                "hours": float(c.hours) if c.hours is not None else None,
                "minutes": summary["minutes"],
                "items": summary["items"],
                "org": c.org.code,
                "required": c.required,
                "published": c.published,
            }
        )
    return rows


class Command(BaseCommand):
    help = "List the online courses (id, title, kind, hours, item count)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="every course")
        listing.add_argument("--format", choices=("table", "json"), default="table")
        listing.add_argument("--search", default="", help="words in the title or description")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = course_rows(search=options["search"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for r in rows:
            hours = "按规则" if r["hours"] is None else f"{r['hours']:g}"
            self.stdout.write(
                f"{r['id']:>6}  {r['kind']:<9} {hours:>6} 学时  {r['items']:>3} 项  {r['title']}"
            )
