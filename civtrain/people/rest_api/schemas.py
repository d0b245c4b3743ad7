"""Request and response shapes of the registry endpoints.

No response shape here has a field for the clear ID or phone number, except RevealOut.
"""

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import field_validator

from civtrain.core.text import compact
from civtrain.people.data import (
    RELEASE_NOTE_MAX,
    RELEASE_NOTE_MIN,
    Category,
    EventKind,
    Gender,
    LeadershipLevel,
    ReleasePurpose,
    Status,
    parse_id_number,
    parse_rank,
)

PAGE_SIZE_MAX = 200
# A row id: positive and within a 64-bit key, so nothing out of range reaches the database.
DbId = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _valid_id_number(value: str) -> str:
    return parse_id_number(value)  # ValueError carries the Chinese reason


def _valid_rank(value: str) -> str:
    return parse_rank(value)


def _valid_phone(value: str) -> str:
    phone = compact(value)
    if phone and not (phone.lstrip("+").replace("-", "").isdigit() and 7 <= len(phone) <= 20):
        raise ValueError("手机号应为 7–20 位数字")
    return phone


class UnitRef(Schema):
    id: int
    code: str
    name: str


class CareerEventOut(Schema):
    id: int
    kind: EventKind
    kind_label: str
    date: dt.date
    leadership_level: LeadershipLevel | None
    rank: str
    unit_id: int | None
    note: str
    # issue #10 items 4–5: the category and flags the event set (null: unchanged), and the
    # unit a transfer came from
    category: Category | None = None
    grassroots: bool | None = None
    basic_post: bool | None = None
    law_enforcement: bool | None = None
    from_unit_id: int | None = None


class PersonOut(Schema):
    id: int
    name: str
    id_number_masked: str = Field(..., description="省份（前两位）之外全部打码")
    gender: Gender
    # The year only: beside the masked number a full date narrows it down (issue 8 item 3).
    birth_year: int | None
    phone_masked: str
    unit: UnitRef
    category: Category
    rank: str
    leadership_level: LeadershipLevel | None
    grassroots: bool
    basic_post: bool
    law_enforcement: bool
    reporting_date: dt.date | None
    status: Status


class PersonDetailOut(PersonOut):
    events: list[CareerEventOut]


class PersonPage(Schema):
    count: int
    items: list[PersonOut]


class PersonFiltersIn(Schema):
    q: str | None = Field(None, max_length=50, description="姓名（包含）")
    id_number: str | None = Field(None, max_length=30, description="身份证号（精确匹配）")
    unit: DbId | None = Field(None, description="单位 id，含其全部下级")
    category: Category | None = None
    rank: str | None = Field(None, max_length=16)
    leadership_level: LeadershipLevel | None = None
    status: Status | None = None
    grassroots: bool | None = None
    basic_post: bool | None = None
    law_enforcement: bool | None = None
    limit: int = Field(50, ge=1, le=PAGE_SIZE_MAX, description=f"每页条数，最多 {PAGE_SIZE_MAX}")
    offset: int = Field(0, ge=0, le=2**31 - 1)

    _id_number = field_validator("id_number")(
        lambda v: _valid_id_number(v) if v is not None else None
    )
    _rank = field_validator("rank")(lambda v: _valid_rank(v) if v else None)


class PersonIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    id_number: str = Field(..., max_length=30, description="18 位身份证号，校验位按 GB 11643")
    gender: Gender
    unit_id: DbId
    birth_date: dt.date | None = None
    phone: str = Field("", max_length=30)
    category: Category = Category.GENERAL
    rank: str = Field("", max_length=16)
    leadership_level: LeadershipLevel | None = None
    grassroots: bool = False
    basic_post: bool = False
    law_enforcement: bool = False
    reporting_date: dt.date | None = None

    _id_number = field_validator("id_number")(_valid_id_number)
    _rank = field_validator("rank")(_valid_rank)
    _phone = field_validator("phone")(_valid_phone)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("姓名不能为空")
        return value.strip()


class PersonPatchIn(Schema):
    """Only the fields sent change; the ID number is re-validated when sent."""

    name: str | None = Field(None, min_length=1, max_length=50)
    id_number: str | None = Field(None, max_length=30)
    gender: Gender | None = None
    unit_id: DbId | None = None
    birth_date: dt.date | None = None
    phone: str | None = Field(None, max_length=30)
    category: Category | None = None
    rank: str | None = Field(None, max_length=16)
    leadership_level: LeadershipLevel | None = None
    grassroots: bool | None = None
    basic_post: bool | None = None
    law_enforcement: bool | None = None
    reporting_date: dt.date | None = None

    _id_number = field_validator("id_number")(
        lambda v: _valid_id_number(v) if v is not None else None
    )
    _rank = field_validator("rank")(lambda v: _valid_rank(v) if v is not None else None)
    _phone = field_validator("phone")(lambda v: _valid_phone(v) if v is not None else None)


class RevealIn(Schema):
    """Why the clear number is needed (#17 item 4): a purpose from the list and a note, both
    written into the audit row."""

    purpose: ReleasePurpose = Field(
        ...,
        description="用途：identity_check 核对人员身份；report_superior 向上级主管部门报送；"
        "training_registration 培训报名、考试或证书办理；personnel_business 人事、工资或社保"
        "业务办理；other 其他",
    )
    reason: str = Field(
        ...,
        min_length=RELEASE_NOTE_MIN,
        max_length=RELEASE_NOTE_MAX,
        description="用途说明，记入审计",
    )


class RevealOut(Schema):
    id: int
    id_number: str


class CareerEventIn(Schema):
    kind: EventKind
    date: dt.date
    leadership_level: LeadershipLevel | None = None
    rank: str = Field("", max_length=16)
    unit_id: DbId | None = None
    note: str = Field("", max_length=200)
    category: Category | None = Field(None, description="类别调整等事件设定的人员类别；空：不变")
    grassroots: bool | None = Field(None, description="事件设定的“基层”标识；空：不变")
    basic_post: bool | None = Field(None, description="事件设定的“机关基础岗位”标识；空：不变")
    law_enforcement: bool | None = Field(None, description="事件设定的“行政执法”标识；空：不变")
    from_unit_id: DbId | None = Field(None, description="调动的原单位；空：调动前所在单位")

    _rank = field_validator("rank")(_valid_rank)
