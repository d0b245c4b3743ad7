"""`civtrain retention --dry-run | --apply [--as-of YYYY-MM-DD] [--actor U]` (#17 item 4)."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.core import clock
from civtrain.core.audit import RequestContext, request_context
from civtrain.people.data import STATUS_LABELS, Status
from civtrain.people.management.commands.import_roster import cli_actor
from civtrain.people.retention import retention_apply, retention_cases


class Command(BaseCommand):
    help = (
        "List (--dry-run) or anonymise (--apply) the people who left longer ago than their "
        "city's retention period (set by its security administrator); audited, idempotent."
    )

    def add_arguments(self, parser: Any) -> None:
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--dry-run", action="store_true", help="list, change nothing")
        mode.add_argument("--apply", action="store_true", help="anonymise those due")
        parser.add_argument("--as-of", help="the day to judge by (YYYY-MM-DD; default: today)")
        parser.add_argument("--actor", help="act as this user (default: the system)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else clock.today()
        except ValueError:
            raise CommandError("--as-of 应为 YYYY-MM-DD 格式的日期") from None
        cases = retention_cases()
        due = [c for c in cases if c.due(as_of)]
        undated = [c for c in cases if c.left_on is None]
        kept = [c for c in cases if c.retention_years == 0 and c.left_on is not None]
        # Row ids and units only: the operator learns who is due without their personal data.
        for c in due:
            self.stdout.write(
                f"{c.person_id}\t{c.unit_code}\t{STATUS_LABELS[Status(c.status)]}"
                f"\t离开 {c.left_on}\t保留 {c.retention_years} 年\t到期 {c.due_on}"
            )
        summary = f"截至 {as_of}：已离开且未匿名化 {len(cases)} 人，其中到期 {len(due)} 人"
        if kept:
            summary += f"；{len(kept)} 人所在城市未设置保留年限（不处理）"
        if undated:
            summary += f"；{len(undated)} 人没有退休或调出事件、离开日期不明（不处理）"
        self.stdout.write(summary)
        if options["dry_run"]:
            self.stdout.write("试运行：未做任何修改。使用 --apply 执行匿名化。")
            return
        actor = cli_actor(options["actor"])
        ctx = RequestContext(actor_id=actor.pk, actor_label=f"{actor}（命令行）", ip_address=None)
        with request_context(ctx):
            done = retention_apply(actor=actor, as_of=as_of, cases=due)
        self.stdout.write(f"已匿名化 {done} 人。")
