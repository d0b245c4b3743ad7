"""The caller's own identity, so an integration can check its token's roles and scope; the
caller's own API tokens (listed without their keys) and their revocation (#8 item 13)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from civtrain.accounts import services
from civtrain.accounts.data import ROLE_LABELS, TOKEN_STATUS_LABELS, ApiTokenData, Role, TokenStatus
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


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    status: TokenStatus
    status_label: str


def _token_out(t: ApiTokenData) -> TokenOut:
    return TokenOut(**t.__dict__, status_label=TOKEN_STATUS_LABELS[t.status])


@router.get("/tokens", response=list[TokenOut], summary="我的 API 令牌（不含密钥）")
def my_tokens(request: HttpRequest) -> list[TokenOut]:
    user: Any = request.auth  # type: ignore[attr-defined]
    return [_token_out(t) for t in services.api_token_list(user_id=user.pk)]


@router.post("/tokens/{int:token_id}/revoke", response=TokenOut, summary="吊销我的一个 API 令牌")
def my_token_revoke(request: HttpRequest, token_id: int) -> TokenOut:
    user: Any = request.auth  # type: ignore[attr-defined]
    return _token_out(services.api_token_revoke(actor=user, user_id=user.pk, token_id=token_id))
