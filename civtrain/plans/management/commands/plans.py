"""`civtrain plans overdue --year Y [--org CODE] [--format json|table]`: the units that have
not filed their annual plan by the year's deadline (ZZ-O1): code, name, status, deadline."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.core import clock
from civtrain.organisations.api import org_by_codes, org_list_data
from civtrain.plans import selectors
from civtrain.plans.data import NO_PLAN, NO_PLAN_LABEL, PLAN_STATUS_LABELS, PlanStatus


class Command(BaseCommand):
    help = "Annual training plans (ZZ-O1): units overdue with their plan."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        o = sub.add_parser("overdue", help="units that have not filed by the deadline")
        o.add_argument("--year", type=int, required=True)
        o.add_argument("--org", default=None, help="org code: units in its subtree")
        o.add_argument("--format", choices=["json", "table"], default="table", dest="fmt")

    def handle(self, *args: Any, **o: Any) -> None:
        if o["org"]:
            org = org_by_codes([o["org"]]).get(o["org"])
            if org is None:
                raise CommandError(f"组织代码 {o['org']} 不存在")
            roots = [org.path]
        else:
            roots = [n.path for n in org_list_data(scope_paths=[""]) if n.parent_id is None]
        rows = selectors.overdue_units(year=o["year"], root_paths=roots, today=clock.today())
        if o["fmt"] == "json":
            data = [
                {"code": r.code, "name": r.name, "status": r.status, "deadline": str(r.deadline)}
                for r in rows
            ]
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        for r in rows:
            label = (
                NO_PLAN_LABEL if r.status == NO_PLAN else PLAN_STATUS_LABELS[PlanStatus(r.status)]
            )
            self.stdout.write(f"{r.code}\t{r.name}\t{label}\t{r.deadline}")
        self.stderr.write(f"{len(rows)} 个单位逾期未备案")
