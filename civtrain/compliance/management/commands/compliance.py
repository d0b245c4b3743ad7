"""`civtrain compliance --year Y [--unit CODE] [--as-of DATE] [--format …] [--out FILE]`."""

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from civtrain.accounts.api import SYSTEM
from civtrain.compliance import exports, selectors, services
from civtrain.compliance.data import STATUS_LABELS, OutcomeStatus, fmt_number
from civtrain.compliance.units import unit_summaries
from civtrain.core import clock
from civtrain.core.errors import ApplicationError
from civtrain.core.text import spreadsheet_safe
from civtrain.organisations.api import org_by_codes


class Command(BaseCommand):
    help = "Evaluate the rule sets for a year (everyone or a unit subtree) and print or export."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--unit", default=None, help="org code: evaluate its subtree")
        parser.add_argument("--as-of", dest="as_of", type=dt.date.fromisoformat, default=None)
        parser.add_argument(
            "--format", choices=["table", "json", "csv", "xlsx"], default="table", dest="fmt"
        )
        parser.add_argument("--out", default=None, help="file to write (required for xlsx)")
        parser.add_argument("--store", action="store_true", help="store the results as snapshots")
        parser.add_argument(
            "--units", action="store_true", help="per-unit completion and 优秀 quota instead"
        )
        parser.add_argument(
            "--form",
            choices=["assessment", "appointment"],
            default=None,
            help="export 年度考核登记表 / 干部任免审批表 training lists (xlsx)",
        )

    def handle(self, *args: Any, **o: Any) -> None:
        try:
            self._handle(o)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    def _write(self, o: dict[str, Any], data: bytes | str) -> None:
        if o["out"]:
            path = Path(o["out"])
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(data, encoding="utf-8")
            self.stderr.write(f"已写入 {path}")
        elif isinstance(data, bytes):
            raise CommandError("xlsx 需要 --out 文件")
        else:
            self.stdout.write(data, ending="")

    def _handle(self, o: dict[str, Any]) -> None:
        year = o["year"]
        if o["form"]:
            q = Q()
            if o["unit"]:
                node = org_by_codes([o["unit"]]).get(o["unit"])
                if node is None:
                    raise CommandError(f"组织机构编码 {o['unit']} 不存在")
                q = Q(unit__path__startswith=node.path)
            if o["form"] == "assessment":
                data = exports.annual_assessment_xlsx(q, year)
            else:
                data = exports.appointment_form_xlsx(q, o["as_of"] or dt.date(year, 12, 31))
            if not o["out"]:
                raise CommandError("表格导出需要 --out 文件")
            self._write(o, data)
            return
        started = clock.now()
        ev, stream = selectors.evaluate(
            actor=SYSTEM, year=year, as_of=o["as_of"], unit_code=o["unit"]
        )
        results = list(stream)
        if o["store"]:
            n = services.snapshot_store(actor=SYSTEM, results=results)
            if not o["unit"]:  # everyone re-evaluated: earlier stale marks are covered
                services.stale_clear_year(year=year, before=started)
            self.stderr.write(f"已保存 {n} 条快照（as_of {ev.as_of}）")
        if o["units"]:
            root = org_by_codes([o["unit"]])[o["unit"]].path if o["unit"] else ""
            rows = unit_summaries(ev, results, root)
            data_rows = [
                {
                    "unit_code": s.unit_code,
                    "unit_name": s.unit_name,
                    "headcount": s.headcount,
                    "complete": s.complete,
                    "completion_rate": round(s.completion_rate, 4),
                    "task_missed": s.task_missed,
                    "quota_pct": s.quota_pct,
                    "excellent_quota": s.excellent_quota,
                    "reasons": list(s.reasons),
                    "unit_outcomes": [u.as_json() for u in s.unit_outcomes],
                }
                for s in rows
            ]
            self._write(o, json.dumps(data_rows, ensure_ascii=False, indent=1) + "\n")
            return
        fmt = o["fmt"]
        if fmt == "json":
            payload = [r.as_json() for r in results]
            self._write(o, json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
        elif fmt == "xlsx":
            if not o["out"]:
                raise CommandError("xlsx 需要 --out 文件")
            self._write(o, exports.results_xlsx(results))
        else:
            buf = io.StringIO()
            if fmt == "csv":
                w = csv.writer(buf)
                w.writerow(["name", "id_number_masked", "unit_code", "rule", "clause", "required",
                            "achieved", "unit", "status", "deadline", "explanation"])  # fmt: skip
                for r in results:
                    for x in r.outcomes:
                        w.writerow([spreadsheet_safe(v) for v in (
                            r.name, r.id_number_masked, r.unit_code, x.rule, x.clause,
                            fmt_number(x.required), fmt_number(x.achieved), x.unit,
                            x.status, x.deadline or "", x.explanation)])  # fmt: skip
            else:
                for r in results:
                    buf.write(f"{r.name} {r.id_number_masked} {r.unit_code} {r.ruleset}\n")
                    for x in r.outcomes:
                        label = STATUS_LABELS[OutcomeStatus(x.status)]
                        buf.write(f"  [{label}] {x.clause:9} {x.title}：{x.explanation}\n")
                    if not r.outcomes:
                        buf.write("  （无适用规则）\n")
            self._write(o, buf.getvalue())
