"""`civtrain import-questions FILE --format gift|moodle-xml|aiken|xlsx --bank NAME [--org CODE]
[--actor U]`: a question file into a bank, whole or not at all (issue #14 item 1)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.accounts.api import SYSTEM, User
from civtrain.core.actors import Actor
from civtrain.core.audit import RequestContext, request_context
from civtrain.core.errors import ApplicationError
from civtrain.exams import selectors, services
from civtrain.exams.data import QUESTION_KIND_LABELS
from civtrain.exams.formats import FORMATS, parse_file
from civtrain.organisations.api import org_by_codes


class Command(BaseCommand):
    help = "Import questions into a bank; a file with any malformed question is refused whole."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS))
        parser.add_argument("--bank", required=True, help="the bank's name")
        parser.add_argument("--org", help="org code: creates the bank there if it does not exist")
        parser.add_argument("--actor", help="act as this user (default: the system, whole tree)")

    def _actor(self, username: str | None) -> Actor:
        if not username:
            return SYSTEM
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"用户 {username} 不存在或已停用")
        return user

    def _bank_id(self, actor: Actor, name: str, org_code: str | None) -> int:
        banks = selectors.banks_named(actor, name, manage=True)
        if org_code:
            org = org_by_codes([org_code]).get(org_code)
            if org is None:
                raise CommandError(f"组织编码 {org_code} 不存在")
            banks = [b for b in banks if b.org_id == org.id]
            if not banks:
                return services.bank_create(actor=actor, name=name, org_id=org.id).pk
        if len(banks) != 1:
            found = "没有" if not banks else f"有 {len(banks)} 个"
            raise CommandError(
                f"您可管理的题库中{found}名为“{name}”的题库；请用 --org 指明所属组织"
            )
        return banks[0].pk

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"找不到文件 {path}")
        actor = self._actor(options["actor"])
        ctx = RequestContext(actor_id=actor.pk, actor_label=f"{actor}（命令行）", ip_address=None)
        with request_context(ctx):
            parsed = parse_file(path.read_bytes(), options["format"])
            if parsed.problems:
                for problem in parsed.problems:
                    self.stderr.write(str(problem))
                raise CommandError(f"文件有 {len(parsed.problems)} 处问题，未导入任何题目")
            try:
                bank_id = self._bank_id(actor, options["bank"], options["org"])
                counts = services.questions_import(
                    actor=actor, bank_id=bank_id, parsed=parsed, filename=path.name
                )
            except ApplicationError as exc:
                raise CommandError(exc.message) from None
        for kind, n in counts.items():
            self.stdout.write(f"{QUESTION_KIND_LABELS[kind]}\t{n}")
        self.stdout.write(f"合计\t{sum(counts.values())}")
