"""`civtrain otp-code USER`: the current TOTP code of a demo administrator (#17 item 1), so
`make run`'s demo is usable without a phone. Refused outside the local settings and for any
account that is not a demo account still holding its demo secret."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civtrain.accounts.api import totp_key_of, user_id_by_username
from civtrain.demo.accounts import demo_totp_code, is_demo_totp


class Command(BaseCommand):
    help = "打印演示管理账号当前的动态验证码（仅限演示环境）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="演示账号的登录名，例如 cq_city")

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "CIVTRAIN_DEMO_COMMANDS", False):
            raise CommandError("otp-code 只在演示环境可用（生产配置下拒绝执行）")
        username = options["username"]
        user_id = user_id_by_username(username)
        key = totp_key_of(user_id) if user_id is not None else None
        if user_id is None or key is None or not is_demo_totp(username, key):
            raise CommandError(f"{username} 不是绑定了演示密钥的演示账号")
        self.stdout.write(demo_totp_code(username))
