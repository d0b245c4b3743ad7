"""Public types of the teacher pool (师资库, CQ-B2)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class TeacherData:
    id: int
    name: str
    internal: bool
    title: str
    subjects: tuple[str, ...]
    phone_masked: str
    user_id: int | None
