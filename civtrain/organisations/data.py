"""Public types of the organisation tree."""

from dataclasses import dataclass
from enum import StrEnum


class OrgKind(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    UNIT = "unit"
    DEPARTMENT = "department"

    @property
    def label(self) -> str:
        return ORG_KIND_LABELS[self]


ORG_KIND_LABELS = {
    OrgKind.CITY: "市",
    OrgKind.DISTRICT: "区县",
    OrgKind.UNIT: "单位",
    OrgKind.DEPARTMENT: "内设机构",
}
# Which kinds may sit directly under which (CQ-O2: city → district/county → unit → department).
# A city's own departments (市直单位) hang under the city directly.
ALLOWED_PARENT = {
    OrgKind.CITY: (None,),
    OrgKind.DISTRICT: (OrgKind.CITY,),
    OrgKind.UNIT: (OrgKind.CITY, OrgKind.DISTRICT, OrgKind.UNIT),
    OrgKind.DEPARTMENT: (OrgKind.UNIT, OrgKind.DEPARTMENT),
}


@dataclass(frozen=True)
class OrgNodeData:
    id: int
    code: str
    name: str
    kind: OrgKind
    path: str
    depth: int
    parent_id: int | None
    active: bool


@dataclass(frozen=True)
class OrgChoice:
    """A node as a picker offers it (#11 item 3): its code, the label people recognise
    ("渝中区司法局 · 法规科") and the names above it, to tell homonyms apart."""

    id: int
    code: str
    label: str
    path: str  # "重庆市 / 渝中区 / 渝中区司法局"
