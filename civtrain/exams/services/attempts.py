"""Attempts: start (or resume), save answers as they are given, submit — by the candidate,
or by the server at the deadline — grade, and the events a page reports (issue #14 items
3–4; ADR 0019).

The deadline is the server's: fixed when the attempt starts (the time limit, cut at the
paper's closing time) and never taken from the client. An attempt past its deadline is
submitted by the periodic task `exams.submit_overdue` and, should that not have run yet, by
the next request that touches it; answers reaching the server after the deadline are
refused, so a late save changes nothing.
"""

import datetime as dt
import json
import random
import secrets
import unicodedata
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Max

from civtrain.accounts.api import SYSTEM, SignInLimits, User
from civtrain.core import clock, lean
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import NotFound, SignInEnded
from civtrain.exams import selectors
from civtrain.exams.data import AttemptStatus, PaperKind, QuestionKind, SubmittedBy
from civtrain.exams.errors import AttemptClosed, ExamsError, ExamsErrorCode
from civtrain.exams.models import (
    Answer,
    Attempt,
    AttemptEvent,
    Candidate,
    Paper,
    Question,
)
from civtrain.exams.services import settle
from civtrain.exams.services.papers import max_points
from civtrain.people.api import person_for_user

EVENT_KINDS = {"blur", "hidden", "paste", "copy", "resume", "offline"}
MAX_TEXT = 10_000


# --- drawing the paper ---------------------------------------------------------------------


def _draw(paper: Paper, rng: random.Random) -> list[dict[str, Any]]:
    """The attempt's questions: the fixed ones, or each blueprint row's draw. Rows of one
    difficulty draw before rows of any difficulty, so that rows sharing a bank and type
    never draw the same question twice (the supply was checked when the paper was made)."""
    if paper.kind == PaperKind.FIXED:
        picked = [(pq.question_id, pq.points) for pq in paper.fixed.all()]
    else:
        rows = list(paper.blueprint.all())
        drawn: dict[int, list[int]] = {}
        taken: set[int] = set()
        for row in sorted(rows, key=lambda r: (r.difficulty is None, r.position)):
            pool = Question.objects.filter(bank_id=row.bank_id, kind=row.kind)
            if row.difficulty is not None:
                pool = pool.filter(difficulty=row.difficulty)
            ids = sorted(set(pool.values_list("pk", flat=True)) - taken)
            if len(ids) < row.count:
                raise ExamsError(
                    ExamsErrorCode.NOT_ENOUGH_QUESTIONS,
                    "题库中的题已不够按抽题规则组卷，请联系组织者",
                )
            drawn[row.pk] = rng.sample(ids, row.count)
            taken.update(drawn[row.pk])
        picked = [(qid, row.points) for row in rows for qid in drawn[row.pk]]
    if paper.shuffle_questions:
        rng.shuffle(picked)
    questions = Question.objects.in_bulk([qid for qid, _p in picked])
    layout = []
    for qid, points in picked:
        q = questions[qid]
        order = list(range(len(q.options)))
        if paper.shuffle_options and q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            rng.shuffle(order)
        layout.append({"q": qid, "k": q.kind, "p": str(points), "o": order})
    return layout


def layout_for(paper: Paper, seed: int) -> list[dict[str, Any]]:
    """Deterministic per attempt: the same seed draws and shuffles the same paper."""
    return _draw(paper, random.Random(seed))  # noqa: S311 - an order, not a secret


# --- start and resume ----------------------------------------------------------------------


def _window_open(paper: Paper, now: dt.datetime) -> bool:
    return (paper.opens_at is None or paper.opens_at <= now) and (
        paper.closes_at is None or now < paper.closes_at
    )


