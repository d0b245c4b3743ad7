"""`civtrain create-token USERNAME NAME [--days N]`: issue an API bearer token (it expires)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civtrain.accounts.api import SYSTEM, User, actor_scope, api_token_create
from civtrain.core.errors import ApplicationError


class Command(BaseCommand):
    help = "为用户生成一个 API 令牌（只显示一次）；令牌以该用户的角色和管辖范围访问 /api/v1/"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="登录名")
        parser.add_argument("name", help="令牌用途，例如“人事系统同步”")
        parser.add_argument("--days", type=int, default=None, help="有效天数（默认 90，最多 366）")

    def handle(self, *args: Any, **options: Any) -> None:
        username, name = options["username"].strip(), options["name"].strip()
        if not name:
            raise CommandError("令牌名称不能为空")
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"用户 {username} 不存在或已停用")
        if not actor_scope(user).roles:
            self.stderr.write(f"提示：用户 {username} 没有任何角色，此令牌只能访问空数据")
        # Issued from the operator's shell: the audit row names the system as actor.
        try:
            key = api_token_create(actor=SYSTEM, user=user, name=name, days=options["days"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(key)
