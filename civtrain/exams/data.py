"""Public types of exams: question kinds, questions as the formats carry them, papers,
attempts and campaigns (issue #14; ZZ-M1 class completion exams, ZZ-N3 year-end test)."""

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class QuestionKind(StrEnum):
    SINGLE = "single"  # 单选题: one correct option
    MULTIPLE = "multiple"  # 多选题: every correct option, no wrong one
    TRUE_FALSE = "true_false"  # 判断题
    FILL = "fill"  # 填空题: any of several accepted answers
    SHORT = "short"  # 简答题: graded by a person against a rubric


QUESTION_KIND_LABELS = {
    QuestionKind.SINGLE: "单选题",
    QuestionKind.MULTIPLE: "多选题",
    QuestionKind.TRUE_FALSE: "判断题",
    QuestionKind.FILL: "填空题",
    QuestionKind.SHORT: "简答题",
}

OBJECTIVE = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE, QuestionKind.FILL)
CHOICE = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)

# Where a fill-in-the-blank question's blank stands in its text (GIFT puts the answer set
# there; the other formats show the marker as it is).
BLANK = "____"


@dataclass(frozen=True)
class QuestionInput:
    """One question as a file carries it and a bank stores it. `correct` holds the indexes of
    the correct options (choice kinds); `truth` the answer of a true/false question;
    `accepted` the accepted answers of a fill-in-the-blank; `rubric` the reference answer
    and marking guide of a short-answer question."""

    kind: QuestionKind
    text: str
    options: tuple[str, ...] = ()
    correct: tuple[int, ...] = ()
    truth: bool | None = None
    accepted: tuple[str, ...] = ()
    rubric: str = ""
    title: str = ""
    difficulty: int = 3  # 1 (easy) … 5 (hard)
    tags: tuple[str, ...] = ()
    explanation: str = ""  # 解析: shown to candidates after release
    source: str = ""  # 出处


@dataclass(frozen=True)
class QuestionProblem:
    """Why one question of a file cannot be imported: its position (1-based) in the file,
    its first words, a reason a person understands."""

    position: int  # 0: the file as a whole (it could not be read)
    first_words: str
    reason: str
    line: int | None = None  # where the question starts in the file (Excel: its row)

    def __str__(self) -> str:
        where = f"（第 {self.line} 行）" if self.line else ""
        if self.position == 0:
            return f"整个文件{where}：{self.reason}"
        words = f"“{self.first_words}”" if self.first_words else ""
        return f"第 {self.position} 题{words}{where}：{self.reason}"


@dataclass(frozen=True)
class ParsedFile:
    questions: list[QuestionInput] = field(default_factory=list)
    problems: list[QuestionProblem] = field(default_factory=list)
    skipped: int = 0  # questions an export left out (a type the format cannot hold)

    def counts(self) -> dict[QuestionKind, int]:
        out = dict.fromkeys(QuestionKind, 0)
        for q in self.questions:
            out[q.kind] += 1
        return out


def first_words(text: str, n: int = 20) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[:n] + "…"


class PaperKind(StrEnum):
    FIXED = "fixed"  # the same questions for everyone
    BLUEPRINT = "blueprint"  # drawn per candidate by the blueprint's rows


class AttemptStatus(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"  # short answers wait for a grader
    GRADED = "graded"


class SubmittedBy(StrEnum):
    CANDIDATE = "candidate"
    SERVER = "server"  # at the deadline (ADR 0019)


@dataclass(frozen=True)
class BlueprintRow:
    """Draw `count` questions of `kind` and `difficulty` (None: any) from `bank_id`, each
    worth `points`."""

    bank_id: int
    kind: QuestionKind
    count: int
    points: Decimal
    difficulty: int | None = None
