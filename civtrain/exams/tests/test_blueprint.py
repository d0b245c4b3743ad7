"""Multi-bank blueprints (issue #14 item 2; review item 3): a paper drawn per candidate from
several banks, row by row (subject × type × difficulty × count × points); rows that share a
bank and type never draw a question twice; a bank that cannot supply a row — alone or with
the rows it shares questions with — is named in a clear error, in services and the API."""

from decimal import Decimal
from typing import Any

import pytest

from civtrain.core import clock
from civtrain.core.errors import NotFound
from civtrain.exams import services
from civtrain.exams.data import BlueprintRow, ParsedFile, QuestionInput, QuestionKind
from civtrain.exams.errors import ExamsError
from civtrain.exams.models import Question, QuestionBank
from civtrain.exams.services.attempts import layout_for
from civtrain.exams.tests.builders import T0
from civtrain.testing import ApiCaller

pytestmark = pytest.mark.django_db

S, TF, FILL = QuestionKind.SINGLE, QuestionKind.TRUE_FALSE, QuestionKind.FILL


def _bank(
    actor: Any, org_id: int, name: str, subject: str, spec: list[tuple[QuestionKind, int]]
) -> QuestionBank:
    """A bank of one question per (type, difficulty) in `spec`."""
    bank = services.bank_create(actor=actor, name=name, org_id=org_id, subject=subject)
    questions = [
        QuestionInput(kind, f"{subject}第{n}题", ("甲", "乙", "丙") if kind == S else (),
                      (0,) if kind == S else (), truth=True if kind == TF else None,
                      accepted=("答案",) if kind == FILL else (), difficulty=difficulty)
        for n, (kind, difficulty) in enumerate(spec, start=1)
    ]  # fmt: skip
    services.questions_import(actor=actor, bank_id=bank.pk, parsed=ParsedFile(questions))
    return bank


@pytest.fixture
def banks(tree: Any, actors: dict[str, Any]) -> dict[str, QuestionBank]:
    """The city's 宪法 bank (shared down to the district) and the district's own 公务员法 bank."""
    clock.freeze(T0)
    return {
        "constitution": _bank(actors["city"], tree["C1"].id, "宪法题库", "宪法",
                              [(S, 1), (S, 2), (S, 3), (S, 3), (TF, 2), (TF, 2)]),
        "civil": _bank(actors["district"], tree["D1"].id, "公务员法题库", "公务员法",
                       [(S, 2), (S, 2), (S, 2), (FILL, 4)]),
    }  # fmt: skip


def _paper(actor: Any, org_id: int, rows: list[BlueprintRow]) -> Any:
    return services.paper_create(
        actor=actor, title="综合测试", org_id=org_id, pass_mark=Decimal(1), blueprint=rows
    )


def test_a_blueprint_draws_each_row_from_its_own_bank(
    tree: Any, actors: dict[str, Any], banks: dict[str, QuestionBank]
) -> None:
    c, g = banks["constitution"].pk, banks["civil"].pk
    paper = _paper(actors["district"], tree["D1"].id, [
        BlueprintRow(c, S, 2, Decimal(2), difficulty=3),
        BlueprintRow(c, TF, 1, Decimal(1)),
        BlueprintRow(g, S, 2, Decimal(3)),
        BlueprintRow(g, FILL, 1, Decimal(4)),
    ])  # fmt: skip
    bank_of = dict(Question.objects.values_list("pk", "bank_id"))
    difficulty_of = dict(Question.objects.values_list("pk", "difficulty"))
    for seed in range(1, 15):
        layout = layout_for(paper, seed)
        drawn = sorted((bank_of[e["q"]] == c, e["k"], Decimal(e["p"])) for e in layout)
        assert drawn == sorted([(True, "single", 2), (True, "single", 2),
                                (True, "true_false", 1), (False, "single", 3),
                                (False, "single", 3), (False, "fill", 4)])  # fmt: skip
        assert all(difficulty_of[e["q"]] == 3 for e in layout if Decimal(e["p"]) == 2)
    assert services.papers.max_points(paper) == Decimal(2 * 2 + 1 + 2 * 3 + 4)


