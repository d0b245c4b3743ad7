"""Demo step: a few issued documents (issue #15), so the documents pages have objects to show.

Issued as the platform would on request, from the ledger the earlier steps wrote: the booklet
and this year's transcript of the demo law-enforcement learner (their own 我的文件), booklets
of three people of each demo HR officer's unit (the officer's 最近出具的文件), and the class
certificate and completion form of a trainee who passed the class whose results are final.
Only signed rows are stored: the PDFs are rendered when downloaded.
"""

from django.db.models import Q

from civtrain.accounts.api import SYSTEM, Role, User
from civtrain.classes.api import ClassStatus, class_ids_q
from civtrain.demo.people import SHOWCASE_UNITS, Status
from civtrain.demo.steps import DemoContext
from civtrain.documents.api import DocumentKind, DocumentRequest, document_issue
from civtrain.enrolment.api import trainee_results
from civtrain.people.api import person_for_user

PER_UNIT = 3


def _issue(kind: DocumentKind, person_id: int, **extra: int) -> None:
    document_issue(actor=SYSTEM, request=DocumentRequest(kind, person_id, **extra))


def run(ctx: DemoContext) -> str:
    issued = 0
    # The law-enforcement learner whose login the run prints (accounts.run_learners).
    learner = next(
        (a for a in ctx.accounts if a.role_label == Role.LEARNER.label and "行政执法" in a.note),
        None,
    )
    if learner is not None:
        user = User.objects.get(username=learner.username)
        person = person_for_user(int(user.pk))
        if person is not None:
            _issue(DocumentKind.BOOKLET, person.id)
            _issue(DocumentKind.TRANSCRIPT, person.id, year=ctx.as_of.year)
            issued += 2
    for unit_code in SHOWCASE_UNITS.values():
        staff = [
            p.person_id
            for p in ctx.persons
            if p.unit_code.startswith(unit_code)
            and p.status == Status.ACTIVE
            and p.person_id is not None
        ]
        for person_id in staff[:PER_UNIT]:
            _issue(DocumentKind.BOOKLET, person_id)
            issued += 1
    final = list(class_ids_q(Q(status=ClassStatus.RESULTS_FINAL)).order_by("id")[:1])
    for row in final:
        class_id = row["pk"] if isinstance(row, dict) else int(row)
        passed = next((t for t in trainee_results(class_id=class_id) if t.passed), None)
        if passed is not None:
            _issue(DocumentKind.CLASS_CERTIFICATE, passed.person_id, class_id=class_id)
            _issue(DocumentKind.COMPLETION_FORM, passed.person_id, class_id=class_id)
            issued += 2
    return f"出具 {issued} 份证书与档案文件（签名，下载时生成 PDF）"
