"""GIFT, Moodle's plain-text question format (issue #14 item 1).

Read as Moodle documents it: questions separated by blank lines, `//` comment lines,
`::title::`, the answer set in braces — `{=right ~wrong}` single choice, `{~%50%a ~%50%b
~%-100%c}` multiple choice (a positive weight marks a correct option), `{T}`/`{FALSE}`
true/false, `{=a =b}` short answer (our fill-in-the-blank; an answer set in the middle of the
text is the blank, "missing word"), `{}` essay (our short answer), `####` general feedback
(our explanation), `\\` escapes for `~ = # { } :` and the backslash, `\\n` a line break.
Moodle's `// [tag:…]` comments carry tags; difficulty, source and a short answer's rubric
travel the same way as `[tag:difficulty=N]`, `[tag:source=…]` and `[rubric:…]` (ADR 0019).
Numerical and matching questions are refused by name: the platform has no such types.
"""

import re
from collections.abc import Sequence

from civtrain.exams.data import (
    BLANK,
    CHOICE,
    ParsedFile,
    QuestionInput,
    QuestionKind,
    QuestionProblem,
    first_words,
)
from civtrain.exams.formats.text import decode

# Escaped characters become private-use code points while the structure is parsed, and
# come back as the characters they stand for once each part is cut out.
_ESCAPES = {"\\\\": "\ue000", "\\~": "\ue001", "\\=": "\ue002", "\\#": "\ue003",
            "\\{": "\ue004", "\\}": "\ue005", "\\:": "\ue006", "\\n": "\ue007"}  # fmt: skip
_RESTORE = {"\ue000": "\\", "\ue001": "~", "\ue002": "=", "\ue003": "#", "\ue004": "{",
            "\ue005": "}", "\ue006": ":", "\ue007": "\n"}  # fmt: skip
_ESCAPE_RE = re.compile(r"\\[\\~=#{}:n]")
_TAG_RE = re.compile(r"\[(tag|rubric):((?:\\.|[^\]\\])*)\]")
_FORMAT_PREFIX_RE = re.compile(r"^\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_WEIGHT_RE = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TRUE = {"t", "true"}
_FALSE = {"f", "false"}


def _hide(text: str) -> str:
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], text)


def _show(text: str, *, strip: bool = True) -> str:
    out = "".join(_RESTORE.get(c, c) for c in text)
    return out.strip() if strip else out


def _unbracket(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), value)


class _Block:
    def __init__(self, line: int) -> None:
        self.line = line
        self.lines: list[str] = []
        self.comments: list[str] = []


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            if current is not None and current.lines:
                blocks.append(current)
                current = None
            continue
        if current is None:
            current = _Block(number)
        if line.startswith("//"):
            current.comments.append(line[2:])
        else:
            current.lines.append(raw.rstrip())
    if current is not None and current.lines:
        blocks.append(current)
    return blocks


def _split_answers(body: str) -> list[tuple[str, str]]:
    """(marker, text) for each `=`/`~` answer of an answer set."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"([=~])([^=~]*)", body)]


class _Problem(Exception):
    pass


def _answer_text(raw: str) -> tuple[str, float | None]:
    """An answer's text without its feedback, and its %weight% if it has one."""
    raw = raw.strip()
    weight = None
    m = _WEIGHT_RE.match(raw)
    if m:
        weight = float(m.group(1))
        raw = raw[m.end() :]
    text = raw.split("#", 1)[0]  # "#feedback": the platform keeps no per-option feedback
    return _show(text), weight


def _parse_answers(body: str) -> dict[str, object]:
    body, _sep, general = body.partition("####")
    fields: dict[str, object] = {"explanation": _show(general)}
    stripped = body.strip()
    head = stripped.split("#", 1)[0].strip().lower()
    if stripped == "":
        fields["kind"] = QuestionKind.SHORT
        return fields
    if head in _TRUE or head in _FALSE:
        fields.update(kind=QuestionKind.TRUE_FALSE, truth=head in _TRUE)
        return fields
    if stripped.startswith("#"):
        raise _Problem("数值题（答案以 # 开头）本平台不支持")
    if "->" in stripped:
        raise _Problem("匹配题（答案含 ->）本平台不支持")
    answers = _split_answers(stripped)
    if not answers or stripped[0] not in "=~":
        raise _Problem("答案部分应以 = 或 ~ 开头，或为 T/F，或留空（简答题）")
    texts = [_answer_text(a) for _m, a in answers]
    if any(not t for t, _w in texts):
        raise _Problem("有一个答案是空的")
    if all(m == "=" for m, _a in answers):
        fields.update(kind=QuestionKind.FILL, accepted=tuple(t for t, _w in texts))
        return fields
    weighted = any(w is not None for _t, w in texts)
    correct = tuple(
        i
        for i, ((m, _a), (_t, w)) in enumerate(zip(answers, texts, strict=True))
        if (w is not None and w > 0) or (w is None and m == "=")
    )
    if not correct:
        raise _Problem("没有标出正确答案（= 或正的 %权重%）")
    kind = QuestionKind.MULTIPLE if weighted or len(correct) > 1 else QuestionKind.SINGLE
    fields.update(kind=kind, options=tuple(t for t, _w in texts), correct=correct)
    return fields


