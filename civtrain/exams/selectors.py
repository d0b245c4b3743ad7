"""Reads of exams, scoped by the actor (issue #14; STYLE.md §3).

Banks: a bank belongs to an org node and is shared down its subtree — an author sees the
banks of their node's ancestors and of every node below them; they change only those at or
below their node. Papers and campaigns: organisers see those of their subtree; unit staff
see a campaign that covers their unit (its rates, for their subtree only); candidates see
the papers they are candidates for. Out of scope answers like absent (404).
"""

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

from civtrain.accounts.api import Role, actor_scope
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.exams.models import (
    Answer,
    Attempt,
    AttemptEvent,
    Campaign,
    Candidate,
    Paper,
    Question,
    QuestionBank,
)
from civtrain.organisations.api import subtree_q

__all__ = [
    "Answer",
    "Attempt",
    "AttemptEvent",
    "Campaign",
    "Candidate",
    "Paper",
    "Question",
    "QuestionBank",
]

AUTHORS = (
    Role.CITY_BUREAU,
    Role.DISTRICT_BUREAU,
    Role.UNIT_HR,
    Role.INSTITUTION,
    Role.TEACHER,
)
ORGANISERS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.UNIT_HR, Role.INSTITUTION)


def ancestors_of(paths: Iterable[str]) -> set[str]:
    """Every ancestor-or-self path of `paths` ("1/3/7/" → "1/", "1/3/", "1/3/7/")."""
    out: set[str] = set()
    for path in paths:
        parts = [p for p in path.split("/") if p]
        out.update("".join(f"{s}/" for s in parts[: i + 1]) for i in range(len(parts)))
    return out


def bank_scope_q(actor: Actor, *, manage: bool = False) -> Q:
    paths = actor_scope(actor).paths_for(*AUTHORS)
    below = subtree_q(paths, "org__path")
    if manage:
        return below
    if "" in paths:  # the system: the whole tree
        return below
    return below | Q(org__path__in=ancestors_of(paths))


def bank_list(*, actor: Actor) -> QuerySet[QuestionBank]:
    return (
        QuestionBank.objects.filter(bank_scope_q(actor))
        .select_related("org")
        .annotate(question_count=Count("questions"))
        .order_by("org__path", "name")
    )


def access_bank_by_id(actor: Actor, bank_id: int, *, manage: bool = False) -> QuestionBank:
    found = (
        QuestionBank.objects.filter(bank_scope_q(actor, manage=manage), pk=bank_id)
        .select_related("org")
        .first()
    )
    if found is None:
        raise NotFound("题库不存在或无权访问")
    return found


def banks_named(actor: Actor, name: str, *, manage: bool = False) -> list[QuestionBank]:
    return list(
        QuestionBank.objects.filter(bank_scope_q(actor, manage=manage), name=name).select_related(
            "org"
        )
    )


def question_supply(bank_ids: Iterable[int]) -> dict[tuple[int, str, int | None], int]:
    """How many questions the banks hold by (bank, type, difficulty), and by (bank, type,
    None) for every difficulty: what a blueprint may draw (issue #14 item 3)."""
    out: dict[tuple[int, str, int | None], int] = {}
    rows = (
        Question.objects.filter(bank_id__in=list(bank_ids))
        .values_list("bank_id", "kind", "difficulty")
        .annotate(n=Count("id"))
        .order_by()
    )
    for bank_id, kind, difficulty, n in rows:
        out[(bank_id, kind, difficulty)] = n
        out[(bank_id, kind, None)] = out.get((bank_id, kind, None), 0) + n
    return out


def question_list(*, actor: Actor, bank_id: int) -> QuerySet[Question]:
    bank = access_bank_by_id(actor, bank_id)
    return Question.objects.filter(bank=bank).order_by("id")


# --- papers ------------------------------------------------------------------------------


def paper_scope_q(actor: Actor) -> Q:
    return subtree_q(actor_scope(actor).paths_for(*ORGANISERS), "org__path")


def paper_list(*, actor: Actor) -> QuerySet[Paper]:
    return (
        Paper.objects.filter(paper_scope_q(actor))
        .select_related("org", "campaign")
        .order_by("-created_at", "-id")
    )


def access_paper_by_id(actor: Actor, paper_id: int) -> Paper:
    found = Paper.objects.filter(paper_scope_q(actor), pk=paper_id).select_related("org").first()
    if found is None:
        raise NotFound("试卷不存在或无权访问")
    return found


def paper_rows(paper: Paper) -> dict[str, list]:
    """What the paper is made of, for its page: the fixed questions, or the blueprint's rows
    with their banks."""
    return {
        "fixed": list(paper.fixed.select_related("question").order_by("position")),
        "blueprint": list(paper.blueprint.select_related("bank").order_by("position")),
    }


def papers_for_person(person_id: int) -> QuerySet[Candidate]:
    """The papers a person is a candidate for, newest first (the candidate's page)."""
    return (
        Candidate.objects.filter(person_id=person_id)
        .select_related("paper")
        .order_by("-paper__created_at", "-paper_id")
    )


