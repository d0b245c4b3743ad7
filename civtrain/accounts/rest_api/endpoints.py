"""The caller's own identity, so an integration can check its token's roles and scope."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from civtrain.accounts.data import ROLE_LABELS, Role
from civtrain.accounts.models import RoleAssignment

router = Router(tags=["accounts"])


class RoleOut(Schema):
    role: Role
    role_label: str
    org_id: int
    org_code: str
    org_name: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    roles: list[RoleOut]


@router.get("", response=MeOut, summary="当前用户及其角色、管辖范围")
def me(request: HttpRequest) -> MeOut:
    user: Any = request.auth  # type: ignore[attr-defined]
    assignments = (
        RoleAssignment.objects.filter(user=user, org__active=True)
        .select_related("org")
        .order_by("role", "org__path")
    )
    return MeOut(
        id=user.pk,
        username=user.username,
        display_name=str(user),
        roles=[
            RoleOut(
                role=Role(a.role),
                role_label=ROLE_LABELS[Role(a.role)],
                org_id=a.org.pk,
                org_code=a.org.code,
                org_name=a.org.name,
            )
            for a in assignments
        ],
    )
