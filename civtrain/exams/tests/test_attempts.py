"""Attempts (issue #14 items 2–4): deterministic shuffling, answers saved as given, resume
with the right remaining time, the server's submission at the deadline, grading."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from civtrain.core import clock
from civtrain.core.errors import NotFound
from civtrain.exams import selectors, services
from civtrain.exams.data import AttemptStatus, BlueprintRow, QuestionKind
from civtrain.exams.errors import AttemptClosed, ExamsError
from civtrain.exams.models import Answer, Attempt, AttemptEvent
from civtrain.exams.services.attempts import layout_for
from civtrain.exams.tests.builders import (
    T0,
    answers_right,
    bank_of_every_type,
    candidate,
    fixed_paper,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tree: Any, actors: dict[str, Any]) -> dict[str, Any]:
    clock.freeze(T0)
    bank = bank_of_every_type(actors["district"], tree["D1"])
    paper = fixed_paper(actors["district"], tree["D1"], bank, time_limit_minutes=30)
    learner = candidate(paper, actors["district"], tree["U1"])
    return {"bank": bank, "paper": paper, "learner": learner, "organiser": actors["district"]}


def test_shuffle_is_deterministic_per_attempt(setup: dict[str, Any]) -> None:
    paper = setup["paper"]
    assert layout_for(paper, 42) == layout_for(paper, 42)
    orders = {tuple(e["q"] for e in layout_for(paper, seed)) for seed in range(1, 30)}
    assert len(orders) > 1  # different candidates see different orders
    single = next(e for e in layout_for(paper, 7) if e["k"] == QuestionKind.SINGLE)
    assert sorted(single["o"]) == [0, 1, 2, 3]


def test_blueprint_draws_per_row(tree: Any, actors: dict[str, Any]) -> None:
    bank = bank_of_every_type(actors["city"], tree["C1"])
    paper = services.paper_create(
        actor=actors["city"], title="抽题卷", org_id=tree["C1"].id, pass_mark=Decimal(3),
        blueprint=[BlueprintRow(bank.pk, QuestionKind.TRUE_FALSE, 2, Decimal(2)),
                   BlueprintRow(bank.pk, QuestionKind.SINGLE, 1, Decimal(1), difficulty=1)],
    )  # fmt: skip
    kinds = sorted(e["k"] for e in layout_for(paper, 5))
    assert kinds == ["single", "true_false", "true_false"]
    with pytest.raises(ExamsError, match="题库“综合题库”中填空题只有 1 道，不够抽 2 道"):
        services.paper_create(
            actor=actors["city"], title="抽不够", org_id=tree["C1"].id, pass_mark=Decimal(1),
            blueprint=[BlueprintRow(bank.pk, QuestionKind.FILL, 2, Decimal(1))],
        )  # fmt: skip


def test_resume_keeps_saved_answers_and_the_deadline(setup: dict[str, Any]) -> None:
    learner, paper = setup["learner"], setup["paper"]
    attempt = services.attempt_start(actor=learner, paper_id=paper.pk)
    assert attempt.deadline == T0 + dt.timedelta(minutes=30)
    short = next(e["q"] for e in attempt.layout if e["k"] == QuestionKind.SHORT)
    services.answer_save(actor=learner, attempt_id=attempt.pk, question_id=short, response="草稿")
    clock.freeze(T0 + dt.timedelta(minutes=12))  # the connection dropped; the page reopens
    again = services.attempt_start(actor=learner, paper_id=paper.pk)
    assert (again.pk, again.deadline) == (attempt.pk, attempt.deadline)
    assert Answer.objects.filter(attempt=again).count() == 1


def test_answers_are_checked_and_kept_as_given(setup: dict[str, Any]) -> None:
    learner = setup["learner"]
    attempt = services.attempt_start(actor=learner, paper_id=setup["paper"].pk)
    single = next(e for e in attempt.layout if e["k"] == QuestionKind.SINGLE)
    with pytest.raises(ExamsError, match="单选题的答案应为一个选项"):
        services.answer_save(
            actor=learner, attempt_id=attempt.pk, question_id=single["q"], response=9
        )
    services.answer_save(actor=learner, attempt_id=attempt.pk, question_id=single["q"], response=1)
    services.answer_save(actor=learner, attempt_id=attempt.pk, question_id=single["q"], response=0)
    assert Answer.objects.get(attempt=attempt).response == 0  # the last one wins
    with pytest.raises(NotFound):  # another person's attempt: as if absent
        services.answer_save(
            actor=setup["organiser"], attempt_id=attempt.pk, question_id=single["q"], response=0
        )


def test_server_submits_at_the_deadline_and_grades_what_was_saved(setup: dict[str, Any]) -> None:
    learner, paper = setup["learner"], setup["paper"]
    attempt = services.attempt_start(actor=learner, paper_id=paper.pk)
    right = answers_right(attempt)
    tf = [e["q"] for e in attempt.layout if e["k"] == QuestionKind.TRUE_FALSE]
    for qid in tf:
        services.answer_save(
            actor=learner, attempt_id=attempt.pk, question_id=qid, response=right[qid]
        )
    clock.freeze(T0 + dt.timedelta(minutes=29, seconds=59))
    assert services.attempts_submit_overdue() == 0
    clock.freeze(T0 + dt.timedelta(minutes=30, seconds=20))
    with pytest.raises(AttemptClosed, match="考试时间已到"):  # a late save changes nothing
        services.answer_save(
            actor=learner, attempt_id=attempt.pk, question_id=tf[0], response=False
        )
    attempt.refresh_from_db()
    assert (attempt.status, attempt.submitted_by) == (AttemptStatus.GRADED, "server")
    assert attempt.submitted_at == attempt.deadline
    assert (attempt.score, attempt.passed) == (Decimal(4), False)  # two true/false of 2 points


def test_periodic_task_submits_attempts_left_open(setup: dict[str, Any]) -> None:
    from civtrain.exams.tasks import submit_overdue

    attempt = services.attempt_start(actor=setup["learner"], paper_id=setup["paper"].pk)
    clock.freeze(T0 + dt.timedelta(hours=1))
    assert submit_overdue() == 1
    attempt.refresh_from_db()
    assert attempt.submitted_by == "server" and attempt.status == AttemptStatus.GRADED


def test_objective_graded_at_once_short_answer_waits_for_the_grader(setup: dict[str, Any]) -> None:
    learner, paper = setup["learner"], setup["paper"]
    attempt = services.attempt_start(actor=learner, paper_id=paper.pk)
    for qid, response in answers_right(attempt).items():
        services.answer_save(
            actor=learner, attempt_id=attempt.pk, question_id=qid, response=response
        )
    attempt = services.attempt_submit(actor=learner, attempt_id=attempt.pk)
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.score is None
    queue = list(selectors.grading_queue(actor=setup["organiser"], paper_id=paper.pk))
    assert len(queue) == 1
    with pytest.raises(ExamsError, match=r"得分应在 0 到 2\.00 之间"):
        services.answer_grade(actor=setup["organiser"], answer_id=queue[0].pk, points=Decimal(3))
    services.answer_grade(actor=setup["organiser"], answer_id=queue[0].pk, points=Decimal("1.5"))
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score, attempt.passed) == (
        AttemptStatus.GRADED, Decimal("11.5"), True
    )  # fmt: skip


def test_one_attempt_then_a_makeup_granted_by_the_organiser(setup: dict[str, Any]) -> None:
    learner, paper = setup["learner"], setup["paper"]
    first = services.attempt_start(actor=learner, paper_id=paper.pk)
    services.attempt_submit(actor=learner, attempt_id=first.pk)
    with pytest.raises(ExamsError, match="作答次数已用完"):
        services.attempt_start(actor=learner, paper_id=paper.pk)
    person_id = first.person_id
    services.candidate_grant_makeup(
        actor=setup["organiser"], paper_id=paper.pk, person_id=person_id
    )
    second = services.attempt_start(actor=learner, paper_id=paper.pk)
    assert second.number == 2 and Attempt.objects.filter(paper=paper).count() == 2


def test_page_events_are_logged(setup: dict[str, Any]) -> None:
    learner = setup["learner"]
    attempt = services.attempt_start(actor=learner, paper_id=setup["paper"].pk)
    services.attempt_event_log(actor=learner, attempt_id=attempt.pk, kind="paste", detail="32 字")
    services.attempt_event_log(actor=learner, attempt_id=attempt.pk, kind="hidden")
    kinds = list(AttemptEvent.objects.filter(attempt=attempt).values_list("kind", flat=True))
    assert kinds == ["paste", "hidden"]


def test_a_known_attempt_saves_in_one_guarded_statement(
    setup: dict[str, Any], django_assert_num_queries: Any
) -> None:
    """Issue #14 item 4 (throughput): once the process knows an attempt's fixed facts, a save
    is one statement; it still refuses after submission and after the deadline."""
    learner = setup["learner"]
    attempt = services.attempt_start(actor=learner, paper_id=setup["paper"].pk)
    short = next(e["q"] for e in attempt.layout if e["k"] == QuestionKind.SHORT)
    services.answer_save(actor=learner, attempt_id=attempt.pk, question_id=short, response="一")
    with django_assert_num_queries(1):
        services.answer_save(actor=learner, attempt_id=attempt.pk, question_id=short, response="二")
    assert Answer.objects.get(attempt=attempt, question_id=short).response == "二"
    with pytest.raises(ExamsError, match="答案应为不超过"):  # checked before anything is written
        services.answer_save(actor=learner, attempt_id=attempt.pk, question_id=short, response=3)
    services.attempt_submit(actor=learner, attempt_id=attempt.pk)
    with pytest.raises(AttemptClosed, match="试卷已提交"):
        services.answer_save(actor=learner, attempt_id=attempt.pk, question_id=short, response="三")
    assert Answer.objects.get(attempt=attempt, question_id=short).response == "二"


def test_a_known_attempt_past_its_deadline_is_submitted_not_saved(setup: dict[str, Any]) -> None:
    learner = setup["learner"]
    attempt = services.attempt_start(actor=learner, paper_id=setup["paper"].pk)
    fill = next(e["q"] for e in attempt.layout if e["k"] == QuestionKind.FILL)
    services.answer_save(actor=learner, attempt_id=attempt.pk, question_id=fill, response="甲")
    clock.freeze(T0 + dt.timedelta(minutes=30))  # the deadline
    with pytest.raises(AttemptClosed, match="考试时间已到"):
        services.answer_save(actor=learner, attempt_id=attempt.pk, question_id=fill, response="乙")
    attempt.refresh_from_db()
    assert attempt.status != AttemptStatus.OPEN and attempt.submitted_by == "server"
    assert Answer.objects.get(attempt=attempt, question_id=fill).response == "甲"
