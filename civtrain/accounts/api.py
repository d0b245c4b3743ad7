"""Public interface of accounts: who the actor is and what subtrees they hold."""

from collections.abc import Iterable

from django.db.models import Q

from civtrain.accounts import services
from civtrain.accounts.data import (
    ADMIN_ROLES,
    ANONYMOUS,
    PERSONNEL_ROLES,
    SECOND_FACTOR_ROLES,
    SYSTEM,
    ActorScope,
    ApiTokenData,
    IssuedPassword,
    Role,
    SecurityPolicyData,
    SystemActor,
    TokenStatus,
    is_system,
)
from civtrain.accounts.models import RoleAssignment, User
from civtrain.accounts.sessions import NO_LIMITS, SignInLimits, sign_in_limits
from civtrain.core.actors import Actor

__all__ = [
    "ADMIN_ROLES",
    "NO_LIMITS",
    "PERSONNEL_ROLES",
    "SECOND_FACTOR_ROLES",
    "SYSTEM",
    "ActorScope",
    "ApiTokenData",
    "IssuedPassword",
    "Role",
    "SecurityPolicyData",
    "SignInLimits",
    "SystemActor",
    "TokenStatus",
    "User",
    "account_erase",
    "actor_scope",
    "api_token_authenticate",
    "api_token_create",
    "api_token_list",
    "api_token_revoke",
    "is_system",
    "learner_accounts_create",
    "role_assign",
    "security_policy_get",
    "security_policy_set",
    "sign_in_limits",
    "staff_role_count_under",
    "totp_enrol_secret",
    "totp_key_of",
    "user_create",
    "user_email_rows",
    "user_id_by_email",
    "user_id_by_username",
    "user_password_set",
    "user_passwords_issue",
    "users_with_role",
]

user_create = services.user_create
role_assign = services.role_assign
api_token_create = services.api_token_create
api_token_authenticate = services.api_token_authenticate
api_token_list = services.api_token_list
api_token_revoke = services.api_token_revoke
learner_accounts_create = services.learner_accounts_create
account_erase = services.account_erase
security_policy_set = services.security_policy_set


def actor_scope(actor: Actor | None) -> ActorScope:
    """The actor's roles and subtree roots; cached on the user object for the request. An
    anonymous or inactive user — and None, which is no actor — holds nothing."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return ANONYMOUS
    cached = getattr(actor, "_civtrain_scope", None)
    if cached is not None:
        return cached
    paths: dict[Role, list[str]] = {}
    for role, path in RoleAssignment.objects.filter(user_id=actor.pk, org__active=True).values_list(
        "role", "org__path"
    ):
        paths.setdefault(Role(role), []).append(path)
    scope = ActorScope(user_id=actor.pk, paths={r: tuple(p) for r, p in paths.items()})
    actor._civtrain_scope = scope  # type: ignore[attr-defined]  # a user object
    return scope


def staff_role_count_under(path: str) -> int:
    """Roles other than 学员 held by active users at nodes inside the subtree at `path` (a
    learner's role follows the person, whom people counts)."""
    return (
        RoleAssignment.objects.filter(org__path__startswith=path, user__is_active=True)
        .exclude(role=Role.LEARNER)
        .count()
    )


def users_with_role(role: Role, under: Iterable[str]) -> list[tuple[int, str, str]]:
    """(user id, display name, node path) of active users holding `role` at a node inside
    any of the subtrees `under` (evaluators a bureau may commission, a unit's HR officers to
    remind), by name."""
    q = Q(pk__in=[])
    for path in under:
        q |= Q(org__path__startswith=path)
    rows = (
        RoleAssignment.objects.filter(q, role=role, user__is_active=True)
        .order_by("user__display_name", "user_id")
        .values_list("user_id", "user__display_name", "org__path")
    )
    return list(dict.fromkeys(rows))


# --- passwords: known ones (demo data), one-time ones issued by HR (#11 item 1) -------------

user_password_set = services.user_password_set
totp_enrol_secret = services.totp_enrol_secret
user_passwords_issue = services.user_passwords_issue
password_generate = services.password_generate


# --- finding a learner's account from an xAPI actor (#13 item 3) -----------------------------


def user_id_by_username(username: str) -> int | None:
    """The active user with this login, if any."""
    return (
        User.objects.filter(username=username, is_active=True).values_list("pk", flat=True).first()
    )


def user_id_by_email(email: str) -> int | None:
    """The active user with this registered address (case-insensitive), if exactly one."""
    ids = list(
        User.objects.filter(email__iexact=email.strip(), is_active=True).values_list(
            "pk", flat=True
        )[:2]
    )
    return ids[0] if len(ids) == 1 else None


def user_email_rows() -> list[tuple[int, str]]:
    """(user id, address) of every active user with a registered address."""
    return list(User.objects.filter(is_active=True).exclude(email="").values_list("pk", "email"))


def totp_key_of(user_id: int) -> str | None:
    """The hex secret of the user's confirmed TOTP device, if any (demo commands only)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return (
        TOTPDevice.objects.filter(user_id=user_id, confirmed=True)
        .values_list("key", flat=True)
        .first()
    )


def security_policy_get(city_id: int) -> SecurityPolicyData:
    """The account policy of a city (#17 item 1): its own, or the default."""
    from civtrain.accounts.password_policy import policy_for_city

    return policy_for_city(city_id)
