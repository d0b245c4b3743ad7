"""Moodle XML (issue #14 item 1), as Moodle documents it: `<quiz>` of `<question type=…>`
with `<name>`, `<questiontext>`, `<generalfeedback>` (our explanation), `<answer
fraction=…>` and `<tags>`. Types read: multichoice (`<single>` true: single choice, false:
multiple; a positive fraction marks a correct option), truefalse, shortanswer (our
fill-in-the-blank), essay (our short answer; `<graderinfo>` is the rubric); `category` and
`description` entries are skipped. Any other type is refused by name. Difficulty and source
travel as the tags `difficulty=N` and `source=…` (ADR 0019).

Text in `format="html"` is read as plain text (tags removed, entities resolved, `<p>` and
`<br>` as line breaks); the export writes `plain_text`, the XML writer escaping `& < >`.
A file with a DOCTYPE is refused: Moodle never writes one, and entity declarations are how
hostile XML expands (ADR 0014).
"""

import html
import re
from collections.abc import Sequence
from xml.etree import ElementTree as ET
from xml.parsers.expat import errors as expat_errors

from civtrain.exams.data import (
    ParsedFile,
    QuestionInput,
    QuestionKind,
    QuestionProblem,
    first_words,
)
from civtrain.exams.formats.text import decode

SUPPORTED = ("multichoice", "truefalse", "shortanswer", "essay")
SKIPPED = ("category", "description")


# What expat says, in words a bank author understands.
_XML_ERRORS = {
    expat_errors.XML_ERROR_TAG_MISMATCH: "开始标签与结束标签不匹配",
    expat_errors.XML_ERROR_UNCLOSED_TOKEN: "文件在元素结束之前中断",
    expat_errors.XML_ERROR_NO_ELEMENTS: "文件在元素结束之前中断",
    expat_errors.XML_ERROR_INVALID_TOKEN: "有不合法的字符或写法",
    expat_errors.XML_ERROR_SYNTAX: "有不合法的字符或写法",
    expat_errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT: "根元素 </quiz> 之后还有内容",
    expat_errors.XML_ERROR_UNDEFINED_ENTITY: "有未定义的实体（& 应写作 &amp;）",
}
_XML_ERROR_BY_CODE = {expat_errors.codes[m]: text for m, text in _XML_ERRORS.items()}


class _Problem(Exception):
    pass


def _plain(node: ET.Element | None) -> str:
    """The text of a Moodle text element (`<x format=…><text>…</text></x>`)."""
    if node is None:
        return ""
    inner = node.find("text")
    raw = (inner.text if inner is not None else node.text) or ""
    if node.get("format", "html") in ("html", "moodle_auto_format"):
        raw = re.sub(r"(?i)<br\s*/?>|</p>\s*<p[^>]*>", "\n", raw)
        raw = html.unescape(re.sub(r"<[^>]+>", "", raw))
    return raw.strip()


def _fraction(answer: ET.Element) -> float:
    try:
        return float(answer.get("fraction", "0"))
    except ValueError:
        raise _Problem(f"答案的 fraction“{answer.get('fraction')}”不是数字") from None


def _meta(q: ET.Element) -> dict[str, object]:
    tags: list[str] = []
    fields: dict[str, object] = {}
    for tag in q.findall("tags/tag"):
        value = _plain(tag)
        if value.startswith("difficulty=") and value[11:].isdigit():
            fields["difficulty"] = min(5, max(1, int(value[11:])))
        elif value.startswith("source="):
            fields["source"] = value[7:]
        elif value:
            tags.append(value)
    fields["tags"] = tuple(tags)
    return fields


def _question(q: ET.Element, qtype: str) -> QuestionInput:
    text = _plain(q.find("questiontext"))
    if not text:
        raise _Problem("题干是空的")
    answers = [(_plain(a), _fraction(a)) for a in q.findall("answer")]
    fields: dict[str, object] = {
        "text": text,
        "title": _plain(q.find("name")),
        "explanation": _plain(q.find("generalfeedback")),
        **_meta(q),
    }
    if qtype == "multichoice":
        single = (q.findtext("single") or "true").strip().lower() in ("true", "1")
        if len(answers) < 2:
            raise _Problem("选择题至少需要两个选项")
        if any(not t for t, _f in answers):
            raise _Problem("有一个选项是空的")
        correct = tuple(i for i, (_t, f) in enumerate(answers) if f > 0)
        if not correct:
            raise _Problem("没有正确选项（fraction 大于 0 的答案）")
        if single and len(correct) > 1:
            raise _Problem("单选题（single 为 true）只能有一个正确选项")
        kind = QuestionKind.SINGLE if single else QuestionKind.MULTIPLE
        return QuestionInput(
            kind=kind,
            options=tuple(t for t, _f in answers),
            correct=correct,
            **fields,  # type: ignore[arg-type]
        )
    if qtype == "truefalse":
        right = [t.lower() for t, f in answers if f > 0]
        if len(right) != 1 or right[0] not in ("true", "false"):
            raise _Problem("判断题应有且只有一个 fraction 为 100 的 true 或 false 答案")
        return QuestionInput(kind=QuestionKind.TRUE_FALSE, truth=right[0] == "true", **fields)  # type: ignore[arg-type]
    if qtype == "shortanswer":
        accepted = tuple(t for t, f in answers if f > 0 and t)
        if not accepted:
            raise _Problem("填空题没有可接受的答案（fraction 大于 0 的答案）")
        return QuestionInput(kind=QuestionKind.FILL, accepted=accepted, **fields)  # type: ignore[arg-type]
    rubric = _plain(q.find("graderinfo"))
    return QuestionInput(kind=QuestionKind.SHORT, rubric=rubric, **fields)  # type: ignore[arg-type]


