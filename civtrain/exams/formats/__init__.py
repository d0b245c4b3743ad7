"""Question files in the formats other platforms use (issue #14 item 1): Moodle XML, GIFT,
Aiken and the Excel template with Chinese headers. Each format module offers
`parse(data: bytes) -> ParsedFile` (every question checked; problems named by position and
first words, nothing half-read) and `dump(questions) -> ParsedFile`-like output through
`export`. Written to the formats' public specifications (Moodle's documentation of GIFT,
Aiken and Moodle XML); ADR 0019 lists what each format can and cannot carry."""

from collections.abc import Callable, Sequence

from civtrain.exams.data import ParsedFile, QuestionInput, QuestionProblem
from civtrain.exams.formats import aiken, gift, moodle_xml, xlsx

Parser = Callable[[bytes], ParsedFile]
Dumper = Callable[[Sequence[QuestionInput]], tuple[bytes, int]]

FORMATS: dict[str, tuple[Parser, Dumper, str, str]] = {
    # name: (parse, dump, file suffix, content type)
    "gift": (gift.parse, gift.dump, "gift.txt", "text/plain; charset=utf-8"),
    "moodle-xml": (moodle_xml.parse, moodle_xml.dump, "xml", "application/xml"),
    "aiken": (aiken.parse, aiken.dump, "aiken.txt", "text/plain; charset=utf-8"),
    "xlsx": (
        xlsx.parse,
        xlsx.dump,
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}

MAX_FILE_BYTES = 20 * 1024 * 1024


def parse_file(data: bytes, fmt: str) -> ParsedFile:
    """The questions of a file, or its problems; an unknown format or an oversized file is
    one problem for the whole file."""
    if fmt not in FORMATS:
        names = "、".join(FORMATS)
        return ParsedFile(problems=[QuestionProblem(0, "", f"未知的格式“{fmt}”（应为 {names}）")])
    if len(data) > MAX_FILE_BYTES:
        return ParsedFile(problems=[QuestionProblem(0, "", "文件超过 20 MB，请拆分后导入")])
    return FORMATS[fmt][0](data)


def export_file(questions: Sequence[QuestionInput], fmt: str) -> tuple[bytes, int]:
    """(file bytes, how many questions the format could not hold and left out)."""
    return FORMATS[fmt][1](questions)
