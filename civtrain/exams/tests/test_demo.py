"""The demo's exams step (issue #14 item 7): banks of every question type, a fixed and a
blueprint paper, the year-end test of 金水区 with sittings that passed and failed (and the
ledger entries ZZ-N3 reads), a held class's completion exam with released results, and the
two demo learners among a paper's candidates."""

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.db import transaction

from civtrain import testing
from civtrain.accounts.api import Role, User
from civtrain.core import clock
from civtrain.credits.api import entry_rows
from civtrain.demo.steps import DemoContext, run_all
from civtrain.exams.models import Attempt, Campaign, Candidate, Paper, QuestionBank

AS_OF = dt.date(2026, 11, 23)


@pytest.fixture
def ctx(db: Any) -> DemoContext:
    clock.freeze(dt.datetime(2026, 11, 23, 10, 0, tzinfo=clock.TZ))
    with transaction.atomic():
        testing.reseed_migration_data()
        return run_all(DemoContext(seed=1, people=300, as_of=AS_OF))


def test_the_demo_holds_exams_in_every_state(ctx: DemoContext) -> None:
    kinds = Counter(QuestionBank.objects.values_list("questions__kind", flat=True))
    assert set(kinds) == {"single", "multiple", "true_false", "fill", "short"}
    assert QuestionBank.objects.count() == 3
    papers = {p.title: p for p in Paper.objects.all()}
    fixed = papers["公务员法知识测试"]
    assert fixed.kind == "fixed" and fixed.results_released
    drawn = papers["法律法规与职业道德综合测试（随机抽题）"]
    assert drawn.kind == "blueprint" and drawn.blueprint.values("bank").distinct().count() == 2
    assert Attempt.objects.filter(paper=drawn, status="submitted").exists()  # to be graded

    campaign = Campaign.objects.get()
    assert (campaign.year, campaign.org.name) == (2026, "金水区")
    sittings = Counter(
        Attempt.objects.filter(paper__campaign=campaign).values_list("passed", flat=True)
    )
    assert sittings[True] > 0 and sittings[False] > 0
    waiting = Candidate.objects.filter(paper__campaign=campaign, passed__isnull=True).count()
    assert waiting > 0  # some have not sat it yet: the rates show it
    credited = entry_rows().filter(source_ref=f"exam:year-end-test:{campaign.pk}").count()
    assert credited == Candidate.objects.filter(paper__campaign=campaign, passed=True).count()

    class_exam = Paper.objects.get(training_class__isnull=False)
    assert class_exam.results_released and class_exam.title.endswith("结业考试")
    assert Attempt.objects.filter(paper=class_exam, status="graded").count() > 0

    learners = [a.username for a in ctx.accounts if a.role_label == Role.LEARNER.label]
    their_people = User.objects.filter(username__in=learners).values_list("person__pk", flat=True)
    assert Candidate.objects.filter(paper=fixed, person_id__in=list(their_people)).count() == 2
