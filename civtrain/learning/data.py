"""Public types of online learning: courseware kinds, audiences, courses as others see them."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class ItemKind(StrEnum):
    """What a course item is played with (#12 item 2)."""

    VIDEO = "video"
    PDF = "pdf"
    SCORM12 = "scorm12"
    SCORM2004 = "scorm2004"
    XAPI = "xapi"


ITEM_KIND_LABELS = {
    ItemKind.VIDEO: "视频",
    ItemKind.PDF: "文档",
    ItemKind.SCORM12: "SCORM 1.2 课件",
    ItemKind.SCORM2004: "SCORM 2004 课件",
    ItemKind.XAPI: "xAPI 课件",
}

# Kinds whose time the platform measures itself with heartbeats (PR-3); the others report
# progress through item_progress_report (SCORM runtime data, xAPI statements).
MEASURED_KINDS = frozenset({ItemKind.VIDEO, ItemKind.PDF})


class ProgressSource(StrEnum):
    """Who marked an item done: the platform's own measurement or a courseware standard."""

    HEARTBEAT = "heartbeat"
    SCORM = "scorm"
    XAPI = "xapi"


# The flags a course audience may ask for, named as on PersonData (#12 item 1).
AUDIENCE_FLAGS = ("grassroots", "basic_post", "law_enforcement", "new_hire")

# A new hire (新录用) is someone who reported for duty within this many days (ZZ-T1 初任).
NEW_HIRE_DAYS = 365


@dataclass(frozen=True)
class Audience:
    """Who a course (or a plan entry) is for (#12 item 1): every given criterion must hold;
    an empty list or tuple means "anyone". `org_path` is a subtree ("" = the publisher's)."""

    org_path: str = ""
    categories: tuple[str, ...] = ()  # people.data.Category
    ranks: tuple[str, ...] = ()
    leadership_levels: tuple[str, ...] = ()  # people.data.LeadershipLevel
    flags: tuple[str, ...] = ()  # AUDIENCE_FLAGS: 双基 / law enforcement / new hires

    def as_json(self) -> dict[str, Any]:
        return {
            "categories": list(self.categories),
            "ranks": list(self.ranks),
            "leadership_levels": list(self.leadership_levels),
            "flags": list(self.flags),
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any] | None, org_path: str = "") -> "Audience":
        value = value or {}
        return cls(
            org_path=org_path,
            categories=tuple(value.get("categories") or ()),
            ranks=tuple(value.get("ranks") or ()),
            leadership_levels=tuple(value.get("leadership_levels") or ()),
            flags=tuple(value.get("flags") or ()),
        )

    def admits(self, person: Any, on: dt.date) -> bool:
        """Whether `person` (a people.data.PersonData) is in this audience on `on`."""
        if self.org_path and not person.unit_path.startswith(self.org_path):
            return False
        if self.categories and person.category not in self.categories:
            return False
        if self.ranks and person.rank not in self.ranks:
            return False
        if self.leadership_levels and person.leadership_level not in self.leadership_levels:
            return False
        return all(_has_flag(person, flag, on) for flag in self.flags)


def _has_flag(person: Any, flag: str, on: dt.date) -> bool:
    if flag == "new_hire":
        reported = person.reporting_date
        return reported is not None and 0 <= (on - reported).days <= NEW_HIRE_DAYS
    return bool(getattr(person, flag, False))


@dataclass(frozen=True)
class ItemData:
    id: int
    course_id: int
    chapter_id: int | None
    kind: ItemKind
    title: str
    ref: str  # a stored file name, a SCORM package id, an activity IRI
    duration_seconds: int | None  # video length; a document's expected reading time
    position: int
    pages: int | None = None  # documents


@dataclass(frozen=True)
class ChapterData:
    id: int
    course_id: int
    title: str
    position: int


@dataclass(frozen=True)
class CourseData:
    id: int
    title: str
    description: str
    org_id: int
    org_code: str
    org_path: str
    kind: ItemKind  # the courseware kind of the course's (first) item
    hours: Decimal | None  # fixed 学时; None: the governing set's crediting policy (PR-1)
    subject_hours: Mapping[str, Decimal]
    required: bool
    audience: Audience
    available_from: dt.date | None
    available_until: dt.date | None
    activity_iri: str
    published: bool
    duration_seconds: int  # the items' total length
    item_count: int
    cover: str = ""


@dataclass(frozen=True)
class ItemProgressData:
    item_id: int
    person_id: int
    furthest_seconds: Decimal
    earned_seconds: Decimal
    completed: bool
    score: Decimal | None
    source: str


@dataclass(frozen=True)
class CompletionData:
    id: int
    person_id: int
    course_id: int
    year: int
    hours: Decimal
    ledger_entry_id: int | None
    source: str
    completed_at: dt.datetime
    revoked: bool = False
    created: bool = True  # False when the course had been completed before (idempotent)


@dataclass(frozen=True)
class ItemInput:
    kind: ItemKind
    title: str
    ref: str
    duration_seconds: int | None = None
    chapter_id: int | None = None
    pages: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
