"""Item analysis of a paper (issue #14 item 4), over its graded attempts (each candidate's
best counted once):

- difficulty index p: the mean share of the item's points earned (1 = everyone right);
- discrimination D: p among the top 27 % of candidates by total score minus p among the
  bottom 27 % (classical test theory; D < 0.2 flags an item that does not separate);
- distractor use: for choice items, how many candidates chose each option (for true/false
  items, 正确 and 错误), and how many left the item blank.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from civtrain.core.tabular import write_table
from civtrain.exams.data import (
    CHOICE,
    QUESTION_KIND_LABELS,
    AttemptStatus,
    QuestionKind,
    first_words,
)
from civtrain.exams.models import Answer, Attempt, Paper, Question

GROUP = 0.27


@dataclass(frozen=True)
class ItemStats:
    question_id: int
    kind: str
    text: str
    answered: int  # candidates whose attempt held the item
    difficulty: float  # p
    discrimination: float | None  # None: fewer than 4 candidates
    options: tuple[tuple[str, int, bool], ...]  # (option text, chosen by, correct)
    omitted: int = 0  # candidates who left it blank


def _best_attempts(paper: Paper) -> list[Attempt]:
    best: dict[int, Attempt] = {}
    for a in Attempt.objects.filter(paper=paper, status=AttemptStatus.GRADED):
        held = best.get(a.person_id)
        if held is None or (a.score or 0) > (held.score or 0):
            best[a.person_id] = a
    return sorted(best.values(), key=lambda a: (a.score or Decimal(0), a.pk))


def item_analysis(paper: Paper) -> list[ItemStats]:
    attempts = _best_attempts(paper)
    n = len(attempts)
    k = max(1, round(n * GROUP)) if n >= 4 else 0
    lower = {a.pk for a in attempts[:k]}
    upper = {a.pk for a in attempts[n - k :]} if k else set()
    share: dict[int, list[tuple[int, float]]] = defaultdict(list)
    chosen: dict[int, dict[int | bool, int]] = defaultdict(lambda: defaultdict(int))
    omitted: dict[int, int] = defaultdict(int)
    full = {a.pk: {e["q"]: Decimal(e["p"]) for e in a.layout} for a in attempts}
    rows = Answer.objects.filter(attempt__in=attempts).values_list(
        "attempt_id", "question_id", "points", "response"
    )
    for attempt_id, qid, points, response in rows:
        share[qid].append((attempt_id, float((points or 0) / full[attempt_id][qid])))
        if (
            response is None
            or response in ("", [])
            or (isinstance(response, str) and not response.strip())
        ):
            omitted[qid] += 1
        picks = response if isinstance(response, list) else [response]
        for r in picks:
            if isinstance(r, int):  # an option index, or True/False
                chosen[qid][r] += 1
    questions = Question.objects.in_bulk(list(share))
    out = []
    for qid, values in sorted(share.items()):
        q = questions[qid]

        def p_of(group: set[int], values: list[tuple[int, float]] = values) -> float:
            picked = [v for a, v in values if a in group]
            return sum(picked) / len(picked) if picked else 0.0

        options: tuple[tuple[str, int, bool], ...] = ()
        if q.kind in CHOICE:
            options = tuple(
                (text, chosen[qid].get(i, 0), i in q.correct) for i, text in enumerate(q.options)
            )
        elif q.kind == QuestionKind.TRUE_FALSE:
            options = tuple(
                (label, chosen[qid].get(value, 0), q.truth is value)
                for label, value in (("正确", True), ("错误", False))
            )
        out.append(
            ItemStats(
                question_id=qid,
                kind=q.kind,
                text=first_words(q.text, 40),
                answered=len(values),
                difficulty=round(sum(v for _a, v in values) / len(values), 3),
                discrimination=round(p_of(upper) - p_of(lower), 3) if k else None,
                options=options,
                omitted=omitted[qid],
            )
        )
    return out


def export_xlsx(items: list[ItemStats]) -> bytes:
    headers = [
        "题目编号",
        "题型",
        "题干",
        "作答人数",
        "难度（得分率）",
        "区分度",
        "选项选择情况",
        "未作答",
    ]
    rows = [
        [
            i.question_id,
            QUESTION_KIND_LABELS[QuestionKind(i.kind)],
            i.text,
            i.answered,
            i.difficulty,
            "" if i.discrimination is None else i.discrimination,
            "；".join(f"{'✓' if ok else ''}{t}：{n}" for t, n, ok in i.options),
            i.omitted,
        ]
        for i in items
    ]
    return write_table(headers, rows, fmt="xlsx", sheet_title="题目分析")