def parse(data: bytes) -> ParsedFile:
    text = decode(data)
    if isinstance(text, ParsedFile):
        return text
    if re.search(r"<!DOCTYPE|<!ENTITY", text, re.IGNORECASE):
        return ParsedFile(
            problems=[
                QuestionProblem(0, "", "文件含有 DOCTYPE 或实体声明，Moodle XML 不含这些，已拒绝")
            ]
        )
    try:
        root = ET.fromstring(text.lstrip("\ufeff"))  # nosec B314  # noqa: S314  # no DOCTYPE: checked above
    except ET.ParseError as exc:
        line, column = exc.position
        why = _XML_ERROR_BY_CODE.get(exc.code, "格式有误")
        reason = f"不是格式正确的 XML：第 {line} 行第 {column + 1} 列{why}"
        return ParsedFile(problems=[QuestionProblem(0, "", reason, line)])
    if root.tag != "quiz":
        return ParsedFile(
            problems=[QuestionProblem(0, "", f"根元素应为 <quiz>，而不是 <{root.tag}>")]
        )
    questions: list[QuestionInput] = []
    problems: list[QuestionProblem] = []
    position = 0
    for q in root.findall("question"):
        qtype = q.get("type", "")
        if qtype in SKIPPED:
            continue
        position += 1
        try:
            if qtype not in SUPPORTED:
                raise _Problem(
                    f"题型“{qtype}”不受支持（可导入 {'、'.join(SUPPORTED)}）"
                    if qtype
                    else "缺少题型（type 属性）"
                )
            questions.append(_question(q, qtype))
        except _Problem as exc:
            words = first_words(_plain(q.find("questiontext")) or _plain(q.find("name")))
            problems.append(QuestionProblem(position, words, str(exc)))
    if not questions and not problems:
        problems.append(QuestionProblem(0, "", "文件中没有题目"))
    return ParsedFile(questions=questions, problems=problems)


# --- export ---------------------------------------------------------------------------

_TYPES = {
    QuestionKind.SINGLE: "multichoice",
    QuestionKind.MULTIPLE: "multichoice",
    QuestionKind.TRUE_FALSE: "truefalse",
    QuestionKind.FILL: "shortanswer",
    QuestionKind.SHORT: "essay",
}


def _text(parent: ET.Element, name: str, value: str, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, name, attrs)
    ET.SubElement(node, "text").text = value
    return node


def _answers(node: ET.Element, q: QuestionInput) -> None:
    if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        ET.SubElement(node, "single").text = "true" if q.kind == QuestionKind.SINGLE else "false"
        ET.SubElement(node, "shuffleanswers").text = "true"
        ET.SubElement(node, "answernumbering").text = "ABCD"
        right = f"{100 / len(q.correct):.5f}".rstrip("0").rstrip(".")
        for i, option in enumerate(q.options):
            wrong = "0" if q.kind == QuestionKind.SINGLE else "-100"
            fraction = right if i in q.correct else wrong
            _text(node, "answer", option, fraction=fraction, format="plain_text")
    elif q.kind == QuestionKind.TRUE_FALSE:
        for value in ("true", "false"):
            fraction = "100" if (value == "true") == bool(q.truth) else "0"
            _text(node, "answer", value, fraction=fraction, format="moodle_auto_format")
    elif q.kind == QuestionKind.FILL:
        ET.SubElement(node, "usecase").text = "0"
        for accepted in q.accepted:
            _text(node, "answer", accepted, fraction="100", format="plain_text")
    else:
        ET.SubElement(node, "responseformat").text = "plain"
        _text(node, "graderinfo", q.rubric, format="plain_text")


def dump(questions: Sequence[QuestionInput]) -> tuple[bytes, int]:
    root = ET.Element("quiz")
    for q in questions:
        node = ET.SubElement(root, "question", type=_TYPES[q.kind])
        _text(node, "name", q.title or first_words(q.text, 40))
        _text(node, "questiontext", q.text, format="plain_text")
        _text(node, "generalfeedback", q.explanation, format="plain_text")
        ET.SubElement(node, "defaultgrade").text = "1"
        _answers(node, q)
        tags = ET.SubElement(node, "tags")
        for value in (
            *q.tags,
            f"difficulty={q.difficulty}",
            *([f"source={q.source}"] if q.source else []),
        ):
            _text(tags, "tag", value)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(
        root, encoding="utf-8", xml_declaration=False
    ) + b"\n", 0
