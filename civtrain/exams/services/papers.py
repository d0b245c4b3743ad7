"""Papers (fixed or drawn by a blueprint), their candidates, make-ups and the release of
results (issue #14 items 2, 4, 5)."""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from civtrain.classes.api import access_class
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import NotFound
from civtrain.core.writes import save_audited
from civtrain.enrolment.api import enrolled_person_ids
from civtrain.exams import selectors
from civtrain.exams.data import BlueprintRow as BlueprintInput
from civtrain.exams.data import PaperKind
from civtrain.exams.errors import ExamsError, ExamsErrorCode
from civtrain.exams.models import BlueprintRow, Candidate, Paper, PaperQuestion, Question
from civtrain.exams.services import settle
from civtrain.people.api import person_rows, person_scope_q


def _invalid(message: str) -> ExamsError:
    return ExamsError(ExamsErrorCode.INVALID_PAPER, message)


def _check_fixed(actor: Actor, questions: Sequence[tuple[int, Decimal]]) -> Decimal:
    ids = [qid for qid, _p in questions]
    if len(set(ids)) != len(ids):
        raise _invalid("同一道题不能在试卷中出现两次")
    visible = set(
        Question.objects.filter(
            pk__in=ids,
            bank__in=selectors.QuestionBank.objects.filter(selectors.bank_scope_q(actor)),
        ).values_list("pk", flat=True)
    )
    missing = [qid for qid in ids if qid not in visible]
    if missing:
        raise NotFound(f"题目 {missing[0]} 不存在或无权使用")
    return sum((p for _q, p in questions), Decimal(0))


def _check_blueprint(actor: Actor, rows: Sequence[BlueprintInput]) -> Decimal:
    total = Decimal(0)
    for n, row in enumerate(rows, start=1):
        bank = selectors.access_bank_by_id(actor, row.bank_id)
        if row.count < 1:
            raise _invalid(f"第 {n} 行：抽题数量至少为 1")
        pool = Question.objects.filter(bank=bank, kind=row.kind)
        if row.difficulty is not None:
            pool = pool.filter(difficulty=row.difficulty)
        available = pool.count()
        if available < row.count:
            raise ExamsError(
                ExamsErrorCode.NOT_ENOUGH_QUESTIONS,
                f"第 {n} 行：题库“{bank.name}”中符合条件的题只有 {available} 道，"
                f"不够抽 {row.count} 道",
            )
        total += row.points * row.count
    return total


@transaction.atomic
def paper_create(
    *,
    actor: Actor,
    title: str,
    org_id: int,
    pass_mark: Decimal,
    questions: Sequence[tuple[int, Decimal]] = (),
    blueprint: Sequence[BlueprintInput] = (),
    time_limit_minutes: int = 60,
    open_book: bool = False,
    max_attempts: int = 1,
    shuffle_questions: bool = True,
    shuffle_options: bool = True,
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    class_id: int | None = None,
    campaign_id: int | None = None,
) -> Paper:
    """A paper of fixed questions (id, points) or of blueprint rows drawn per candidate; a
    class's completion exam (ZZ-M1) when `class_id` names a class the actor runs."""
    org = selectors.org_in_scope(actor, org_id, selectors.ORGANISERS)
    if class_id is not None:
        access_class(actor, class_id, run=True)
    title = title.strip()
    if not title or len(title) > 200:
        raise _invalid("试卷名称不能为空，且不超过200个字")
    if bool(questions) == bool(blueprint):
        raise _invalid("试卷须选定题目，或给出抽题规则（二者选一）")
    if any(p <= 0 for _q, p in questions) or any(r.points <= 0 for r in blueprint):
        raise _invalid("每题分值须大于 0")
    total = _check_fixed(actor, questions) if questions else _check_blueprint(actor, blueprint)
    if not Decimal(0) < pass_mark <= total:
        raise _invalid(f"及格分须大于 0 且不超过总分 {total}")
    if not 1 <= time_limit_minutes <= 24 * 60:
        raise _invalid("限时应在 1 到 1440 分钟之间")
    if not 1 <= max_attempts <= 20:
        raise _invalid("可作答次数应在 1 到 20 之间")
    if opens_at and closes_at and closes_at <= opens_at:
        raise _invalid("截止时间须晚于开放时间")
    paper = Paper(
        title=title,
        org_id=org.id,
        kind=PaperKind.FIXED if questions else PaperKind.BLUEPRINT,
        time_limit_minutes=time_limit_minutes,
        pass_mark=pass_mark,
        open_book=open_book,
        max_attempts=max_attempts,
        shuffle_questions=shuffle_questions,
        shuffle_options=shuffle_options,
        opens_at=opens_at,
        closes_at=closes_at,
        training_class_id=class_id,
        campaign_id=campaign_id,
        created_by_id=actor.pk,
    )
    save_audited(
        paper,
        actor=actor,
        action="exams.paper_create",
        object_type="exam_paper",
        label=title,
        org_path=org.path,
        changes={"kind": paper.kind, "max_points": str(total), "pass_mark": str(pass_mark)},
    )
    PaperQuestion.objects.bulk_create(
        PaperQuestion(paper=paper, question_id=qid, points=p, position=i)
        for i, (qid, p) in enumerate(questions)
    )
    BlueprintRow.objects.bulk_create(
        BlueprintRow(
            paper=paper,
            bank_id=r.bank_id,
            kind=r.kind,
            difficulty=r.difficulty,
            count=r.count,
            points=r.points,
            position=i,
        )
        for i, r in enumerate(blueprint)
    )
    if class_id is not None:  # ZZ-M1: the class's trainees sit its completion exam
        enrolled = list(enrolled_person_ids(class_id))
        candidates_insert(
            paper, list(person_rows().filter(pk__in=enrolled).values("pk", "unit_id", "unit__path"))
        )
    return paper