def _meta(comments: list[str]) -> dict[str, object]:
    tags: list[str] = []
    fields: dict[str, object] = {}
    for comment in comments:
        for kind, value in _TAG_RE.findall(comment):
            value = _unbracket(value)
            if kind == "rubric":
                fields["rubric"] = value
            elif value.startswith("difficulty=") and value[11:].isdigit():
                fields["difficulty"] = min(5, max(1, int(value[11:])))
            elif value.startswith("source="):
                fields["source"] = value[7:]
            else:
                tags.append(value)
    fields["tags"] = tuple(tags)
    return fields


def _question(block: _Block) -> QuestionInput | None:
    text = _hide("\n".join(block.lines)).strip()
    if text.upper().startswith("$CATEGORY:"):
        return None
    title = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            raise _Problem("题目名称没有闭合（缺少第二个“::”）")
        title, text = _show(text[2:end]), text[end + 2 :].strip()
    text = _FORMAT_PREFIX_RE.sub("", text)
    start = text.find("{")
    if start < 0:
        raise _Problem("没有答案部分（缺少“{”）")
    end = text.find("}", start + 1)  # escaped braces are hidden
    if end < 0:
        raise _Problem("答案部分没有闭合（缺少“}”）")
    nested = text.find("{", start + 1)
    if 0 <= nested < end:
        raise _Problem("答案部分没有闭合（在“}”之前又出现了“{”）")
    before, body, after = text[:start], text[start + 1 : end], text[end + 1 :]
    if "{" in after or "}" in after:
        raise _Problem("一道题只能有一个答案部分 {…}")
    if after.strip():  # "missing word": the answer set stands where the blank is
        stem = (_show(before, strip=False) + BLANK + _show(after, strip=False)).strip()
    else:
        stem = _show(before)
    if not stem:
        raise _Problem("题干是空的")
    fields = {**_parse_answers(body), **_meta(block.comments)}
    return QuestionInput(text=stem, title=title, **fields)  # type: ignore[arg-type]


def parse(data: bytes) -> ParsedFile:
    text = decode(data)
    if isinstance(text, ParsedFile):
        return text
    questions: list[QuestionInput] = []
    problems: list[QuestionProblem] = []
    position = 0
    for block in _blocks(text):
        if block.lines[0].strip().upper().startswith("$CATEGORY:"):
            continue
        position += 1
        try:
            q = _question(block)
        except _Problem as exc:
            words = first_words(_show(re.sub(r"^::.*?::", "", _hide(" ".join(block.lines)))))
            problems.append(QuestionProblem(position, words, str(exc), block.line))
            continue
        if q is not None:
            questions.append(q)
    if not questions and not problems:
        problems.append(QuestionProblem(0, "", "文件中没有题目"))
    return ParsedFile(questions=questions, problems=problems)


# --- export ---------------------------------------------------------------------------


def escape(text: str) -> str:
    out = text.replace("\\", "\\\\")
    for c in "~=#{}:":
        out = out.replace(c, "\\" + c)
    return out.replace("\n", "\\n")


def _bracket(value: str) -> str:
    return value.replace("\\", "\\\\").replace("]", "\\]").replace("\n", "\\n")


def _weight(n: int) -> str:
    return f"{100 / n:.5f}".rstrip("0").rstrip(".")


def _answer_set(q: QuestionInput) -> str:
    if q.kind == QuestionKind.TRUE_FALSE:
        body = "TRUE" if q.truth else "FALSE"
    elif q.kind == QuestionKind.FILL:
        body = " ".join("=" + escape(a) for a in q.accepted)
    elif q.kind == QuestionKind.SINGLE:
        body = " ".join(
            ("=" if i in q.correct else "~") + escape(o) for i, o in enumerate(q.options)
        )
    elif q.kind == QuestionKind.MULTIPLE:
        right = f"%{_weight(len(q.correct))}%"
        body = " ".join(
            "~" + (right if i in q.correct else "%-100%") + escape(o)
            for i, o in enumerate(q.options)
        )
    else:
        body = ""
    if q.explanation:
        body += ("" if not body else " ") + "####" + escape(q.explanation)
    return "{" + body + "}"


def _question_text(q: QuestionInput) -> str:
    answers = _answer_set(q)
    if q.kind in (QuestionKind.FILL, *CHOICE) and BLANK in q.text:
        before, after = q.text.split(BLANK, 1)
        return escape(before) + answers + escape(after)
    return escape(q.text) + answers


def dump(questions: Sequence[QuestionInput]) -> tuple[bytes, int]:
    chunks = []
    for q in questions:
        marks = [f"[tag:{_bracket(t)}]" for t in q.tags]
        marks.append(f"[tag:difficulty={q.difficulty}]")
        if q.source:
            marks.append(f"[tag:source={_bracket(q.source)}]")
        if q.rubric:
            marks.append(f"[rubric:{_bracket(q.rubric)}]")
        title = f"::{escape(q.title)}::" if q.title else ""
        chunks.append(f"// {' '.join(marks)}\n{title}{_question_text(q)}\n")
    return "\n".join(chunks).encode(), 0
