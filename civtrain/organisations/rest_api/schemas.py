"""Request and response shapes of the organisation-tree endpoints."""

from typing import Annotated

from ninja import Field, Schema

from civtrain.organisations.data import OrgKind

PAGE_SIZE_MAX = 200
# A row id: positive and within a 64-bit key, so nothing out of range reaches the database.
DbId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class OrgRef(Schema):
    id: int
    code: str
    name: str
    kind: OrgKind


class OrgOut(Schema):
    id: int
    code: str
    name: str
    kind: OrgKind
    kind_label: str
    parent_id: int | None
    depth: int
    active: bool


class OrgDetailOut(OrgOut):
    ancestors: list[OrgRef] = Field(description="从顶层到上级，不含本机构")
    children_count: int


class OrgPage(Schema):
    count: int
    items: list[OrgOut]


class OrgFilters(Schema):
    kind: OrgKind | None = Field(None, description="机构类型")
    under: str | None = Field(None, max_length=32, description="只列此机构（id 或编码）及其下级")
    q: str | None = Field(None, max_length=100, description="按名称或编码搜索")
    active: bool | None = Field(None, description="是否启用")
    limit: int = Field(50, ge=1, le=PAGE_SIZE_MAX, description=f"每页条数，最多 {PAGE_SIZE_MAX}")
    offset: int = Field(0, ge=0, le=2**31 - 1, description="跳过的条数")


class OrgCreateIn(Schema):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=100)
    kind: OrgKind
    parent_id: DbId
    active: bool = True


class OrgUpdateIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    active: bool | None = None


class OrgMoveIn(Schema):
    parent_id: DbId