def attempts_of(paper_id: int, person_id: int) -> list[Attempt]:
    return list(Attempt.objects.filter(paper_id=paper_id, person_id=person_id).order_by("number"))


def access_own_attempt(actor: Actor, attempt_id: int) -> Attempt:
    found = (
        Attempt.objects.filter(pk=attempt_id, user_id=actor.pk).select_related("paper").first()
        if actor.pk is not None
        else None
    )
    if found is None:
        raise NotFound("答卷不存在或无权访问")
    return found


def access_attempt_as_organiser(actor: Actor, attempt_id: int) -> Attempt:
    found = (
        Attempt.objects.filter(pk=attempt_id, paper__in=Paper.objects.filter(paper_scope_q(actor)))
        .select_related("paper", "person")
        .first()
    )
    if found is None:
        raise NotFound("答卷不存在或无权访问")
    return found


def paper_attempts(*, actor: Actor, paper_id: int) -> QuerySet[Attempt]:
    paper = access_paper_by_id(actor, paper_id)
    return (
        Attempt.objects.filter(paper=paper).select_related("person").order_by("person_id", "number")
    )


def attempt_events(attempt_id: int) -> QuerySet[AttemptEvent]:
    return AttemptEvent.objects.filter(attempt_id=attempt_id).order_by("at", "id")


def grading_queue(*, actor: Actor, paper_id: int) -> QuerySet[Answer]:
    """Short answers of submitted attempts that wait for a grader."""
    paper = access_paper_by_id(actor, paper_id)
    return (
        Answer.objects.filter(
            attempt__paper=paper, attempt__status="submitted", points__isnull=True
        )
        .select_related("attempt")
        .order_by("attempt_id", "id")
    )


# --- campaigns -----------------------------------------------------------------------------


def campaign_scope_q(actor: Actor) -> Q:
    """Campaigns the actor organises (their subtree) or whose population covers the actor's
    unit (unit staff: the rates of their own subtree)."""
    scope = actor_scope(actor)
    mine = subtree_q(scope.paths_for(*ORGANISERS), "org__path")
    return mine | Q(org__path__in=ancestors_of(scope.paths_for(Role.UNIT_HR, Role.DISTRICT_BUREAU)))


def campaign_list(*, actor: Actor) -> QuerySet[Campaign]:
    return (
        Campaign.objects.filter(campaign_scope_q(actor))
        .select_related("org")
        .order_by("-year", "-id")
    )


def access_campaign_by_id(actor: Actor, campaign_id: int) -> Campaign:
    found = (
        Campaign.objects.filter(campaign_scope_q(actor), pk=campaign_id)
        .select_related("org")
        .first()
    )
    if found is None:
        raise NotFound("测试活动不存在或无权访问")
    return found


def attempt_sheet(attempt: Attempt) -> list[dict]:
    """The attempt's questions as the candidate sees them: in the drawn order, options in the
    shown order (each with its index as written), no answers; with the saved responses."""
    questions = Question.objects.in_bulk([e["q"] for e in attempt.layout])
    saved = dict(Answer.objects.filter(attempt=attempt).values_list("question_id", "response"))
    sheet = []
    for number, entry in enumerate(attempt.layout, start=1):
        q = questions[entry["q"]]
        sheet.append(
            {
                "number": number,
                "id": q.pk,
                "kind": q.kind,
                "text": q.text,
                "points": entry["p"],
                "options": [{"index": i, "text": q.options[i]} for i in entry["o"]],
                "response": saved.get(q.pk),
            }
        )
    return sheet


def question_page(*, actor: Actor, bank_id: int, limit: int) -> tuple[list[Question], int]:
    qs = question_list(actor=actor, bank_id=bank_id)
    return list(qs[:limit]), qs.count()


def questions_by_id(ids: Iterable[int]) -> dict[int, Question]:
    return Question.objects.in_bulk(list(ids))


def candidate_of(paper_id: int, person_id: int) -> Candidate | None:
    return (
        Candidate.objects.filter(paper_id=paper_id, person_id=person_id)
        .select_related("paper")
        .first()
    )


def candidate_person_ids(paper_id: int) -> list[int]:
    return list(
        Candidate.objects.filter(paper_id=paper_id)
        .order_by("person_id")
        .values_list("person_id", flat=True)
    )


def candidate_count(paper_id: int) -> int:
    return Candidate.objects.filter(paper_id=paper_id).count()


def grading_waiting(paper_id: int) -> int:
    return Answer.objects.filter(
        attempt__paper_id=paper_id, attempt__status="submitted", points__isnull=True
    ).count()


def events_count_by_attempt(attempt_ids: list[int]) -> dict[int, int]:
    rows = (
        AttemptEvent.objects.filter(attempt_id__in=attempt_ids)
        .values("attempt_id")
        .annotate(n=Count("id"))
    )
    return {r["attempt_id"]: r["n"] for r in rows}


def campaign_paper(campaign_id: int) -> Paper | None:
    return Paper.objects.filter(campaign_id=campaign_id).order_by("id").first()
