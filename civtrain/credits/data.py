"""Public types of the credit ledger: the single source of truth for hours (ARCHITECTURE §2)."""

from enum import StrEnum


class SourceType(StrEnum):
    CLASS = "class"  # a training class's final result
    ONLINE_COURSE = "online_course"
    EXAM = "exam"
    EXTERNAL_CLAIM = "external_claim"  # approved external or degree study (ZZ-T2(3))
    HISTORICAL_IMPORT = "historical_import"
    MANUAL = "manual"
    REVERSAL = "reversal"  # cancels one earlier entry (CQ-M3: corrections are new entries)


SOURCE_LABELS = {
    SourceType.CLASS: "培训班",
    SourceType.ONLINE_COURSE: "网络课程",
    SourceType.EXAM: "考试",
    SourceType.EXTERNAL_CLAIM: "外部学习申报",
    SourceType.HISTORICAL_IMPORT: "历史记录导入",
    SourceType.MANUAL: "手工登记",
    SourceType.REVERSAL: "冲正",
}


class Result(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NONE = ""  # no assessment recorded
