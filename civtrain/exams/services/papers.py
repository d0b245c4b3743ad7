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
from civtrain.exams.data import QUESTION_KIND_LABELS, PaperKind, QuestionKind
from civtrain.exams.data import BlueprintRow as BlueprintInput
from civtrain.exams.errors import ExamsError, ExamsErrorCode
from civtrain.exams.models import BlueprintRow, Candidate, Paper, PaperQuestion, Question
from civtrain.exams.services import settle
from civtrain.organisations.api import org_in_scope, subtree_q
from civtrain.people.api import person_rows, person_scope_q
from civtrain.people.data import Status


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


def blueprint_shortfalls(
    rows: Sequence[BlueprintInput], available: dict[tuple[int, str, int | None], int]
) -> list[tuple[list[int], int, int]]:
    """Where the banks cannot supply the blueprint: (row numbers, questions available, asked).

    Rows drawing from the same bank and type share its questions — a question is never
    drawn twice — so they are checked together: the rows of one difficulty against the
    questions of that difficulty, then every row of the bank and type (a row of any
    difficulty takes what the others leave) against all of them. `available` counts the
    questions by (bank, type, difficulty) and by (bank, type, None) for all difficulties."""
    groups: dict[tuple[int, str, int | None], list[int]] = {}
    for n, row in enumerate(rows, start=1):
        groups.setdefault((row.bank_id, row.kind, row.difficulty), []).append(n)
        if row.difficulty is not None:
            groups.setdefault((row.bank_id, row.kind, None), [])
    out = []
    for key, numbers in groups.items():
        bank_id, kind, difficulty = key
        if difficulty is None:  # every row of the bank and type
            numbers = [
                n for n, r in enumerate(rows, start=1) if (r.bank_id, r.kind) == (bank_id, kind)
            ]
        asked = sum(rows[n - 1].count for n in numbers)
        if asked > available.get(key, 0):
            out.append((numbers, available.get(key, 0), asked))
    return out


def _check_blueprint(actor: Actor, rows: Sequence[BlueprintInput]) -> Decimal:
    """The blueprint's total points, if every row names a bank the actor may use and the
    banks can supply every row (multi-bank blueprints: each row its bank; issue #14 item 3)."""
    banks = {}
    for n, row in enumerate(rows, start=1):
        if row.count < 1:
            raise _invalid(f"第 {n} 行：抽题数量至少为 1")
        if row.difficulty is not None and not 1 <= row.difficulty <= 5:
            raise _invalid(f"第 {n} 行：难度应为 1 到 5")
        if row.bank_id not in banks:
            banks[row.bank_id] = selectors.access_bank_by_id(actor, row.bank_id)
    available = selectors.question_supply(list(banks))
    for numbers, have, asked in blueprint_shortfalls(rows, available):
        first = rows[numbers[0] - 1]
        bank = banks[first.bank_id]
        kind = QUESTION_KIND_LABELS[QuestionKind(first.kind)]
        what = kind if len({rows[n - 1].difficulty for n in numbers}) > 1 or (
            first.difficulty is None
        ) else f"难度 {first.difficulty} 的{kind}"  # fmt: skip
        where = (
            f"第 {numbers[0]} 行"
            if len(numbers) == 1
            else "第 " + "、".join(str(n) for n in numbers) + " 行合计"
        )
        raise ExamsError(
            ExamsErrorCode.NOT_ENOUGH_QUESTIONS,
            f"{where}：题库“{bank.name}”中{what}只有 {have} 道，不够抽 {asked} 道",
            {"rows": numbers, "bank_id": bank.pk, "available": have, "asked": asked},
        )
    return sum((r.points * r.count for r in rows), Decimal(0))


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
    org = org_in_scope(actor, org_id, selectors.ORGANISERS)
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
    return _candidates_audited(actor, paper, rows, {})


def _candidates_audited(actor: Actor, paper: Paper, rows: Sequence[dict], changes: dict) -> int:
    """Candidates inserted and the addition audited; returns how many were new."""
    added = candidates_insert(paper, rows)
    audit_record(
        actor=actor,
        action="exams.candidates_add",
        object_type="exam_paper",
        object_id=paper.pk,
        object_label=paper.title,
        org_path=paper.org.path,
        changes={"added": added, **changes},
    )
    return added


def population_rows(
    actor: Actor, org_path: str, categories: Sequence[str], ranks: Sequence[str]
) -> list[dict]:
    """Active people under `org_path` the actor may see, of the categories and ranks given
    (none given: all)."""
    qs = person_rows().filter(
        person_scope_q(actor), subtree_q([org_path], "unit__path"), status=Status.ACTIVE
    )
    if categories:
        qs = qs.filter(category__in=list(categories))
    if ranks:
        qs = qs.filter(rank__in=list(ranks))
    return list(qs.values("pk", "unit_id", "unit__path"))


@transaction.atomic
def candidates_add_under(*, actor: Actor, paper_id: int, org_id: int) -> int:
    """Every active person of the node's subtree the actor may see made a candidate of the
    paper (the paper page's 添加考生); returns how many were new."""
    paper = selectors.access_paper_by_id(actor, paper_id)
    org = org_in_scope(actor, org_id, selectors.ORGANISERS)
    rows = population_rows(actor, org.path, (), ())
    return _candidates_audited(actor, paper, rows, {"under": org.path})


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