@transaction.atomic
def attempt_start(*, actor: Actor, paper_id: int, seed: int | None = None) -> Attempt:
    """The candidate's open attempt (resumed as it was), or a new one if they have one left.
    An open attempt past its deadline is submitted (by the server) and returned as such.
    A new attempt's draw and order come from an unpredictable seed; `seed` fixes them, for
    generated data that must come out the same every run (the demo)."""
    person = person_for_user(actor.pk) if actor.pk is not None else None
    candidate = (
        Candidate.objects.select_for_update()
        .select_related("paper")
        .filter(paper_id=paper_id, person_id=person.id)
        .first()
        if person is not None
        else None
    )
    if person is None or candidate is None:
        raise NotFound("试卷不存在或您不是本场考试的考生")
    paper = candidate.paper
    now = clock.now()
    open_attempt = Attempt.objects.filter(
        paper=paper, person_id=person.id, status=AttemptStatus.OPEN
    ).first()
    if open_attempt is not None:
        if open_attempt.deadline > now:
            return open_attempt
        # past its deadline: submitted by the server; the candidate sees it so and may
        # start another attempt if one is left
        return _submit(open_attempt, by=SubmittedBy.SERVER, actor=SYSTEM)
    if not _window_open(paper, now):
        raise ExamsError(ExamsErrorCode.PAPER_CLOSED, "不在考试开放时间内")
    used = Attempt.objects.filter(paper=paper, person_id=person.id).aggregate(n=Max("number"))["n"]
    used = used or 0
    if used >= paper.max_attempts + candidate.extra_attempts:
        raise ExamsError(ExamsErrorCode.NO_ATTEMPTS_LEFT, "作答次数已用完；如需补考，请联系组织者")
    seed = seed or random.SystemRandom().randrange(1, 2**62)
    deadline = now + dt.timedelta(minutes=paper.time_limit_minutes)
    if paper.closes_at is not None:
        deadline = min(deadline, paper.closes_at)
    attempt = Attempt.objects.create(
        paper=paper,
        person_id=person.id,
        user_id=actor.pk,
        number=used + 1,
        seed=seed,
        layout=layout_for(paper, seed),
        started_at=now,
        deadline=deadline,
        max_points=max_points(paper),
    )
    audit_record(
        actor=actor,
        action="exams.attempt_start",
        object_type="exam_attempt",
        object_id=attempt.pk,
        object_label=f"{paper.title} #{attempt.number}",
        org_path=candidate.unit_path,
        changes={"deadline": deadline.isoformat()},
    )
    return attempt


# --- answers -------------------------------------------------------------------------------


def _bad(message: str) -> ExamsError:
    return ExamsError(ExamsErrorCode.BAD_ANSWER, message)


def check_response(kind: str, n_options: int, response: Any) -> Any:
    """The response as stored, or ExamsError: option indexes of the question as written
    (not as shuffled), true/false, or text."""
    if kind == QuestionKind.SINGLE:
        if response is None:
            return None
        if type(response) is not int or not 0 <= response < n_options:
            raise _bad("单选题的答案应为一个选项")
        return response
    if kind == QuestionKind.MULTIPLE:
        if not isinstance(response, list) or any(
            type(r) is not int or not 0 <= r < n_options for r in response
        ):
            raise _bad("多选题的答案应为选项列表")
        return sorted(set(response))
    if kind == QuestionKind.TRUE_FALSE:
        if response is not None and type(response) is not bool:
            raise _bad("判断题的答案应为 正确 或 错误")
        return response
    if not isinstance(response, str) or len(response) > MAX_TEXT:
        raise _bad(f"答案应为不超过 {MAX_TEXT} 字的文字")
    return response


def _entry(attempt_layout: list[dict[str, Any]], question_id: int) -> dict[str, Any]:
    for entry in attempt_layout:
        if entry["q"] == question_id:
            return entry
    raise NotFound("本答卷中没有这道题")


# What a save needs of an attempt and what never changes once it started (ADR 0019: the
# layout is drawn once, the deadline never moves): kept per process, so that a save is one
# guarded upsert. The upsert re-checks owner, seed, status and deadline in the database (and
# a token's sign-in), so an entry that is stale (a submitted attempt, a token cleared at
# sign-out, a reused id) only sends a save the slow way.
# (user id, token, seed, deadline, sign-in end, {question: (kind, number of options)})
_Facts = tuple[int | None, str, int, dt.datetime, dt.datetime | None, dict[int, tuple[str, int]]]
_FACTS: dict[int, _Facts] = {}
_FACTS_MAX = 50_000
_REFUSED = object()
_BY_USER = "a.user_id = %s"
# A token is the candidate's only while their account may act and their sign-in lasts.
_BY_TOKEN = (
    "a.token = %s AND (a.sign_in_ends_at IS NULL OR a.sign_in_ends_at > %s)"  # noqa: S105 - SQL
    " AND EXISTS (SELECT 1 FROM accounts_user u WHERE u.id = a.user_id AND u.is_active)"
)


