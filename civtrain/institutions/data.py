"""Public types of the institution registry (CQ-B1)."""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class InstitutionKind(StrEnum):
    PARTY_SCHOOL = "party_school"  # 党校
    ADMIN_ACADEMY = "admin_academy"  # 行政学院
    UNIVERSITY = "university"  # 高校
    TRAINING_BASE = "training_base"  # 培训基地
    OTHER = "other"


INSTITUTION_KIND_LABELS = {
    InstitutionKind.PARTY_SCHOOL: "党校",
    InstitutionKind.ADMIN_ACADEMY: "行政学院",
    InstitutionKind.UNIVERSITY: "高校",
    InstitutionKind.TRAINING_BASE: "培训基地",
    InstitutionKind.OTHER: "其他",
}


class ApplicationStatus(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"


APPLICATION_STATUS_LABELS = {
    ApplicationStatus.PENDING: "待审核",
    ApplicationStatus.GRANTED: "已认定",
    ApplicationStatus.REFUSED: "不予认定",
}


@dataclass(frozen=True)
class InstitutionData:
    id: int
    name: str
    kind: InstitutionKind
    org_id: int
    org_path: str
    recognised_from: dt.date | None
    recognised_to: dt.date | None

    def recognised_on(self, start: dt.date, end: dt.date) -> bool:
        """True when the recognition period covers every day from `start` to `end` (CQ-B1)."""
        if self.recognised_from is None or self.recognised_to is None:
            return False
        return self.recognised_from <= start and end <= self.recognised_to
