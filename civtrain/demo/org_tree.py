"""Step 1: the organisation tree of both cities (CQ-O2), through the org service."""

from civtrain.demo.geography import (
    CITIES,
    CITY_DEPARTMENTS,
    DISTRICT_DEPARTMENTS,
    Tier,
    units_of,
)
from civtrain.demo.steps import DemoContext
from civtrain.organisations.api import OrgKind, org_by_codes, org_create


def run(ctx: DemoContext) -> str:
    existing = org_by_codes()
    created = 0

    def node(code: str, name: str, kind: OrgKind, parent: str | None) -> None:
        nonlocal created
        # Reuse nodes a previous import made, so demo data can sit on a real tree.
        if code not in existing:
            existing[code] = org_create(
                actor=None, code=code, name=name, kind=kind, parent_code=parent
            )
            created += 1

    for city in CITIES:
        node(city.code, city.name, OrgKind.CITY, None)
        for d in city.districts:
            node(d.code, d.name, OrgKind.DISTRICT, city.code)
        for unit in units_of(city):
            parent = unit.district.code if unit.district else city.code
            node(unit.code, unit.name, OrgKind.UNIT, parent)
            names = {Tier.CITY: CITY_DEPARTMENTS, Tier.DISTRICT: DISTRICT_DEPARTMENTS}.get(
                unit.tier, ()
            )
            for code, name in zip(
                unit.departments, names, strict=False
            ):  # shorter: fewer divisions
                node(code, name, OrgKind.DEPARTMENT, unit.code)
    ctx.orgs = existing
    counts = {k: sum(1 for n in existing.values() if n.kind == k) for k in OrgKind}
    return (
        f"{created} 个机构新建；市 {counts[OrgKind.CITY]}，区县 {counts[OrgKind.DISTRICT]}，"
        f"单位 {counts[OrgKind.UNIT]}，内设机构 {counts[OrgKind.DEPARTMENT]}"
    )
