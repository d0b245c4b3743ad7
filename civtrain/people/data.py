"""Vocabulary of the civil-servant registry: categories, ranks, leadership levels, events."""

import datetime as dt
import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from civtrain.core.text import compact, normalise


class Gender(StrEnum):
    MALE = "M"
    FEMALE = "F"


GENDER_LABELS = {Gender.MALE: "男", Gender.FEMALE: "女"}


class Category(StrEnum):
    GENERAL = "general"  # 综合管理类
    PROFESSIONAL = "professional"  # 专业技术类
    LAW_ENFORCEMENT = "enforcement"  # 行政执法类


CATEGORY_LABELS = {
    Category.GENERAL: "综合管理类",
    Category.PROFESSIONAL: "专业技术类",
    Category.LAW_ENFORCEMENT: "行政执法类",
}


class Status(StrEnum):
    ACTIVE = "active"
    TRANSFERRED_OUT = "transferred_out"
    RETIRED = "retired"


STATUS_LABELS = {Status.ACTIVE: "在职", Status.TRANSFERRED_OUT: "调出", Status.RETIRED: "退休"}


class LeadershipLevel(StrEnum):
    """领导职务层次, highest first."""

    MINISTERIAL_CHIEF = "ministerial_chief"
    MINISTERIAL_DEPUTY = "ministerial_deputy"
    BUREAU_CHIEF = "bureau_chief"
    BUREAU_DEPUTY = "bureau_deputy"
    DIVISION_CHIEF = "division_chief"
    DIVISION_DEPUTY = "division_deputy"
    SECTION_CHIEF = "section_chief"
    SECTION_DEPUTY = "section_deputy"


LEVEL_LABELS = {
    LeadershipLevel.MINISTERIAL_CHIEF: "省部级正职",
    LeadershipLevel.MINISTERIAL_DEPUTY: "省部级副职",
    LeadershipLevel.BUREAU_CHIEF: "厅局级正职",
    LeadershipLevel.BUREAU_DEPUTY: "厅局级副职",
    LeadershipLevel.DIVISION_CHIEF: "县处级正职",
    LeadershipLevel.DIVISION_DEPUTY: "县处级副职",
    LeadershipLevel.SECTION_CHIEF: "乡科级正职",
    LeadershipLevel.SECTION_DEPUTY: "乡科级副职",
}
# The tier a level belongs to, for rules that say "division level" (处级) or "section level".
LEVEL_TIER = {
    LeadershipLevel.MINISTERIAL_CHIEF: "ministerial",
    LeadershipLevel.MINISTERIAL_DEPUTY: "ministerial",
    LeadershipLevel.BUREAU_CHIEF: "bureau",
    LeadershipLevel.BUREAU_DEPUTY: "bureau",
    LeadershipLevel.DIVISION_CHIEF: "division",
    LeadershipLevel.DIVISION_DEPUTY: "division",
    LeadershipLevel.SECTION_CHIEF: "section",
    LeadershipLevel.SECTION_DEPUTY: "section",
}
_LEVEL_ALIASES: dict[str, LeadershipLevel] = {}
for _level, _label in LEVEL_LABELS.items():
    _tier, _grade = _label[:3], _label[3]  # "县处级", "正"/"副"
    short = {"省部级": "部", "厅局级": "厅", "县处级": "处", "乡科级": "科"}[_tier]
    for alias in (
        _label,
        _label[:4],
        _tier + _grade + "级",
        _grade + short,
        _grade + short + "级",
        _level.value,
    ):
        _LEVEL_ALIASES[alias] = _level


def parse_level(text: str) -> LeadershipLevel | None:
    """'县处级副职', '县处级副', '副处' and 'division_deputy' all read; '' or '无' is none."""
    key = compact(text)
    if key in ("", "无", "-", "—"):
        return None
    try:
        return _LEVEL_ALIASES[key]
    except KeyError:
        raise ValueError(f"无法识别的职务层次“{text}”") from None


@dataclass(frozen=True)
class Rank:
    name: str
    category: Category
    # Position of the 综合管理类 equivalent, 1 = 一级巡视员 … 12 = 二级科员 (NAT-7).
    equivalent: int


