"""The Excel question template with Chinese headers (issue #14 item 1).

One row a question: 题型 (单选题/多选题/判断题/填空题/简答题), 题干, 选项A … 选项H, 答案
(单选 "B", 多选 "ACD", 判断 正确/错误, 填空 the accepted answers separated by "|", 简答
the reference answer and rubric), 难度 (1–5), 标签 (separated by "，" or ","), 解析, 来源,
标题. Read through the bounded spreadsheet reader (ADR 0014); written with every cell made
inert (`core.text.spreadsheet_safe`), whose leading apostrophe the reader takes off again.
"""

import string
from collections.abc import Sequence
from typing import Any

from civtrain.core.errors import ApplicationError
from civtrain.core.tabular import Column, SourceRow, read_table, write_table
from civtrain.core.text import looks_like_formula
from civtrain.exams.data import (
    QUESTION_KIND_LABELS,
    ParsedFile,
    QuestionInput,
    QuestionKind,
    QuestionProblem,
    first_words,
)

LETTERS = string.ascii_uppercase[:8]
HEADERS = [
    "题型",
    "题干",
    *[f"选项{c}" for c in LETTERS],
    "答案",
    "难度",
    "标签",
    "解析",
    "来源",
    "标题",
]
COLUMNS = [
    Column("kind", "题型", ("题目类型",), required=True),
    Column("text", "题干", ("题目",), required=True),
    *[Column(f"option_{c}", f"选项{c}") for c in LETTERS],
    Column("answer", "答案", ("正确答案", "参考答案")),
    Column("difficulty", "难度"),
    Column("tags", "标签"),
    Column("explanation", "解析", ("答案解析",)),
    Column("source", "来源", ("出处",)),
    Column("title", "标题", ("题目名称",)),
]
KINDS = {label: kind for kind, label in QUESTION_KIND_LABELS.items()} | {
    "单选": QuestionKind.SINGLE,
    "多选": QuestionKind.MULTIPLE,
    "判断": QuestionKind.TRUE_FALSE,
    "填空": QuestionKind.FILL,
    "简答": QuestionKind.SHORT,
}
TRUE_WORDS = {"正确", "对", "是", "√", "T", "TRUE"}
FALSE_WORDS = {"错误", "错", "否", "×", "F", "FALSE"}


class _Problem(Exception):
    pass


def _cell(value: Any) -> str:
    """A cell as text, the export's formula guard taken off again."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith("'") and looks_like_formula(text[1:]):
        return text[1:]
    return text


def _split(text: str, *seps: str) -> tuple[str, ...]:
    for sep in seps[1:]:
        text = text.replace(sep, seps[0])
    return tuple(p.strip() for p in text.split(seps[0]) if p.strip())


def _answer_fields(kind: QuestionKind, answer: str, options: list[str]) -> dict[str, Any]:
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if len(options) < 2:
            raise _Problem("选择题至少需要两个选项（选项A、选项B）")
        letters = [c for c in answer.upper() if c not in " ,，、"]
        bad = [c for c in letters if c not in LETTERS[: len(options)]]
        if not letters or bad:
            raise _Problem(f"答案“{answer}”应为选项字母（A–{LETTERS[len(options) - 1]}）")
        correct = tuple(sorted({LETTERS.index(c) for c in letters}))
        if kind == QuestionKind.SINGLE and len(correct) != 1:
            raise _Problem("单选题的答案只能是一个字母")
        return {"options": tuple(options), "correct": correct}
    if kind == QuestionKind.TRUE_FALSE:
        if answer.upper() not in TRUE_WORDS | FALSE_WORDS:
            raise _Problem(f"判断题的答案“{answer}”应为 正确 或 错误")
        return {"truth": answer.upper() in TRUE_WORDS}
    if kind == QuestionKind.FILL:
        accepted = _split(answer, "|", "｜")
        if not accepted:
            raise _Problem("填空题需要至少一个答案（多个用 | 分隔）")
        return {"accepted": accepted}
    return {"rubric": answer}


def _row(row: SourceRow) -> QuestionInput:
    v = {k: _cell(x) for k, x in row.values.items()}
    kind = KINDS.get(v.get("kind", ""))
    if kind is None:
        raise _Problem(f"题型“{v.get('kind', '')}”应为 单选题/多选题/判断题/填空题/简答题")
    if not v.get("text"):
        raise _Problem("题干是空的")
    options = [v.get(f"option_{c}", "") for c in LETTERS]
    while options and not options[-1]:
        options.pop()
    if "" in options:
        raise _Problem("选项中间有空缺")
    difficulty = v.get("difficulty") or "3"
    if difficulty not in {"1", "2", "3", "4", "5"}:
        raise _Problem(f"难度“{difficulty}”应为 1 到 5")
    return QuestionInput(
        kind=kind,
        text=v["text"],
        difficulty=int(difficulty),
        tags=_split(v.get("tags", ""), ",", "，", "、"),
        explanation=v.get("explanation", ""),
        source=v.get("source", ""),
        title=v.get("title", ""),
        **_answer_fields(kind, v.get("answer", ""), options),
    )


def parse(data: bytes) -> ParsedFile:
    try:
        table = read_table(data, filename="questions.xlsx", columns=COLUMNS)
    except ApplicationError as exc:
        return ParsedFile(problems=[QuestionProblem(0, "", exc.message)])
    questions: list[QuestionInput] = []
    problems = [
        QuestionProblem(0, "", e.reason, e.row) for e in table.errors
    ]  # rows the reader refused (control characters)
    for position, row in enumerate(table.rows, start=1):
        try:
            questions.append(_row(row))
        except _Problem as exc:
            words = first_words(_cell(row.values.get("text")))
            problems.append(QuestionProblem(position, words, str(exc), row.number))
    if not questions and not problems:
        problems.append(QuestionProblem(0, "", "文件中没有题目"))
    return ParsedFile(questions=questions, problems=problems)


def _answer(q: QuestionInput) -> str:
    if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return "".join(LETTERS[i] for i in q.correct)
    if q.kind == QuestionKind.TRUE_FALSE:
        return "正确" if q.truth else "错误"
    if q.kind == QuestionKind.FILL:
        return "|".join(q.accepted)
    return q.rubric


def dump(questions: Sequence[QuestionInput]) -> tuple[bytes, int]:
    rows = []
    skipped = 0
    for q in questions:
        if len(q.options) > len(LETTERS):
            skipped += 1
            continue
        options = [*q.options, *[""] * (len(LETTERS) - len(q.options))]
        rows.append(
            [
                QUESTION_KIND_LABELS[q.kind],
                q.text,
                *options,
                _answer(q),
                str(q.difficulty),
                "，".join(q.tags),
                q.explanation,
                q.source,
                q.title,
            ]
        )
    return write_table(HEADERS, rows, fmt="xlsx", sheet_title="题库"), skipped
