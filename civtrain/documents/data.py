"""Public types of documents: what kinds there are, an issued document, a verification."""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class DocumentKind(StrEnum):
    BOOKLET = "booklet"  # 公务员培训证书 (ZZ-M3)
    TRANSCRIPT = "transcript"  # 年度培训学时证明, one person, one year
    COMPLETION_FORM = "completion-form"  # 结业考试考核情况登记表, one person, one class (ZZ-M3)
    CLASS_CERTIFICATE = "class-certificate"  # 结业证书, each trainee who passed
    ASSESSMENT_EXTRACT = "assessment-extract"  # 年度考核登记表 training extract (CQ-M3)
    APPOINTMENT_EXTRACT = "appointment-extract"  # 干部任免审批表: off-the-job over 2 months
    HALF_YEAR_NOTICE = "half-year-notice"  # 在线学习半年通报 of an org node (ZZ-N2, issue #12)


KIND_LABELS = {
    DocumentKind.BOOKLET: "公务员培训证书",
    DocumentKind.TRANSCRIPT: "年度培训学时证明",
    DocumentKind.COMPLETION_FORM: "结业考试考核情况登记表",
    DocumentKind.CLASS_CERTIFICATE: "结业证书",
    DocumentKind.ASSESSMENT_EXTRACT: "年度考核登记表培训情况摘录",
    DocumentKind.APPOINTMENT_EXTRACT: "干部任免审批表培训情况摘录",
    DocumentKind.HALF_YEAR_NOTICE: "在线学习半年通报",
}
# What a kind needs besides the person: a year, a class.
NEEDS_YEAR = {DocumentKind.TRANSCRIPT, DocumentKind.ASSESSMENT_EXTRACT}
NEEDS_CLASS = {DocumentKind.COMPLETION_FORM, DocumentKind.CLASS_CERTIFICATE}
# Documents of an org node, not of a person: issued by their own service (notice_issue).
ORG_KINDS = {DocumentKind.HALF_YEAR_NOTICE}
PERSON_KINDS = [k for k in DocumentKind if k not in ORG_KINDS]
# The extracts are also given as text to paste into the forms (CQ-M3).
TEXT_KINDS = {DocumentKind.ASSESSMENT_EXTRACT, DocumentKind.APPOINTMENT_EXTRACT}


@dataclass(frozen=True)
class DocumentRequest:
    """Which document: a kind for a person, with the year or class the kind needs."""

    kind: DocumentKind
    person_id: int
    year: int | None = None
    class_id: int | None = None


@dataclass(frozen=True)
class DocumentData:
    serial: str
    kind: DocumentKind
    person_id: int | None  # None for an org node's document (ORG_KINDS)
    year: int | None
    class_id: int | None
    issued_at: dt.datetime
    key_id: str
    signature: str  # of the content, base64 (documents.sealing)
    superseded_by: str  # the serial of the document that replaced this one, or ""
    content: dict[str, Any]  # the signed content (see documents/content.py)

    @property
    def title(self) -> str:
        return KIND_LABELS[self.kind]


class VerifyStatus(StrEnum):
    GENUINE = "genuine"
    ALTERED = "altered"  # the file or its content does not match its signature
    UNKNOWN_KEY = "unknown_key"  # signed with a key this platform never used
    SUPERSEDED = "superseded"  # genuine, but replaced after a ledger correction
    NOT_A_DOCUMENT = "not_a_document"  # no civtrain signature in the file at all
    UNKNOWN_SERIAL = "unknown_serial"  # well signed, but the platform has no such document


VERIFY_LABELS = {
    VerifyStatus.GENUINE: "真实有效",
    VerifyStatus.ALTERED: "文件已被篡改",
    VerifyStatus.UNKNOWN_KEY: "签名密钥不明",
    VerifyStatus.SUPERSEDED: "已被新版本取代",
    VerifyStatus.NOT_A_DOCUMENT: "不是本平台签发的文件",
    VerifyStatus.UNKNOWN_SERIAL: "平台无此编号的文件",
}
# `civtrain verify-document`'s exit status per outcome: 0 only for a genuine, current one.
EXIT_CODES = {
    VerifyStatus.GENUINE: 0,
    VerifyStatus.ALTERED: 1,
    VerifyStatus.UNKNOWN_KEY: 2,
    VerifyStatus.SUPERSEDED: 3,
    VerifyStatus.NOT_A_DOCUMENT: 4,
    VerifyStatus.UNKNOWN_SERIAL: 5,
}


@dataclass(frozen=True)
class VerifyOutcome:
    status: VerifyStatus
    reason: str  # one sentence a person understands
    content: dict[str, Any] | None = None  # the signed content, when the signature holds
    key_id: str = ""
    superseded_by: str = ""

    @property
    def ok(self) -> bool:
        return self.status == VerifyStatus.GENUINE
