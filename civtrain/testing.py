"""Builders for tests across apps, using only the apps' public interfaces."""

import datetime as dt
import itertools
from typing import Any

from civtrain.accounts.api import Role, role_assign, user_create
from civtrain.organisations.api import OrgKind, OrgNodeData, org_by_codes, org_create
from civtrain.people.api import person_create, person_data
from civtrain.people.data import Gender, PersonData, PersonInput, id_check_digit

# Every test account shares one password.
TEST_PASSWORD = "Passw0rd!2026"  # noqa: S105
_serial = itertools.count(1)


def make_id_number(
    birth: dt.date = dt.date(1990, 5, 17), region: str = "500101", serial: int | None = None
) -> str:
    """A valid GB 11643 number; `serial` (0–999) makes it unique."""
    seq = next(_serial) % 1000 if serial is None else serial
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def build_tree() -> dict[str, OrgNodeData]:
    """city C1 → districts D1, D2 → units U1 (in D1), U2 (in D2) → department U1-1; a second
    city C2 with unit U3. Returned by code."""
    spec = [
        ("C1", "重庆市", OrgKind.CITY, None),
        ("D1", "渝中区", OrgKind.DISTRICT, "C1"),
        ("D2", "江北区", OrgKind.DISTRICT, "C1"),
        ("U1", "渝中区人力社保局", OrgKind.UNIT, "D1"),
        ("U1-1", "办公室", OrgKind.DEPARTMENT, "U1"),
        ("U2", "江北区司法局", OrgKind.UNIT, "D2"),
        ("C2", "郑州市", OrgKind.CITY, None),
        ("U3", "郑州市人社局", OrgKind.UNIT, "C2"),
    ]
    for code, name, kind, parent in spec:
        org_create(actor=None, code=code, name=name, kind=kind, parent_code=parent)
    return org_by_codes()


def make_user(role: Role, org: OrgNodeData, username: str | None = None) -> Any:
    user = user_create(
        actor=None,
        username=username or f"{role.value}-{org.code}-{next(_serial)}",
        display_name=f"{role.label}{org.code}",
        password=TEST_PASSWORD,
    )
    role_assign(actor=None, user=user, role=role, org_id=org.id)
    return user


def make_person(unit: OrgNodeData, name: str = "张三", **fields: Any) -> PersonData:
    admin = _admin_for(unit)
    fields.setdefault("gender", Gender.MALE)
    fields.setdefault("id_number", make_id_number())
    person = person_create(actor=admin, data=PersonInput(name=name, unit_id=unit.id, **fields))
    return person_data(person.pk)


_admins: dict[str, Any] = {}


def _admin_for(unit: OrgNodeData) -> Any:
    root_id = int(unit.path.split("/")[0])
    from civtrain.organisations.api import org_data

    root = org_data(root_id)
    if (
        root.code not in _admins
        or not type(_admins[root.code]).objects.filter(pk=_admins[root.code].pk).exists()
    ):
        _admins[root.code] = make_user(Role.CITY_BUREAU, root)
    return _admins[root.code]
