"""`civtrain document booklet|transcript|completion-form|class-certificate|assessment-extract|
appointment-extract --id-number ID [--year Y] [--class CODE] --out FILE.pdf [--text]`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from civtrain.accounts.api import SYSTEM, User
from civtrain.classes.api import class_ids_q
from civtrain.core.actors import Actor
from civtrain.core.audit import RequestContext, request_context
from civtrain.core.errors import ApplicationError
from civtrain.documents import services
from civtrain.documents.data import PERSON_KINDS, TEXT_KINDS, DocumentKind, DocumentRequest
from civtrain.people.api import person_id_by_id_number


class Command(BaseCommand):
    help = "Issue a person's document (or the current one again) and write its PDF."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", choices=[k.value for k in PERSON_KINDS])
        parser.add_argument("--id-number", required=True, help="the person's ID number")
        parser.add_argument("--year", type=int, help="transcript, assessment extract")
        parser.add_argument("--class", dest="class_code", help="class code (class documents)")
        parser.add_argument("--out", required=True, help="the PDF file to write")
        parser.add_argument("--text", action="store_true", help="also print an extract's text")
        parser.add_argument("--actor", help="issue as this user (scoped); default: the platform")

    def handle(self, *args: Any, **options: Any) -> None:
        actor: Actor = SYSTEM
        if options["actor"]:
            user = User.objects.filter(username=options["actor"], is_active=True).first()
            if user is None:
                raise CommandError(f"用户 {options['actor']} 不存在或已停用")
            actor = user
        person_id = person_id_by_id_number(options["id_number"])
        if person_id is None:
            raise CommandError("没有这个身份证号的人员")
        class_id = None
        if options["class_code"]:
            found = list(class_ids_q(Q(code=options["class_code"])))
            if not found:
                raise CommandError(f"没有编号为 {options['class_code']} 的培训班")
            class_id = found[0]["pk"]
        req = DocumentRequest(DocumentKind(options["kind"]), person_id, options["year"], class_id)
        ctx = RequestContext(actor_id=actor.pk, actor_label=f"{actor}（命令行）", ip_address=None)
        try:
            with request_context(ctx):
                doc = services.document_issue(actor=actor, request=req)
                pdf = services.document_pdf(doc)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        with open(options["out"], "wb") as fh:
            fh.write(pdf)
        if options["text"] and doc.kind in TEXT_KINDS:
            self.stdout.write(doc.content["text"])
        self.stdout.write(f"{doc.serial} {doc.title} → {options['out']}")
