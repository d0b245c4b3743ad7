"""Question banks: create, import a whole file or nothing, export (issue #14 item 1)."""

from django.db import transaction

from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import ValidationFailed
from civtrain.core.writes import save_audited
from civtrain.exams import selectors
from civtrain.exams.data import QUESTION_KIND_LABELS, ParsedFile, QuestionInput, QuestionKind
from civtrain.exams.errors import ExamsError, ExamsErrorCode
from civtrain.exams.formats import export_file
from civtrain.exams.models import Question, QuestionBank
from civtrain.organisations.api import org_in_scope


@transaction.atomic
def bank_create(*, actor: Actor, name: str, org_id: int, subject: str = "") -> QuestionBank:
    org = org_in_scope(actor, org_id, selectors.AUTHORS)
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("题库名称不能为空，且不超过100个字")
    if QuestionBank.objects.filter(org_id=org.id, name=name).exists():
        raise ExamsError(ExamsErrorCode.BANK_EXISTS, f"“{org.name}”已有名为“{name}”的题库")
    bank = QuestionBank(name=name, subject=subject.strip(), org_id=org.id, created_by_id=actor.pk)
    save_audited(
        bank,
        actor=actor,
        action="exams.bank_create",
        object_type="question_bank",
        label=name,
        org_path=org.path,
        changes={"subject": bank.subject},
    )
    return bank


def _question(bank: QuestionBank, q: QuestionInput) -> Question:
    return Question(
        bank=bank,
        kind=q.kind,
        title=q.title[:200],
        text=q.text,
        options=list(q.options),
        correct=list(q.correct),
        truth=q.truth,
        accepted=list(q.accepted),
        rubric=q.rubric,
        difficulty=q.difficulty,
        tags=list(q.tags),
        explanation=q.explanation,
        source=q.source[:200],
    )


def counts_line(counts: dict[QuestionKind, int]) -> str:
    return "，".join(f"{QUESTION_KIND_LABELS[k]} {n}" for k, n in counts.items() if n)


@transaction.atomic
def questions_import(
    *, actor: Actor, bank_id: int, parsed: ParsedFile, filename: str = ""
) -> dict[QuestionKind, int]:
    """Every question of the file into the bank, or — when any question is malformed — none
    (issue #14 item 1): the refusal lists each problem. Returns the count per type."""
    bank = selectors.access_bank_by_id(actor, bank_id, manage=True)
    if parsed.problems:
        raise ExamsError(
            ExamsErrorCode.FILE_REFUSED,
            f"文件有 {len(parsed.problems)} 处问题，未导入任何题目",
            {"problems": [str(p) for p in parsed.problems]},
        )
    Question.objects.bulk_create([_question(bank, q) for q in parsed.questions], batch_size=500)
    counts = parsed.counts()
    audit_record(
        actor=actor,
        action="exams.questions_import",
        object_type="question_bank",
        object_id=bank.pk,
        object_label=bank.name,
        org_path=bank.org.path,
        changes={"file": filename, "counts": {k.value: n for k, n in counts.items() if n}},
    )
    return counts


def question_to_input(q: Question) -> QuestionInput:
    return QuestionInput(
        kind=QuestionKind(q.kind),
        text=q.text,
        options=tuple(q.options),
        correct=tuple(q.correct),
        truth=q.truth,
        accepted=tuple(q.accepted),
        rubric=q.rubric,
        title=q.title,
        difficulty=q.difficulty,
        tags=tuple(q.tags),
        explanation=q.explanation,
        source=q.source,
    )


def bank_export(*, actor: Actor, bank_id: int, fmt: str) -> tuple[QuestionBank, bytes, int]:
    """(bank, file, questions the format could not hold). Audited: a bank is work product."""
    bank = selectors.access_bank_by_id(actor, bank_id)
    questions = [question_to_input(q) for q in Question.objects.filter(bank=bank).order_by("id")]
    data, skipped = export_file(questions, fmt)
    audit_record(
        actor=actor,
        action="exams.bank_export",
        object_type="question_bank",
        object_id=bank.pk,
        object_label=bank.name,
        org_path=bank.org.path,
        changes={"format": fmt, "questions": len(questions) - skipped},
    )
    return bank, data, skipped
