"""Item analysis (issue #14 item 4; review item 2): difficulty, discrimination and option
choice on six candidates whose answers are written out below, against figures worked out
by hand.

Paper (fixed, nothing shuffled): Q1 single choice A–D (A right, 1 point), Q2 true/false
(true, 1 point), Q3 single choice of three (the second right, 2 points).

    candidate  Q1     Q2      Q3     score
    c1         A ✓    true ✓  2nd ✓  4
    c2         B      true ✓  2nd ✓  3
    c3         A ✓    true ✓  1st    2
    c4         B      false   2nd ✓  2
    c5         A ✓    false   3rd    1
    c6         —      true ✓  1st    1

Upper group (27 % of 6, rounded: 2) = c1, c2; lower group = c5, c6.
- Q1: p = 3/6 = 0.5; upper 1/2, lower 1/2 → D = 0.0; chosen A 3, B 2, C 0, D 0; blank 1.
- Q2: p = 4/6 = 0.667; upper 2/2, lower 1/2 → D = 0.5; 正确 4, 错误 2.
- Q3: p = 3/6 = 0.5 (2 points each, shares 1 or 0); upper 2/2, lower 0/2 → D = 1.0;
  chosen 1st 2, 2nd 3, 3rd 1.
"""

from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from civtrain.core import clock
from civtrain.exams import analysis, services
from civtrain.exams.data import ParsedFile, QuestionInput, QuestionKind
from civtrain.exams.models import Paper, Question
from civtrain.exams.tests.builders import T0, candidate

pytestmark = pytest.mark.django_db

QUESTIONS = [
    QuestionInput(QuestionKind.SINGLE, "Q1 我国的根本大法是",
                  ("宪法", "刑法", "民法典", "公务员法"), (0,)),
    QuestionInput(QuestionKind.TRUE_FALSE, "Q2 公务员每年参加培训的时间累计不少于12天",
                  truth=True),
    QuestionInput(QuestionKind.SINGLE, "Q3 公务员法的施行年份", ("2005", "2019", "2006"), (1,)),
]  # fmt: skip
ANSWERS = {  # candidate: (Q1, Q2, Q3) as written (option indexes), None left blank
    "c1": (0, True, 1),
    "c2": (1, True, 1),
    "c3": (0, True, 0),
    "c4": (1, False, 1),
    "c5": (0, False, 2),
    "c6": (None, True, 0),
}
SCORES = {"c1": 4, "c2": 3, "c3": 2, "c4": 2, "c5": 1, "c6": 1}


@pytest.fixture
def sat(tree: Any, actors: dict[str, Any]) -> tuple[Paper, list[int]]:
    clock.freeze(T0)
    organiser = actors["district"]
    bank = services.bank_create(actor=organiser, name="分析题库", org_id=tree["D1"].id)
    services.questions_import(actor=organiser, bank_id=bank.pk, parsed=ParsedFile(QUESTIONS))
    ids = list(Question.objects.filter(bank=bank).order_by("id").values_list("pk", flat=True))
    paper = services.paper_create(
        actor=organiser, title="分析卷", org_id=tree["D1"].id, pass_mark=Decimal(2),
        questions=list(zip(ids, [Decimal(1), Decimal(1), Decimal(2)], strict=True)),
        shuffle_questions=False, shuffle_options=False,
    )  # fmt: skip
    for name, responses in ANSWERS.items():
        user = candidate(paper, organiser, tree["U1"], name=name)
        attempt = services.attempt_start(actor=user, paper_id=paper.pk)
        for qid, response in zip(ids, responses, strict=True):
            if response is not None:
                services.answer_save(
                    actor=user, attempt_id=attempt.pk, question_id=qid, response=response
                )
        done = services.attempt_submit(actor=user, attempt_id=attempt.pk)
        assert done.score == SCORES[name]  # the table's score column, as graded
    return paper, ids


def test_item_analysis_matches_the_hand_computed_figures(sat: tuple[Paper, list[int]]) -> None:
    paper, (q1, q2, q3) = sat
    items = {i.question_id: i for i in analysis.item_analysis(paper)}
    figures = [
        (items[q].answered, items[q].difficulty, items[q].discrimination) for q in (q1, q2, q3)
    ]
    assert figures == [
        (6, 0.5, 0.0),
        (6, 0.667, 0.5),
        (6, 0.5, 1.0),
    ]  # fmt: skip
    assert items[q1].options == (("宪法", 3, True), ("刑法", 2, False), ("民法典", 0, False),
                                 ("公务员法", 0, False))  # fmt: skip
    assert items[q2].options == (("正确", 4, True), ("错误", 2, False))
    assert items[q3].options == (("2005", 2, False), ("2019", 3, True), ("2006", 1, False))
    assert [items[q].omitted for q in (q1, q2, q3)] == [1, 0, 0]


def test_item_analysis_page_and_export_show_the_figures(
    sat: tuple[Paper, list[int]], actors: dict[str, Any]
) -> None:
    paper, (q1, _q2, q3) = sat
    client = Client()
    client.force_login(actors["district"])
    page = client.get(f"/exams/papers/{paper.pk}/analysis/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "宪法：3" in text and "刑法：2" in text and "0.667" in text
    export = client.get(f"/exams/papers/{paper.pk}/analysis/?format=xlsx")
    sheet = load_workbook(BytesIO(export.content)).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[q1][1:6] == ("单选题", "Q1 我国的根本大法是", 6, 0.5, 0)
    assert rows[q3][5] == 1 and rows[q1][7] == 1
    assert rows[q3][6] == "2005：2；✓2019：3；2006：1"


def test_fewer_than_four_candidates_have_no_discrimination(
    tree: Any, actors: dict[str, Any]
) -> None:
    clock.freeze(T0)
    organiser = actors["district"]
    bank = services.bank_create(actor=organiser, name="小题库", org_id=tree["D1"].id)
    services.questions_import(actor=organiser, bank_id=bank.pk, parsed=ParsedFile(QUESTIONS[1:2]))
    qid = Question.objects.get(bank=bank).pk
    paper = services.paper_create(
        actor=organiser, title="小卷", org_id=tree["D1"].id, pass_mark=Decimal(1),
        questions=[(qid, Decimal(1))],
    )  # fmt: skip
    for name, response in (("甲", True), ("乙", False), ("丙", True)):
        user = candidate(paper, organiser, tree["U1"], name=name)
        attempt = services.attempt_start(actor=user, paper_id=paper.pk)
        services.answer_save(actor=user, attempt_id=attempt.pk, question_id=qid, response=response)
        services.attempt_submit(actor=user, attempt_id=attempt.pk)
    [item] = analysis.item_analysis(paper)
    assert (item.answered, item.difficulty, item.discrimination) == (3, 0.667, None)
