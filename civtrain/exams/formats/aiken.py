"""Aiken, the simplest single-choice format (issue #14 item 1), as Moodle documents it:

    Question text (one line; further lines before the first option continue it)
    A. option      (a letter, then "." or ")", then a space)
    B) option
    ANSWER: B

Aiken has no escapes and holds single-choice questions only: an export leaves the other
types out and says how many. Full-width punctuation (`Ａ．`, `ANSWER：`) is read as well,
since Chinese editors produce it.
"""

import re
import unicodedata
from collections.abc import Sequence

from civtrain.exams.data import (
    ParsedFile,
    QuestionInput,
    QuestionKind,
    QuestionProblem,
    first_words,
)
from civtrain.exams.formats.text import decode

_OPTION_RE = re.compile(r"^([A-ZＡ-Ｚ])\s*(?:[.)]\s+|[、．）]\s*)(.*)$")
_ANSWER_RE = re.compile(r"^ANSWER\s*[:：]\s*(.*)$", re.IGNORECASE)


class _Draft:
    def __init__(self, line: int, text: str) -> None:
        self.line = line
        self.text = [text]
        self.letters: list[str] = []
        self.options: list[str] = []


def _finish(draft: _Draft, answer: str, position: int) -> QuestionInput | QuestionProblem:
    text = "\n".join(draft.text).strip()

    def problem(reason: str) -> QuestionProblem:
        return QuestionProblem(position, first_words(text), reason, draft.line)

    if len(draft.options) < 2:
        return problem("至少需要两个选项（A. …、B. …）")
    if draft.letters != [chr(ord("A") + i) for i in range(len(draft.letters))]:
        return problem("选项字母应从 A 起依次排列")
    letter = unicodedata.normalize("NFKC", answer).strip().upper()
    if letter not in draft.letters:
        return problem(f"ANSWER 给出的“{answer.strip()}”不是本题的选项字母")
    return QuestionInput(
        kind=QuestionKind.SINGLE,
        text=text,
        options=tuple(draft.options),
        correct=(draft.letters.index(letter),),
    )


def parse(data: bytes) -> ParsedFile:
    decoded = decode(data)
    if isinstance(decoded, ParsedFile):
        return decoded
    questions: list[QuestionInput] = []
    problems: list[QuestionProblem] = []
    draft: _Draft | None = None
    position = 0

    def missing_answer(d: _Draft) -> None:
        text = "\n".join(d.text)
        problems.append(
            QuestionProblem(position, first_words(text), "缺少“ANSWER: 字母”一行", d.line)
        )

    for number, raw in enumerate(decoded.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        option = _OPTION_RE.match(line)
        answer = _ANSWER_RE.match(line)
        if draft is None:
            position += 1
            draft = _Draft(number, line)
            if answer or option:
                problems.append(
                    QuestionProblem(
                        position, first_words(line), "缺少题干（第一行应是题目）", number
                    )
                )
                draft = None
            continue
        if answer:
            done = _finish(draft, answer.group(1), position)
            (problems if isinstance(done, QuestionProblem) else questions).append(done)  # type: ignore[arg-type]
            draft = None
        elif option:
            draft.letters.append(unicodedata.normalize("NFKC", option.group(1)))
            draft.options.append(option.group(2).strip())
        elif draft.options:  # a new question began: the last one never got its ANSWER line
            missing_answer(draft)
            position += 1
            draft = _Draft(number, line)
        else:
            draft.text.append(line)
    if draft is not None:
        missing_answer(draft)
    if not questions and not problems:
        problems.append(QuestionProblem(0, "", "文件中没有题目"))
    return ParsedFile(questions=questions, problems=problems)


def dump(questions: Sequence[QuestionInput]) -> tuple[bytes, int]:
    chunks = []
    skipped = 0
    for q in questions:
        if q.kind != QuestionKind.SINGLE or len(q.options) > 26:
            skipped += 1
            continue
        lines = [q.text]
        lines += [f"{chr(ord('A') + i)}. {o}" for i, o in enumerate(q.options)]
        lines.append(f"ANSWER: {chr(ord('A') + q.correct[0])}")
        chunks.append("\n".join(lines) + "\n")
    return "\n".join(chunks).encode(), skipped