def max_points(paper: Paper) -> Decimal:
    if paper.kind == PaperKind.FIXED:
        return sum((pq.points for pq in paper.fixed.all()), Decimal(0))
    return sum((r.points * r.count for r in paper.blueprint.all()), Decimal(0))


def candidates_insert(paper: Paper, rows: Sequence[dict]) -> int:
    before = Candidate.objects.filter(paper=paper).count()
    Candidate.objects.bulk_create(
        [
            Candidate(
                paper=paper, person_id=r["pk"], unit_id=r["unit_id"], unit_path=r["unit__path"]
            )
            for r in rows
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    return Candidate.objects.filter(paper=paper).count() - before


@transaction.atomic
def candidates_add(*, actor: Actor, paper_id: int, person_ids: Sequence[int]) -> int:
    """Make people the actor may see candidates of the paper; returns how many were new."""
    paper = selectors.access_paper_by_id(actor, paper_id)
    rows = list(
        person_rows()
        .filter(person_scope_q(actor), pk__in=list(person_ids))
        .values("pk", "unit_id", "unit__path")
    )
    if len(rows) != len(set(person_ids)):
        raise NotFound("有人员不存在或不在您的管辖范围内")
    added = candidates_insert(paper, rows)
    audit_record(
        actor=actor,
        action="exams.candidates_add",
        object_type="exam_paper",
        object_id=paper.pk,
        object_label=paper.title,
        org_path=paper.org.path,
        changes={"added": added},
    )
    return added


@transaction.atomic
def candidate_grant_makeup(*, actor: Actor, paper_id: int, person_id: int, reason: str = "") -> int:
    """One more attempt for a candidate (补考), granted by the organiser; returns the
    attempts the candidate now has beyond the paper's own."""
    paper = selectors.access_paper_by_id(actor, paper_id)
    updated = Candidate.objects.filter(paper=paper, person_id=person_id).update(
        extra_attempts=F("extra_attempts") + 1
    )
    if not updated:
        raise NotFound("此人不是本试卷的考生")
    extra = Candidate.objects.get(paper=paper, person_id=person_id).extra_attempts
    audit_record(
        actor=actor,
        action="exams.makeup_grant",
        object_type="exam_paper",
        object_id=paper.pk,
        object_label=paper.title,
        org_path=paper.org.path,
        changes={"person_id": person_id, "extra_attempts": extra, "reason": reason.strip()},
    )
    return extra


@transaction.atomic
def paper_release_results(*, actor: Actor, paper_id: int) -> int:
    """Candidates see their results from now on; each graded attempt's outcome is settled:
    a campaign pass credited to the ledger (ZZ-N3), a class exam's score recorded as the
    trainee's exam score (ZZ-M1). Pressed again, it settles what was graded since."""
    paper = selectors.access_paper_by_id(actor, paper_id)
    if paper.training_class_id is not None:
        access_class(actor, paper.training_class_id, run=True)
    paper.results_released = True
    paper.save(update_fields=["results_released"])
    settled = settle.settle_paper(actor=actor, paper=paper)
    audit_record(
        actor=actor,
        action="exams.results_release",
        object_type="exam_paper",
        object_id=paper.pk,
        object_label=paper.title,
        org_path=paper.org.path,
        changes={"settled": settled},
    )
    return settled
