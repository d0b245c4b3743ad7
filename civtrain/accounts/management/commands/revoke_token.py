"""`civtrain revoke-token USERNAME [PREFIX]`: list a user's API tokens, or revoke one."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civtrain.accounts.api import SYSTEM, User, api_token_list, api_token_revoke
from civtrain.accounts.data import TOKEN_STATUS_LABELS


class Command(BaseCommand):
    help = "吊销用户的一个 API 令牌（按令牌前缀 ct_xxxxx）；不给前缀时列出该用户的令牌"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="登录名")
        parser.add_argument("prefix", nargs="?", help="令牌前缀（create-token 输出的前 8 个字符）")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"].strip()).first()
        if user is None:
            raise CommandError(f"用户 {options['username']} 不存在")
        tokens = api_token_list(user_id=user.pk)
        prefix = (options["prefix"] or "").strip()
        if not prefix:
            for t in tokens:
                self.stdout.write(
                    f"{t.prefix}…  {t.name}  {TOKEN_STATUS_LABELS[t.status]}  "
                    f"有效期至 {t.expires_at:%Y-%m-%d %H:%M}"
                )
            return
        matches = [t for t in tokens if t.prefix == prefix]
        if len(matches) != 1:
            raise CommandError(
                f"用户 {user.username} 没有前缀为 {prefix} 的令牌"
                if not matches
                else f"前缀 {prefix} 对应多个令牌，请在令牌页面吊销"
            )
        # Run by an operator on the server: the audit row names the system as actor.
        revoked = api_token_revoke(actor=SYSTEM, user_id=user.pk, token_id=matches[0].id)
        self.stdout.write(f"已吊销令牌 {revoked.prefix}…（{revoked.name}）")
