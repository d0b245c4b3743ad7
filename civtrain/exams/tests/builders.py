"""Builders for the exams tests: a bank of every type, a paper, a candidate's account."""

import datetime as dt
from decimal import Decimal
from typing import Any

from civtrain.accounts.api import User
from civtrain.core import clock
from civtrain.exams import services
from civtrain.exams.data import ParsedFile
from civtrain.exams.models import Paper, Question, QuestionBank
from civtrain.exams.tests.test_formats import QUESTIONS
from civtrain.organisations.api import OrgNodeData
from civtrain.testing import make_person

# Shanghai time, explicit (docs/testing.md): the sitting starts at 10:00 on 1 June 2026.
T0 = dt.datetime(2026, 6, 1, 10, 0, tzinfo=clock.TZ)


def bank_of_every_type(actor: Any, org: OrgNodeData, name: str = "综合题库") -> QuestionBank:
    bank = services.bank_create(actor=actor, name=name, org_id=org.id)
    services.questions_import(actor=actor, bank_id=bank.pk, parsed=ParsedFile(list(QUESTIONS)))
    return bank


def fixed_paper(actor: Any, org: OrgNodeData, bank: QuestionBank, **kw: Any) -> Paper:
    """Every question of the bank, 2 points each (12 in all), pass mark 6."""
    ids = list(Question.objects.filter(bank=bank).order_by("id").values_list("pk", flat=True))
    kw.setdefault("pass_mark", Decimal(6))
    return services.paper_create(
        actor=actor,
        title="公务员法知识测试",
        org_id=org.id,
        questions=[(qid, Decimal(2)) for qid in ids],
        **kw,
    )


def candidate(paper: Paper, organiser: Any, unit: OrgNodeData, name: str = "李四") -> Any:
    """A person of `unit` made a candidate of the paper; returns their account."""
    person = make_person(unit, name=name)
    services.candidates_add(actor=organiser, paper_id=paper.pk, person_ids=[person.id])
    return User.objects.get(pk=person.user_id)


def answers_right(attempt: Any) -> dict[int, Any]:
    """The right response to each question of the attempt (the short answer: some text)."""
    questions = Question.objects.in_bulk([e["q"] for e in attempt.layout])
    out: dict[int, Any] = {}
    for e in attempt.layout:
        q = questions[e["q"]]
        out[q.pk] = {
            "single": lambda q: q.correct[0],
            "multiple": lambda q: list(q.correct),
            "true_false": lambda q: q.truth,
            "fill": lambda q: q.accepted[-1],
            "short": lambda q: "初任培训、任职培训……",
        }[q.kind](q)
    return out
