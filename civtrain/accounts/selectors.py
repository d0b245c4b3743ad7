"""Reads of accounts for the security administrator (#17 item 2): staff accounts of its city
with their roles and the state of their credentials — never a person's personal data."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q

from civtrain.accounts.data import ADMIN_ROLES, ROLE_LABELS, Role, StaffAccountData
from civtrain.accounts.models import RoleAssignment, SecurityKey, User
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound, PermissionDenied


def security_admin_paths(actor: Actor) -> tuple[str, ...]:
    """The cities the actor is security administrator of; PermissionDenied when none."""
    user_id = getattr(actor, "pk", None)
    paths = tuple(
        sorted(
            RoleAssignment.objects.filter(
                user_id=user_id, role=Role.SECURITY_ADMIN, org__active=True
            ).values_list("org__path", flat=True)
        )
        if user_id is not None and actor.is_active
        else ()
    )
    if not paths:
        raise PermissionDenied("只有安全管理员可以管理账号、角色和安全策略")
    return paths


def access_account_by_id(actor: Actor, user_id: int) -> User:
    """An account the security administrator manages: one holding a role inside its city,
    not its own and not one of the three administrators' (those are the platform's to grant,
    `civtrain admin-role`). Anything else answers like a missing account."""
    paths = security_admin_paths(actor)
    user = User.objects.filter(pk=user_id).first()
    held = list(RoleAssignment.objects.filter(user_id=user_id).values_list("role", "org__path"))
    if (
        user is None
        or user.pk == getattr(actor, "pk", None)
        or user.is_superuser
        or not any(path.startswith(p) for _r, path in held for p in paths)
        or any(Role(r) in ADMIN_ROLES for r, _p in held)
    ):
        raise NotFound("账号不存在或不在您的管理范围内")
    return user


def account_locked(username: str) -> bool:
    """Whether the login name is locked out by the login throttle (django-axes) now."""
    from axes.models import AccessAttempt

    limit = int(getattr(settings, "AXES_FAILURE_LIMIT", 5))
    cooloff = dt.timedelta(hours=float(getattr(settings, "AXES_COOLOFF_TIME", 0.5)))
    from django.utils import timezone

    return AccessAttempt.objects.filter(
        username=username,
        failures_since_start__gte=limit,
        attempt_time__gte=timezone.now() - cooloff,
    ).exists()


def second_factor_devices(*, user_id: int) -> list[Any]:
    """The user's confirmed second factors: TOTP devices, then security keys."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return [
        *TOTPDevice.objects.filter(user_id=user_id, confirmed=True).order_by("pk"),
        *SecurityKey.objects.filter(user_id=user_id, confirmed=True).order_by("pk"),
    ]


def second_factor_rows(*, user_id: int) -> list[dict[str, Any]]:
    """The user's second factors as their security page lists them."""
    return [
        {
            "kind": "webauthn" if isinstance(d, SecurityKey) else "totp",
            "name": d.name,
            "created_at": getattr(d, "created_at", None),
            "last_used_at": getattr(d, "last_used_at", None),
        }
        for d in second_factor_devices(user_id=user_id)
    ]


def _paths_q(paths: tuple[str, ...], field: str) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def _account_data(user: User, assignments: list[RoleAssignment]) -> StaffAccountData:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    factors = ["TOTP"] * TOTPDevice.objects.filter(user=user, confirmed=True).count()
    factors += [
        f"安全密钥 {name}"
        for name in SecurityKey.objects.filter(user=user, confirmed=True).values_list(
            "name", flat=True
        )
    ]
    return StaffAccountData(
        id=user.pk,
        username=user.username,
        display_name=user.display_name,
        is_active=user.is_active,
        roles=tuple((a.role, ROLE_LABELS[Role(a.role)], a.org_id) for a in assignments),
        org_labels=tuple(a.org.name for a in assignments),
        second_factors=tuple(factors),
        locked=account_locked(user.username),
        last_login=user.last_login,
    )


def staff_account_list(
    *, actor: Actor, search: str = "", limit: int = 200
) -> list[StaffAccountData]:
    """Accounts holding a staff role in the administrator's city (the three administrators'
    own excepted), by login name; `search` matches a login or display name, and an exact
    login name finds a learner too (to unlock them)."""
    paths = security_admin_paths(actor)
    held = RoleAssignment.objects.filter(_paths_q(paths, "org__path"))
    staff = held.exclude(role=Role.LEARNER)
    users = User.objects.filter(pk__in=staff.values("user_id"))
    search = search.strip()
    if search:
        users = User.objects.filter(
            Q(pk__in=staff.values("user_id"))
            & (Q(username__icontains=search) | Q(display_name__icontains=search))
            | Q(pk__in=held.values("user_id"), username=search)
        )
    users = users.exclude(
        pk__in=RoleAssignment.objects.filter(role__in=ADMIN_ROLES).values("user_id")
    ).exclude(pk=getattr(actor, "pk", None) or 0)
    rows = list(users.order_by("username")[:limit])
    by_user: dict[int, list[RoleAssignment]] = {}
    for a in RoleAssignment.objects.filter(user__in=rows).select_related("org").order_by("pk"):
        by_user.setdefault(a.user_id, []).append(a)
    return [_account_data(u, by_user.get(u.pk, [])) for u in rows]


def dormant_account_list(*, actor: Actor, now: dt.datetime) -> tuple[int, list[StaffAccountData]]:
    """Staff accounts of the administrator's city, still active, with no login for the
    city's `dormant_days` (#17 item 4, GB/T 22239 8.1.4.2 c: surplus accounts reviewed): an
    account never used counts from its creation. The days and the accounts, the longest
    unused first. The three administrators' accounts are the platform's (not listed)."""
    from civtrain.accounts.password_policy import policy_for_city

    paths = security_admin_paths(actor)
    days = policy_for_city(int(paths[0].split("/")[0])).dormant_days
    since = now - dt.timedelta(days=days)
    staff = RoleAssignment.objects.filter(_paths_q(paths, "org__path")).exclude(role=Role.LEARNER)
    users = (
        User.objects.filter(pk__in=staff.values("user_id"), is_active=True)
        .filter(Q(last_login__lt=since) | Q(last_login=None, date_joined__lt=since))
        .exclude(pk__in=RoleAssignment.objects.filter(role__in=ADMIN_ROLES).values("user_id"))
        .exclude(pk=getattr(actor, "pk", None) or 0)
        .exclude(is_superuser=True)
    )
    rows = sorted(users, key=lambda u: (u.last_login or u.date_joined, u.username))
    by_user: dict[int, list[RoleAssignment]] = {}
    for a in RoleAssignment.objects.filter(user__in=rows).select_related("org").order_by("pk"):
        by_user.setdefault(a.user_id, []).append(a)
    return days, [_account_data(u, by_user.get(u.pk, [])) for u in rows]


def staff_account_get(
    *, actor: Actor, user_id: int
) -> tuple[StaffAccountData, list[RoleAssignment]]:
    user = access_account_by_id(actor, user_id)
    assignments = list(
        RoleAssignment.objects.filter(user=user).select_related("org").order_by("pk")
    )
    return _account_data(user, assignments), assignments


def org_id_by_code(code: str) -> int | None:
    nodes = RoleAssignment.org.field.related_model._default_manager
    return nodes.filter(code=code.strip()).values_list("pk", flat=True).first()