def test_rows_sharing_a_bank_and_type_never_draw_a_question_twice(
    tree: Any, actors: dict[str, Any], banks: dict[str, QuestionBank]
) -> None:
    c = banks["constitution"].pk
    # difficulty 3 holds two questions; "any difficulty" must take the other two
    paper = _paper(actors["city"], tree["C1"].id, [
        BlueprintRow(c, S, 2, Decimal(1)),
        BlueprintRow(c, S, 2, Decimal(1), difficulty=3),
    ])  # fmt: skip
    everything = set(Question.objects.filter(bank_id=c, kind=S).values_list("pk", flat=True))
    for seed in range(1, 40):
        ids = [e["q"] for e in layout_for(paper, seed)]
        assert len(ids) == 4 and set(ids) == everything


def test_a_bank_that_cannot_supply_a_row_is_named(
    tree: Any, actors: dict[str, Any], banks: dict[str, QuestionBank]
) -> None:
    c, g = banks["constitution"].pk, banks["civil"].pk
    with pytest.raises(
        ExamsError, match="第 2 行：题库“公务员法题库”中难度 2 的单选题只有 3 道，不够抽 4 道"
    ) as one:
        _paper(actors["district"], tree["D1"].id, [
            BlueprintRow(c, S, 1, Decimal(1)),
            BlueprintRow(g, S, 4, Decimal(1), difficulty=2),
        ])  # fmt: skip
    assert one.value.extra == {"rows": [2], "bank_id": g, "available": 3, "asked": 4}
    # each row alone fits (3 of 4 of any difficulty, 2 of the 2 of difficulty 3) but together
    # they ask 5 of the bank's 4 single-choice questions
    with pytest.raises(
        ExamsError, match="第 1、3 行合计：题库“宪法题库”中单选题只有 4 道，不够抽 5 道"
    ):
        _paper(actors["district"], tree["D1"].id, [
            BlueprintRow(c, S, 3, Decimal(1)),
            BlueprintRow(g, S, 3, Decimal(1)),
            BlueprintRow(c, S, 2, Decimal(1), difficulty=3),
        ])  # fmt: skip
    with pytest.raises(
        ExamsError, match="第 1 行：题库“公务员法题库”中简答题只有 0 道，不够抽 1 道"
    ):
        _paper(
            actors["district"], tree["D1"].id, [BlueprintRow(g, QuestionKind.SHORT, 1, Decimal(1))]
        )
    with pytest.raises(NotFound):  # a district's bank is not the other city's to draw from
        _paper(actors["other_city"], tree["C2"].id, [BlueprintRow(g, S, 1, Decimal(1))])


def test_the_api_answers_a_shortfall_with_a_structured_error(
    tree: Any, actors: dict[str, Any], banks: dict[str, QuestionBank]
) -> None:
    c, g = banks["constitution"].pk, banks["civil"].pk
    call = ApiCaller(actors["district"])
    payload: dict[str, Any] = {
        "title": "综合测试", "org_id": tree["D1"].id, "pass_mark": "3",
        "blueprint": [{"bank_id": c, "kind": "true_false", "count": 2, "points": "1"},
                      {"bank_id": g, "kind": "fill", "count": 2, "points": "2"}],
    }  # fmt: skip
    status, body = call("POST", "/exams/papers", payload)
    assert status == 422 and body["error"]["code"] == "not_enough_questions"
    assert body["error"]["message"] == "第 2 行：题库“公务员法题库”中填空题只有 1 道，不够抽 2 道"
    assert body["error"]["details"] == {"rows": [2], "bank_id": g, "available": 1, "asked": 2}
    payload["blueprint"][1]["count"] = 1
    status, body = call("POST", "/exams/papers", payload)
    assert status == 201