_GENERAL = [
    "一级巡视员",
    "二级巡视员",
    "一级调研员",
    "二级调研员",
    "三级调研员",
    "四级调研员",
    "一级主任科员",
    "二级主任科员",
    "三级主任科员",
    "四级主任科员",
    "一级科员",
    "二级科员",
]
# Equivalences of the other categories' ranks (NAT-7). The compliance rule sets may
# override this table; it is kept here so the registry can validate what it stores.
_PROFESSIONAL = {
    "一级总监": 1,
    "二级总监": 2,
    "一级高级主管": 3,
    "二级高级主管": 4,
    "三级高级主管": 5,
    "四级高级主管": 6,
    "一级主管": 7,
    "二级主管": 8,
    "三级主管": 9,
    "四级主管": 10,
    "专业技术员": 11,
}
_ENFORCEMENT = {
    "督办": 3,
    "一级高级主办": 4,
    "二级高级主办": 5,
    "三级高级主办": 6,
    "四级高级主办": 7,
    "一级主办": 8,
    "二级主办": 9,
    "三级主办": 10,
    "四级主办": 11,
    "一级行政执法员": 11,
    "二级行政执法员": 12,
}

RANKS: dict[str, Rank] = {
    **{n: Rank(n, Category.GENERAL, i + 1) for i, n in enumerate(_GENERAL)},
    **{n: Rank(n, Category.PROFESSIONAL, e) for n, e in _PROFESSIONAL.items()},
    **{n: Rank(n, Category.LAW_ENFORCEMENT, e) for n, e in _ENFORCEMENT.items()},
}
GENERAL_RANKS = tuple(_GENERAL)


def parse_rank(text: str) -> str:
    key = compact(text)
    if key in ("", "无"):
        return ""
    if key not in RANKS:
        raise ValueError(f"无法识别的职级“{text}”")
    return key


def parse_category(text: str) -> Category:
    key = compact(text)
    for cat, label in CATEGORY_LABELS.items():
        if key in (label, label[:-1], cat.value):
            return cat
    raise ValueError(f"人员类别应为 综合管理类/专业技术类/行政执法类，而不是“{text}”")


def parse_gender(text: str) -> Gender:
    key = compact(text).upper()
    if key in ("男", "M", "MALE", "1"):
        return Gender.MALE
    if key in ("女", "F", "FEMALE", "2"):
        return Gender.FEMALE
    raise ValueError(f"性别应为 男/女，而不是“{text}”")


class EventKind(StrEnum):
    HIRED = "hired"
    PROMOTED = "promoted"
    RANK_CHANGE = "rank_change"
    TRANSFER = "transfer"
    RETIREMENT = "retirement"
    # A change of category or flags (转任 to another category, a post becoming 双基 or
    # law-enforcement) with no other event (issue #10 item 4); any event may carry them.
    RECLASSIFIED = "reclassified"


EVENT_LABELS = {
    EventKind.HIRED: "录用",
    EventKind.PROMOTED: "晋升",
    EventKind.RANK_CHANGE: "职级调整",
    EventKind.TRANSFER: "调动",
    EventKind.RETIREMENT: "退休",
    EventKind.RECLASSIFIED: "类别调整",
}


def parse_event_kind(text: str) -> EventKind:
    key = compact(text)
    for kind, label in EVENT_LABELS.items():
        if key in (label, kind.value):
            return kind
    raise ValueError(f"事件类型应为 录用/晋升/职级调整/调动/退休/类别调整，而不是“{text}”")


# --- what a career event changes; a person's attributes on a date ----------------------
# A person's attributes on a date derived from career events (CQ-T6; REQUIREMENTS §8 "Who
# is in an audience" and "Which set governs"; issue #10 items 4 and 5). Pure functions over
# event rows (dicts with the CareerEvent fields, `unit_id` and `from_unit_id` for the
# units), shared by the registry's replay (services) and the compliance engine, so the two
# cannot read a history differently.
#
# An event records the values it sets (blank or None: unchanged) and, when it is recorded,
# what it replaced: a transfer its origin unit (`from_unit_id`: the events import's
# 原单位编码, else the unit the person was in just before), every event the other attributes
# it changed (`before`). On a date, each attribute is the value set by the latest event on
# or before it; before the first event that sets it, the value that event replaced; with no
# such event, the registry's value (what the roster says).

FLAGS = ("grassroots", "basic_post", "law_enforcement")
# The attributes events set besides the unit; `before` keeps the replaced ones by these keys.
TRACKED = ("category", "rank", "leadership_level", *FLAGS)
LEVEL_EVENTS = frozenset({EventKind.HIRED, EventKind.PROMOTED, EventKind.TRANSFER})
UNIT_EVENTS = frozenset({EventKind.HIRED, EventKind.TRANSFER})
UNIT = "unit_id"


