"""`civtrain demo-data`: build the deterministic demo dataset and print the demo logins."""

import argparse
import datetime as dt
import time
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rich.console import Console
from rich.table import Table

from civtrain.core import clock
from civtrain.core.errors import ApplicationError
from civtrain.demo.accounts import existing_learner_accounts, existing_staff_accounts
from civtrain.demo.steps import DemoAccount, DemoContext, run_all
from civtrain.people.api import person_any


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是 YYYY-MM-DD 格式的日期") from None


class Command(BaseCommand):
    help = (
        "生成演示数据：重庆市、郑州市两市的组织机构、公务员及履历、近三年学时记录、各角色演示账号。"
        "同一 --seed、--people、--as-of 生成的数据完全相同。"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--people", type=int, default=2000, help="公务员人数（默认 2000）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子（默认 1）")
        parser.add_argument(
            "--as-of",
            type=_date,
            default=None,
            help="数据截至日期 YYYY-MM-DD（默认今天）；近期晋升、录用以此为准",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="库中已有人员时什么也不做（make run 使用）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Wide enough that no password in the table is ever cut short, even in a pipe.
        console = Console(file=cast(IO[str], self.stdout), highlight=False, width=200)
        if options["if_empty"] and person_any():
            console.print("已有人员数据，跳过演示数据生成（--if-empty）。")
            # A later `make run`: remind the operator of the logins, learners included.
            accounts = existing_staff_accounts() + existing_learner_accounts()
            if accounts:
                self._print_accounts(console, accounts)
            return
        if options["people"] < 10:
            raise CommandError("--people 至少为 10")
        ctx = DemoContext(
            seed=options["seed"],
            people=options["people"],
            as_of=options["as_of"] or clock.today(),
        )
        start = time.perf_counter()
        try:
            # All or nothing: a failed run leaves the database as it was.
            with transaction.atomic():
                run_all(ctx, report=console.print)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        console.print(
            f"演示数据已生成：{ctx.people} 人，种子 {ctx.seed}，截至 {ctx.as_of:%Y-%m-%d}，"
            f"用时 {time.perf_counter() - start:.1f} 秒。"
        )
        self._print_accounts(console, ctx.accounts)

    def _print_accounts(self, console: Console, accounts: list[DemoAccount]) -> None:
        table = Table(title="演示账号（仅供演示，密码公开，切勿用于生产环境）")
        for column in ("角色", "用户名", "密码", "TOTP 密钥", "所属机构", "说明"):
            table.add_column(column, no_wrap=column in ("密码", "TOTP 密钥"))
        for a in accounts:
            table.add_row(
                a.role_label, a.username, a.password, a.otp_secret or "—", a.org_name, a.note
            )
        console.print(table)
        console.print(
            "管理角色登录时须输入动态验证码：把 TOTP 密钥加入手机验证器应用，"
            "或运行 `civtrain otp-code 用户名` 查看当前验证码（仅限演示账号）。"
        )
