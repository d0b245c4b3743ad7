"""`civtrain import-scorm FILE.zip --title TITLE --org CODE [--hours H] [--subject CODE:HOURS]`
(issue #12 item 6): creates an online course from a SCORM 1.2 or 2004 package and prints its
id; a broken package is refused with the reason, exit status 1, nothing stored."""

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.accounts.api import SYSTEM, User
from civtrain.core.audit import RequestContext, request_context
from civtrain.core.errors import ApplicationError
from civtrain.scorm.services import course_from_package


def _actor(username: str | None) -> Any:
    if not username:
        return SYSTEM
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"用户 {username} 不存在或已停用")
    return user


class Command(BaseCommand):
    help = "Create an online course from a SCORM 1.2 / 2004 package (.zip); prints the course id."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the package, a .zip with imsmanifest.xml at its root")
        parser.add_argument("--title", required=True, help="the course title")
        parser.add_argument("--org", required=True, help="code of the publishing bureau")
        parser.add_argument("--hours", help="学时 (default: the rule set's online crediting)")
        parser.add_argument(
            "--subject",
            action="append",
            default=[],
            metavar="CODE:HOURS",
            help="a subject and its hours; repeat for several",
        )
        parser.add_argument("--actor", help="act as this user (default: the system)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            hours = Decimal(options["hours"]) if options["hours"] else None
        except InvalidOperation:
            raise CommandError(f"--hours 必须是数字：{options['hours']}") from None
        actor = _actor(options["actor"])
        ctx = RequestContext(actor_id=actor.pk, actor_label=f"{actor}（命令行）", ip_address=None)
        with request_context(ctx), path.open("rb") as upload:
            try:
                created = course_from_package(
                    actor=actor,
                    upload=upload,
                    size=path.stat().st_size,
                    title=options["title"],
                    org_code=options["org"],
                    hours=hours,
                    subjects=options["subject"],
                )
            except ApplicationError as exc:
                raise CommandError(f"课件包被拒绝：{exc.message}") from None
        self.stdout.write(str(created.course_id))