def event_changes(e: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes event row `e` sets, with their new values."""
    kind = e["kind"]
    out: dict[str, Any] = {}
    if e.get("leadership_level") and kind in LEVEL_EVENTS:
        out["leadership_level"] = e["leadership_level"]
    if e.get("rank"):
        out["rank"] = e["rank"]
    if e.get("category"):
        out["category"] = e["category"]
    for flag in FLAGS:
        if e.get(flag) is not None:
            out[flag] = bool(e[flag])
    if e.get(UNIT) and kind in UNIT_EVENTS:
        out[UNIT] = e[UNIT]
    return out


def replaced(e: Mapping[str, Any], key: str) -> Any:
    """What event row `e` replaced for `key`, as recorded with it; None if unrecorded."""
    if key == UNIT:
        return e.get("from_unit_id")
    return (e.get("before") or {}).get(key)


def attributes_on(
    person: dict[str, Any], events: Sequence[Mapping[str, Any]], on: dt.date
) -> dict[str, Any]:
    """`person`'s tracked attributes and unit on `on`, derived from `events` (sorted by
    date); `person` itself when nothing differs (callers cache on the values).

    Events recorded before the replaced values were kept (issue #10 item 4) have no
    `before`: then, as before, a leadership level set later means no recorded post yet, and
    any other attribute is the registry's."""
    if not events:
        return person
    found: dict[str, Any] = {}
    first_after: dict[str, Mapping[str, Any]] = {}
    for e in events:
        changes = event_changes(e)
        if e["date"] <= on:
            found.update(changes)
        else:
            for key in changes:
                first_after.setdefault(key, e)
    for key, e in first_after.items():
        if key in found:
            continue
        value = replaced(e, key)
        if value is None:
            value = "" if key == "leadership_level" else person.get(key)
        found[key] = value
    if all(person.get(k) == v for k, v in found.items()):
        return person
    return {**person, **found}


def unit_on(registry_unit_id: int, events: Sequence[Mapping[str, Any]], on: dt.date) -> int:
    """The unit a person belonged to on `on` (§8 "Which set governs"): the unit of their
    last hired/transfer event on or before it; before the first, the origin that transfer
    recorded; else the registry unit. `events` sorted by date."""
    found = None
    for e in events:
        if e["kind"] not in UNIT_EVENTS or not e.get(UNIT):
            continue
        if e["date"] <= on:
            found = e[UNIT]
            continue
        if found is None:
            origin = replaced(e, UNIT)
            if origin is not None:
                return int(origin)
        break
    return registry_unit_id if found is None else found


# GB 11643-1999 check digit.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    return _CHECK[sum(map(operator.mul, map(int, first17), _WEIGHTS)) % 11]


def parse_id_number(text: str) -> str:
    """A valid 18-character resident ID number, upper-cased; raises ValueError with why."""
    value = compact(text).upper()
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        raise ValueError("身份证号应为18位（前17位数字，末位数字或X）")
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValueError("身份证号中的出生日期不存在") from None
    if id_check_digit(value[:17]) != value[17]:
        raise ValueError("身份证号校验位错误")
    return value


def birth_date_of(id_number: str) -> dt.date:
    """The birth date a valid ID number carries (digits 7–14)."""
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def mask_id_number(value: str) -> str:
    """The display form of an ID number: the province (first two digits) and nothing else.

    Shown beside a birth year and a gender, it leaves about 10⁵–10⁷ candidate numbers; the
    old form (first four, last four) beside a full birth date left one (issue 8 item 3,
    ADR 0003 explains the count)."""
    return value[:2] + "*" * (len(value) - 2)


def mask_phone(value: str) -> str:
    """The display form of a mobile number: the carrier prefix and the last two digits."""
    return value[:3] + "*" * (len(value) - 5) + value[-2:] if len(value) >= 7 else "*" * len(value)


# The masks written before issue 8 item 3, still inside old audit rows (append-only).
_LEGACY_ID_MASK = re.compile(r"(?<![0-9X*])([0-9]{2})[0-9]{2}\*{10}[0-9X]{4}(?![0-9X*])")
_LEGACY_PHONE_MASK = re.compile(r"(?<![0-9*])(1[0-9]{2})\*{4}[0-9]{2}([0-9]{2})(?![0-9*])")


def mask_birth_date(value: dt.date | str | None) -> str | None:
    """A birth date where a masked ID number may be beside it (audit rows): the year only."""
    if not value:
        return None
    return f"{str(value)[:4]}-**-**"


def remask_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Audit `changes` as shown: old-form masks re-masked, birth dates to the year."""

    def one(key: str, value: Any) -> Any:
        if isinstance(value, list):
            return [one(key, v) for v in value]
        if key == "birth_date" and isinstance(value, str):
            return mask_birth_date(value)
        return remask_legacy(value) if isinstance(value, str) else value

    return {key: one(key, value) for key, value in changes.items()}


def remask_legacy(text: str) -> str:
    """`text` with any ID or phone mask of the old forms shown in the current forms."""
    text = _LEGACY_ID_MASK.sub(lambda m: mask_id_number(m.group(1) + "0" * 16), text)
    return _LEGACY_PHONE_MASK.sub(lambda m: m.group(1) + "******" + m.group(2), text)


@dataclass(frozen=True)
class PersonData:
    id: int
    name: str
    id_number_masked: str
    gender: Gender
    birth_date: dt.date | None
    unit_id: int
    unit_path: str
    category: Category
    rank: str
    leadership_level: LeadershipLevel | None
    grassroots: bool
    basic_post: bool
    law_enforcement: bool
    reporting_date: dt.date | None
    status: Status
    user_id: int | None


@dataclass(frozen=True)
class CareerEventData:
    id: int
    person_id: int
    kind: EventKind
    date: dt.date
    leadership_level: LeadershipLevel | None
    rank: str
    unit_id: int | None
    category: Category | None = None
    grassroots: bool | None = None
    basic_post: bool | None = None
    law_enforcement: bool | None = None
    from_unit_id: int | None = None  # a transfer's origin (issue #10 item 5)


@dataclass(frozen=True)
class PersonInput:
    name: str
    id_number: str
    gender: Gender
    unit_id: int
    birth_date: dt.date | None = None
    category: Category = Category.GENERAL
    rank: str = ""
    leadership_level: LeadershipLevel | None = None
    grassroots: bool = False
    basic_post: bool = False
    law_enforcement: bool = False
    reporting_date: dt.date | None = None
    phone: str = ""


@dataclass(frozen=True)
class CareerEventInput:
    """One career event to append in bulk (imports, demo data); see career_event_bulk_record."""

    person_id: int
    kind: EventKind
    date: dt.date
    leadership_level: LeadershipLevel | None = None
    rank: str = ""
    unit_id: int | None = None
    note: str = ""
    # The category and flags the event sets (None: unchanged; issue #10 item 4), and a
    # transfer's origin unit (None: the unit the person was in before; item 5).
    category: Category | None = None
    grassroots: bool | None = None
    basic_post: bool | None = None
    law_enforcement: bool | None = None
    from_unit_id: int | None = None


@dataclass(frozen=True)
class PasswordSlip:
    """What one person's password slip shows (#11 item 1): printed or downloaded once, right
    after the password is issued, and never stored in clear."""

    person_id: int
    name: str
    unit: str
    username: str
    password: str


# --- why clear ID and phone numbers leave the platform (#17 item 4, PIPL) ---------------


class ReleasePurpose(StrEnum):
    """The short list a reason to release clear ID or phone numbers is chosen from (the
    reveal on a person's page and in the API, the roster export with clear numbers)."""

    IDENTITY_CHECK = "identity_check"
    REPORT_SUPERIOR = "report_superior"
    TRAINING_REGISTRATION = "training_registration"
    PERSONNEL_BUSINESS = "personnel_business"
    OTHER = "other"


RELEASE_PURPOSE_LABELS = {
    ReleasePurpose.IDENTITY_CHECK: "核对人员身份",
    ReleasePurpose.REPORT_SUPERIOR: "向上级主管部门报送",
    ReleasePurpose.TRAINING_REGISTRATION: "培训报名、考试或证书办理",
    ReleasePurpose.PERSONNEL_BUSINESS: "人事、工资或社保业务办理",
    ReleasePurpose.OTHER: "其他",
}
# For the forms' select (pages translate the labels).
RELEASE_PURPOSE_CHOICES = tuple((k.value, v) for k, v in RELEASE_PURPOSE_LABELS.items())
RELEASE_NOTE_MIN = 2
RELEASE_NOTE_MAX = 100


@dataclass(frozen=True)
class ReleaseReason:
    """A purpose from the list and the free text saying what it is for; both are required
    and both go into the audit row of the release."""

    purpose: ReleasePurpose
    note: str

    @property
    def label(self) -> str:
        return f"{RELEASE_PURPOSE_LABELS[self.purpose]}：{self.note}"

    def as_audit(self) -> dict[str, str]:
        return {"reason": self.label, "purpose": self.purpose.value, "note": self.note}


def parse_release_reason(purpose: object, note: object) -> ReleaseReason:
    """The reason as given by a form, the API or the command line; ValueError (its message
    says what is missing, in Chinese) unless a listed purpose and a note of 2–100 characters
    are both there."""
    try:
        chosen = ReleasePurpose(str(purpose or "").strip())
    except ValueError:
        raise ValueError(
            "请选择导出或查看完整身份证号、手机号的用途，用途和说明将记入审计"
        ) from None
    text = normalise(note or "")
    if len(text) < RELEASE_NOTE_MIN:
        raise ValueError(f"请填写用途说明（至少 {RELEASE_NOTE_MIN} 个字），说明将记入审计")
    if len(text) > RELEASE_NOTE_MAX:
        raise ValueError(f"用途说明不能超过 {RELEASE_NOTE_MAX} 个字")
    return ReleaseReason(purpose=chosen, note=text)
