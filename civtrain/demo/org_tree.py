"""Step 1: the organisation tree of both cities (CQ-O2), through the org service in bulk."""

from civtrain.accounts.api import SYSTEM
from civtrain.demo.geography import (
    CITIES,
    CITY_DEPARTMENTS,
    DISTRICT_DEPARTMENTS,
    Tier,
    units_of,
)
from civtrain.demo.steps import DemoContext
from civtrain.organisations.api import OrgKind, org_bulk_create, org_by_codes


def tree_rows() -> list[tuple[str, str, OrgKind, str | None]]:
    """(code, name, kind, parent code) of every demo node, parents first."""
    rows: list[tuple[str, str, OrgKind, str | None]] = []
    for city in CITIES:
        rows.append((city.code, city.name, OrgKind.CITY, None))
        rows += [(d.code, d.name, OrgKind.DISTRICT, city.code) for d in city.districts]
        for unit in units_of(city):
            parent = unit.district.code if unit.district else city.code
            rows.append((unit.code, unit.name, OrgKind.UNIT, parent))
            names = {Tier.CITY: CITY_DEPARTMENTS, Tier.DISTRICT: DISTRICT_DEPARTMENTS}.get(
                unit.tier, ()
            )
            # A unit may have fewer divisions than the list names (small district bureaus).
            for code, name in zip(unit.departments, names, strict=False):
                rows.append((code, name, OrgKind.DEPARTMENT, unit.code))
    return rows


def run(ctx: DemoContext) -> str:
    existing = org_by_codes()
    # Reuse nodes a previous import made, so demo data can sit on a real tree.
    missing = [row for row in tree_rows() if row[0] not in existing]
    created = org_bulk_create(actor=SYSTEM, rows=missing)
    ctx.orgs = {**existing, **{n.code: n for n in created}}
    counts = {k: sum(1 for n in ctx.orgs.values() if n.kind == k) for k in OrgKind}
    return (
        f"{len(created)} 个机构新建；市 {counts[OrgKind.CITY]}，区县 {counts[OrgKind.DISTRICT]}，"
        f"单位 {counts[OrgKind.UNIT]}，内设机构 {counts[OrgKind.DEPARTMENT]}"
    )