def _facts(attempt: tuple[Any, ...]) -> None:
    if len(_FACTS) >= _FACTS_MAX:
        _FACTS.clear()
    attempt_id, user_id, token, seed, deadline, ends_at, layout = attempt
    entries = {e["q"]: (e["k"], len(e["o"])) for e in layout}
    _FACTS[attempt_id] = (user_id, token, seed, deadline, ends_at, entries)


def _guarded_upsert(
    attempt_id: int, owner: str, owner_params: list[Any], seed: int, question_id: int,
    value: Any, now: dt.datetime,
) -> bool:  # fmt: skip
    """Insert or replace the answer if the attempt is still the owner's (`owner`: _BY_USER
    or _BY_TOKEN), open and before its deadline — in one statement; False when it is not
    (nothing written)."""
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    answer, attempt = Answer._meta.db_table, Attempt._meta.db_table
    sql = (
        f'INSERT INTO "{answer}" (attempt_id, question_id, response, saved_at, points, '  # noqa: S608 - table names from the models, values bound
        f"graded_by_id, comment) SELECT %s, %s, %s{cast}, %s, NULL, NULL, '' "
        f'FROM "{attempt}" a WHERE a.id = %s AND {owner} AND a.seed = %s AND a.status = %s '
        "AND a.deadline > %s ON CONFLICT (attempt_id, question_id) DO UPDATE SET "
        "response = excluded.response, saved_at = excluded.saved_at"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    owner_values = [stamp if isinstance(v, dt.datetime) else v for v in owner_params]
    params = [attempt_id, question_id, None if value is None else json.dumps(value), stamp,
              attempt_id, *owner_values, seed, AttemptStatus.OPEN.value, stamp]  # fmt: skip
    return lean.run(sql, params)[1] == 1


def answer_save(*, actor: Actor, attempt_id: int, question_id: int, response: Any) -> dt.datetime:
    """Keep the answer as given (the last one wins); returns the deadline. The hot path of a
    city sitting the test at once: one guarded upsert once the attempt's fixed facts are
    known to this process (no audit row per keystroke — the submission is audited; ADR 0019)."""
    if actor.pk is None:
        raise NotFound("答卷不存在或无权访问")
    return _save(attempt_id, question_id, response, user_id=actor.pk, token="")


def answer_save_by_token(
    *, attempt_id: int, token: str, question_id: int, response: Any
) -> dt.datetime:
    """answer_save for the candidate's page, whose credential is the attempt's token
    (attempt_token_issue, ADR 0029) instead of the browser session."""
    if not token:
        raise NotFound("答卷不存在或无权访问")
    return _save(attempt_id, question_id, response, user_id=None, token=token)


def _save(
    attempt_id: int, question_id: int, response: Any, *, user_id: int | None, token: str
) -> dt.datetime:
    now = clock.now()
    owner, owner_params = (_BY_TOKEN, [token, now]) if token else (_BY_USER, [user_id])
    facts = _FACTS.get(attempt_id)
    if (
        facts is not None
        and (facts[1] == token if token else facts[0] == user_id)
        and now < facts[3]
        and (not token or facts[4] is None or now < facts[4])
    ):
        _user, _token, seed, deadline, _ends, entries = facts
        try:
            value = check_response(*entries[question_id], response)
        except (KeyError, ExamsError):
            value = _REFUSED  # an unknown question or a bad answer: the slow way says which
        if value is not _REFUSED and _guarded_upsert(
            attempt_id, owner, owner_params, seed, question_id, value, now
        ):
            return deadline
        _FACTS.pop(attempt_id, None)  # submitted, or not what the entry says: the slow way
    found = Attempt.objects.filter(pk=attempt_id, **({"token": token} if token else {}))
    row = found.values_list(
        "pk", "user_id", "token", "seed", "deadline", "sign_in_ends_at", "layout", "status"
    ).first()
    if row is None or not (_may_act(row[1]) if token else row[1] == user_id):
        raise NotFound("答卷不存在或无权访问")
    *fixed, status = row
    _id, _user, _token, seed, deadline, ends_at, layout = fixed
    if status != AttemptStatus.OPEN:
        raise AttemptClosed(ExamsErrorCode.ATTEMPT_CLOSED, "试卷已提交，不能再修改答案")
    if now >= deadline:
        attempt_submit(actor=SYSTEM, attempt_id=attempt_id, by=SubmittedBy.SERVER)
        raise AttemptClosed(ExamsErrorCode.ATTEMPT_CLOSED, "考试时间已到，试卷已自动提交")
    if token and ends_at is not None and now >= ends_at:
        raise SignInEnded(SignInEnded.EXPIRED)
    entry = _entry(layout, question_id)
    value = check_response(entry["k"], len(entry["o"]), response)
    Answer.objects.bulk_create(
        [Answer(attempt_id=attempt_id, question_id=question_id, response=value, saved_at=now)],
        update_conflicts=True,
        unique_fields=["attempt", "question_id"],
        update_fields=["response", "saved_at"],
    )
    _facts(tuple(fixed))
    return deadline


def _may_act(user_id: int | None) -> bool:
    return user_id is not None and User.objects.filter(pk=user_id, is_active=True).exists()


def attempt_token_issue(*, actor: Actor, attempt_id: int, sign_in: SignInLimits) -> str:
    """The token the candidate's page saves answers with (ADR 0029), for the actor's own open
    attempt: the attempt's token if it has one (a second tab or a reopened page goes on
    with it), else a new one; it lasts as long as the sign-in that opened the page."""
    existing = (
        Attempt.objects.filter(pk=attempt_id, user_id=actor.pk, status=AttemptStatus.OPEN)
        .values_list("token", flat=True)
        .first()
        if actor.pk is not None
        else None
    )
    if existing is None:
        raise NotFound("答卷不存在或无权访问")
    token = existing or secrets.token_urlsafe(24)
    Attempt.objects.filter(pk=attempt_id).update(token=token, sign_in_ends_at=sign_in.ends_at)
    _FACTS.pop(attempt_id, None)
    return token


def attempt_tokens_clear(*, user_id: int) -> int:
    """The user signed out: no page of theirs saves with a token any more (ADR 0029)."""
    return (
        Attempt.objects.filter(user_id=user_id, status=AttemptStatus.OPEN)
        .exclude(token="")
        .update(token="")
    )


def attempt_event_log(*, actor: Actor, attempt_id: int, kind: str, detail: str = "") -> None:
    """An event the candidate's page reports (left the page, pasted): the organiser sees them."""
    attempt = selectors.access_own_attempt(actor, attempt_id)
    if kind not in EVENT_KINDS:
        raise _bad(f"未知的事件“{kind}”")
    AttemptEvent.objects.create(attempt=attempt, kind=kind, at=clock.now(), detail=detail[:200])


# --- grading ---------------------------------------------------------------------------------


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def auto_points(q: Question, points: Decimal, response: Any) -> Decimal | None:
    """Objective items at once (all or nothing); None: a person grades it (short answer)."""
    if q.kind == QuestionKind.SHORT:
        return None if isinstance(response, str) and response.strip() else Decimal(0)
    if q.kind == QuestionKind.SINGLE:
        right = response is not None and [response] == list(q.correct)
    elif q.kind == QuestionKind.MULTIPLE:
        right = isinstance(response, list) and sorted(response) == sorted(q.correct)
    elif q.kind == QuestionKind.TRUE_FALSE:
        right = response is not None and response == q.truth
    else:
        right = isinstance(response, str) and _normal(response) in {_normal(a) for a in q.accepted}
    return points if right else Decimal(0)


def _finish_if_graded(attempt: Attempt) -> None:
    given = list(Answer.objects.filter(attempt=attempt).values_list("points", flat=True))
    points = [p for p in given if p is not None]
    if len(points) != len(given):
        return
    score = sum(points, Decimal(0))
    attempt.score = score
    attempt.passed = score >= attempt.paper.pass_mark
    attempt.status = AttemptStatus.GRADED
    attempt.save(update_fields=["score", "passed", "status"])
    if attempt.passed:
        Candidate.objects.filter(paper_id=attempt.paper_id, person_id=attempt.person_id).update(
            passed=True
        )
    else:
        Candidate.objects.filter(
            paper_id=attempt.paper_id, person_id=attempt.person_id, passed__isnull=True
        ).update(passed=False)
    settle.settle_attempt(attempt)


def _submit(attempt: Attempt, *, by: SubmittedBy, actor: Actor) -> Attempt:
    now = clock.now()
    attempt.status = AttemptStatus.SUBMITTED
    attempt.submitted_at = min(now, attempt.deadline) if by == SubmittedBy.SERVER else now
    attempt.submitted_by = by
    attempt.save(update_fields=["status", "submitted_at", "submitted_by"])
    questions = Question.objects.in_bulk([e["q"] for e in attempt.layout])
    given = {a.question_id: a for a in Answer.objects.filter(attempt=attempt)}
    missing = []
    for entry in attempt.layout:
        answer = given.get(entry["q"])
        response = answer.response if answer else None
        points = auto_points(questions[entry["q"]], Decimal(entry["p"]), response)
        if answer is None:
            missing.append(
                Answer(
                    attempt=attempt,
                    question_id=entry["q"],
                    response=None,
                    saved_at=now,
                    points=points,
                )
            )
        else:
            answer.points = points
    Answer.objects.bulk_update(list(given.values()), ["points"])
    Answer.objects.bulk_create(missing)
    audit_record(
        actor=actor,
        action="exams.attempt_submit",
        object_type="exam_attempt",
        object_id=attempt.pk,
        object_label=f"{attempt.paper.title} #{attempt.number}",
        org_path=attempt.paper.org.path,
        changes={"by": by.value, "answered": len(given)},
    )
    _finish_if_graded(attempt)
    return attempt


@transaction.atomic
def attempt_submit(
    *, actor: Actor, attempt_id: int, by: SubmittedBy = SubmittedBy.CANDIDATE
) -> Attempt:
    """Submit an open attempt: the candidate's own, or — `by` SERVER, as SYSTEM — one whose
    deadline has passed. Objective items are graded at once."""
    qs = Attempt.objects.select_for_update().select_related("paper", "paper__org")
    if by == SubmittedBy.SERVER:
        attempt = qs.filter(pk=attempt_id).first()
    else:
        attempt = qs.filter(pk=attempt_id, user_id=actor.pk).first() if actor.pk else None
    if attempt is None:
        raise NotFound("答卷不存在或无权访问")
    if attempt.status != AttemptStatus.OPEN:
        return attempt  # submitted already (twice-clicked, or the server was first)
    if by == SubmittedBy.SERVER and attempt.deadline > clock.now():
        return attempt
    if by == SubmittedBy.CANDIDATE and attempt.deadline <= clock.now():
        by = SubmittedBy.SERVER
    return _submit(attempt, by=by, actor=actor)


def attempts_submit_overdue(limit: int = 500) -> int:
    """The periodic task's work: every open attempt past its deadline, submitted by the
    server, each in its own transaction; returns how many."""
    due = list(
        Attempt.objects.filter(status=AttemptStatus.OPEN, deadline__lte=clock.now())
        .order_by("deadline")
        .values_list("pk", flat=True)[:limit]
    )
    for attempt_id in due:
        attempt_submit(actor=SYSTEM, attempt_id=attempt_id, by=SubmittedBy.SERVER)
    return len(due)


@transaction.atomic
def answer_grade(*, actor: Actor, answer_id: int, points: Decimal, comment: str = "") -> Answer:
    """A grader's points for a short answer (0 … the question's points), against its rubric."""
    answer = (
        Answer.objects.select_for_update()
        .select_related("attempt", "attempt__paper", "attempt__paper__org")
        .filter(pk=answer_id)
        .first()
    )
    if answer is None:
        raise NotFound("答案不存在或无权访问")
    attempt = answer.attempt
    selectors.access_paper_by_id(actor, attempt.paper_id)
    if attempt.status == AttemptStatus.OPEN:
        raise AttemptClosed(ExamsErrorCode.ATTEMPT_CLOSED, "考生尚未交卷")
    full = Decimal(_entry(attempt.layout, answer.question_id)["p"])
    if not Decimal(0) <= points <= full:
        raise ExamsError(ExamsErrorCode.BAD_POINTS, f"得分应在 0 到 {full} 之间")
    before = str(answer.points)
    answer.points = points
    answer.comment = comment.strip()
    answer.graded_by_id = actor.pk
    answer.save(update_fields=["points", "comment", "graded_by_id"])
    audit_record(
        actor=actor,
        action="exams.answer_grade",
        object_type="exam_attempt",
        object_id=attempt.pk,
        object_label=f"{attempt.paper.title} #{attempt.number}",
        org_path=attempt.paper.org.path,
        changes={"question_id": answer.question_id, "points": [before, str(points)]},
    )
    if attempt.status == AttemptStatus.SUBMITTED:
        _finish_if_graded(attempt)
    return answer


def grade_counts(paper_id: int) -> dict[str, int]:
    """How many attempts of the paper are open, waiting for grading, graded."""
    out = dict.fromkeys((s.value for s in AttemptStatus), 0)
    for status in Attempt.objects.filter(paper_id=paper_id).values_list("status", flat=True):
        out[status] += 1
    return out
