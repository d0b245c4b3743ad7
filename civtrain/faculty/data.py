"""Public types of the teacher pool (师资库, CQ-B2)."""

from dataclasses import dataclass
from enum import StrEnum


class TeacherCategory(StrEnum):
    """CQ-B2: the pool holds leading officials who teach, managers, and experts."""

    LEADER = "leader"
    MANAGER = "manager"
    EXPERT = "expert"


TEACHER_CATEGORY_LABELS = {
    TeacherCategory.LEADER: "领导干部",
    TeacherCategory.MANAGER: "管理人员",
    TeacherCategory.EXPERT: "专家学者",
}


@dataclass(frozen=True)
class TeacherData:
    id: int
    name: str
    internal: bool
    category: str
    full_time: bool
    title: str
    subjects: tuple[str, ...]
    phone_masked: str
    user_id: int | None
