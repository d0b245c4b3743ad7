"""Writes to accounts: users, role assignments, API tokens."""

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.db import transaction
from django.db.models import Count, Q

from civtrain.accounts.data import (
    GRANTABLE_ROLES,
    ApiTokenData,
    IssuedPassword,
    Role,
    SecurityPolicyData,
    TokenStatus,
    is_system,
)
from civtrain.accounts.hashers import IssuedPasswordHasher
from civtrain.accounts.models import (
    ApiToken,
    PasswordHistory,
    RoleAssignment,
    SecurityKey,
    SecurityPolicy,
    User,
)
from civtrain.accounts.selectors import (
    access_account_by_id,
    security_admin_paths,
)
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record, audit_record_many, audit_record_under, diff
from civtrain.core.bulk import CopyWriter, insert_rows, reserve_ids
from civtrain.core.errors import NotFound, ValidationFailed
from civtrain.core.models import AuditEvent


def _org_paths(org_ids: Iterable[int]) -> dict[int, str]:
    """Org paths by node id, read through the node model our role rows point at: accounts
    sits below organisations and imports none of it (the layers contract)."""
    nodes = RoleAssignment.org.field.related_model._default_manager
    return dict(nodes.filter(pk__in=set(org_ids)).values_list("pk", "path"))


def user_org_paths(user_id: int) -> list[str]:
    """The org paths of every node the user holds a role at (where their account's events
    are filed, #8 item 9)."""
    return list(
        RoleAssignment.objects.filter(user_id=user_id)
        .values_list("org__path", flat=True)
        .distinct()
    )


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    display_name: str,
    password: str | None = None,
    org_id: int | None = None,
) -> User:
    """A staff account; `org_id` is the node it is made for (its first role's), under whose
    path the creation is audited (#8 item 9) — without it the event belongs to no bureau."""
    username = username.strip()
    if not username:
        raise ValidationFailed("登录名不能为空")
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(f"登录名 {username} 已被使用")
    user = User(username=username, display_name=display_name)
    if password:
        user.set_password(password)
        user.password_changed_at = clock.now()
    else:
        user.set_unusable_password()
    user.save()
    audit_record(
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.pk,
        object_label=str(user),
        org_path=_org_paths([org_id])[org_id] if org_id is not None else "",
        changes={"username": username},
    )
    return user


@transaction.atomic
def role_assign(*, actor: Actor, user: User, role: Role, org_id: int) -> RoleAssignment:
    assignment, _ = RoleAssignment.objects.get_or_create(user=user, role=role, org_id=org_id)
    audit_record(
        actor=actor,
        action="role.assign",
        object_type="user",
        object_id=user.pk,
        object_label=str(user),
        org_path=_org_paths([org_id])[
            org_id
        ],  # the role's node: its bureau sees who holds it (#8 item 9)
        changes={"role": role.value, "org_id": org_id},
    )
    return assignment


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_days_default() -> int:
    return int(getattr(settings, "CIVTRAIN_TOKEN_DAYS", 90))


TOKEN_DAYS_MAX = 366


@transaction.atomic
def api_token_create(*, actor: Actor, user: User, name: str, days: int | None = None) -> str:
    """Create a token valid for `days` (default CIVTRAIN_TOKEN_DAYS, at most a year) and
    return its key; the key is shown once and never stored."""
    days = token_days_default() if days is None else days
    if not 1 <= days <= TOKEN_DAYS_MAX:
        raise ValidationFailed(f"令牌有效期应为 1–{TOKEN_DAYS_MAX} 天")
    key = "ct_" + secrets.token_urlsafe(32)
    expires_at = clock.now() + dt.timedelta(days=days)
    ApiToken.objects.create(
        user=user, name=name, key_hash=token_hash(key), prefix=key[:8], expires_at=expires_at
    )
    audit_record_under(
        actor=actor,
        action="token.create",
        object_type="user",
        object_id=user.pk,
        object_label=str(user),
        org_paths=user_org_paths(user.pk),
        changes={"name": name, "expires_at": expires_at.isoformat()},
    )
    return key


def api_token_list(*, user_id: int) -> list[ApiTokenData]:
    """The user's own tokens, newest first; never the key (it is not stored)."""
    now = clock.now()
    return [
        ApiTokenData(
            id=t.pk,
            name=t.name,
            prefix=t.prefix,
            created_at=t.created_at,
            expires_at=t.expires_at,
            last_used_at=t.last_used_at,
            revoked_at=t.revoked_at,
            status=TokenStatus.REVOKED
            if t.revoked
            else (TokenStatus.EXPIRED if t.expires_at <= now else TokenStatus.ACTIVE),
        )
        for t in ApiToken.objects.filter(user_id=user_id).order_by("-created_at", "-id")
    ]


@transaction.atomic
def api_token_revoke(*, actor: Actor, user_id: int, token_id: int) -> ApiTokenData:
    """Revoke one of `user_id`'s tokens: the user themself (page, API) or the system (the
    `revoke-token` command). Someone else's token is NotFound, like a missing one."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user_id=user_id).first()
    if token is None or not (is_system(actor) or getattr(actor, "pk", None) == user_id):
        raise NotFound("令牌不存在")
    if not token.revoked:
        token.revoked, token.revoked_at = True, clock.now()
        token.save(update_fields=["revoked", "revoked_at"])
        audit_record_under(
            actor=actor,
            action="token.revoke",
            object_type="user",
            object_id=user_id,
            object_label=str(token.user),
            org_paths=user_org_paths(user_id),
            changes={"name": token.name, "prefix": token.prefix},
        )
    return next(t for t in api_token_list(user_id=user_id) if t.id == token.pk)


# last_used_at is advice for the people who revoke stale tokens, not an access log (API
# requests are audited where they write): minute precision is plenty, a commit per request
# is not.
TOKEN_LAST_USED_GRANULARITY = dt.timedelta(minutes=5)


def api_token_authenticate(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(key), revoked=False, user__is_active=True)
        .first()
    )
    now = clock.now()
    if token is None or token.expires_at <= now:
        return None
    if token.last_used_at is None or token.last_used_at < now - TOKEN_LAST_USED_GRANULARITY:
        # The condition is repeated in the UPDATE so concurrent requests that all saw a stale
        # value write it once at most, with no read-modify-write race.
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOKEN_LAST_USED_GRANULARITY),
            pk=token.pk,
        ).update(last_used_at=now)
    return token.user


UNKNOWN_LOGIN_LABEL = "（不存在的登录名）"


def last_login_notice(*, user_id: int) -> str:
    """What the user is told after signing in (#17 item 1, GB/T 22239 8.1.4.1): when and from
    where they last signed in, and how many failed attempts at their login name came since.
    Read from the audit, where every login and failure is recorded."""
    from django.utils.translation import gettext as _

    events = AuditEvent.objects.filter(object_type="user", object_id=str(user_id))
    last = events.filter(action="auth.login").order_by("-at", "-id").first()
    failed = events.filter(action="auth.login_failed")
    if last is not None:
        failed = failed.filter(at__gt=last.at)
    # One event is one row per city the account has roles in (audit_record_under): count
    # the rows filed under any one path.
    failures = max(
        (row["n"] for row in failed.order_by().values("org_path").annotate(n=Count("id"))),
        default=0,
    )
    if last is None:
        text = _("欢迎！这是您第一次登录本平台。")
    else:
        text = _("上次登录：%(at)s，来自 %(ip)s。") % {
            "at": last.at.astimezone(clock.TZ).strftime("%Y-%m-%d %H:%M"),
            "ip": last.ip_address or _("未知地址"),
        }
    if failures:
        text += _(
            "此后有 %(n)d 次失败的登录尝试；如非本人操作，请立即修改密码并报告安全管理员。"
        ) % {"n": failures}
    return text


def login_event_record(
    *, action: str, username: str, succeeded: bool = False, changes: dict[str, Any] | None = None
) -> None:
    """A login, failure or lockout in the audit (#8 item 9), filed under the account's roles;
    the actor is the user only once the login succeeded (before, the client is anonymous).

    A name that is no account is not written down: people type passwords and ID numbers
    into the login-name field. The client address comes from the request context."""
    user = User.objects.filter(username=username).first() if username else None
    audit_record_under(
        actor=user if succeeded else None,
        action=action,
        object_type="user",
        object_id=user.pk if user else "",
        object_label=user.username if user else UNKNOWN_LOGIN_LABEL,
        org_paths=user_org_paths(user.pk) if user else [],
        changes=changes,
    )


def learner_accounts_create(
    *, actor: Actor, accounts: list[tuple[str, str, int]], writer: CopyWriter | None = None
) -> list[int]:
    """Bulk-create learner users with no usable password yet, each bound to its unit.

    `accounts` holds (username, display name, unit id); returns the new user ids in order.
    A caller's background COPY `writer` (core.bulk.copy_in_background), when given, writes
    the rows while the caller goes on.
    The HR officer issues the first password later; imports must stay fast (no hashing here).
    Each account's creation is audited under its unit (#8 item 9), one row per account.
    """
    paths = _org_paths(unit for _, _, unit in accounts)
    # make_password(None) draws its 40 random characters one call at a time, the slowest step
    # of a 10⁵-row import; one urandom call per account gives the same unusable, unique value.
    # Plain value rows with ids reserved up front (COPY on PostgreSQL): building model
    # instances was the slowest part of a 10⁵-row roster import (bench/roster.py).
    with transaction.atomic():
        ids = reserve_ids(User, len(accounts))
        insert_rows(
            User,
            ["id", "username", "display_name", "password"],
            (
                (pk, u, n, UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30))
                for pk, (u, n, _) in zip(ids, accounts, strict=True)
            ),
            writer=writer,
        )
        insert_rows(
            RoleAssignment,
            ["user_id", "role", "org_id"],
            ((pk, Role.LEARNER, org_id) for pk, (_, _, org_id) in zip(ids, accounts, strict=True)),
            writer=writer,
        )
        audit_record_many(
            actor=actor,
            action="user.create",
            object_type="user",
            items=(
                (pk, name, paths[unit], {"username": username, "role": Role.LEARNER.value})
                for pk, (username, name, unit) in zip(ids, accounts, strict=True)
            ),
            writer=writer,
        )
    return ids


def _validated(password: str, user: User) -> str:
    """The password if the site's validators accept it for `user`; ValidationFailed naming
    the field otherwise."""
    from django.contrib.auth import password_validation
    from django.core.exceptions import ValidationError

    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed("；".join(exc.messages), {"field": "new_password"}) from None
    return password


def _password_replace(user: User, password: str) -> None:
    """The holder's new password, chosen by them: the one it replaces joins the history the
    city's policy compares against (#17 item 1, only hashes), and the expiry counts anew.
    An issued one-time password is not history: its holder never chose it."""
    if user.has_usable_password() and not user.must_change_password:
        PasswordHistory.objects.create(user=user, password=user.password, created_at=clock.now())
        keep = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[
            :PASSWORD_HISTORY_KEPT
        ]
        PasswordHistory.objects.filter(user=user).exclude(pk__in=list(keep)).delete()
    user.set_password(password)
    user.must_change_password = False
    user.password_changed_at = clock.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])


# The most any city's policy may ask a new password to differ from (SecurityPolicy.history).
PASSWORD_HISTORY_KEPT = 24


@transaction.atomic
def user_password_set(*, actor: Actor, user_id: int, password: str) -> User:
    """Give a user a known password after checking it against the site's validators (demo
    accounts, operators): the holder chose it, so no change is forced."""
    user = User.objects.get(pk=user_id)
    _password_replace(user, _validated(password, user))
    audit_record_under(
        actor=actor,
        action="user.password_set",
        object_type="user",
        object_id=user.pk,
        object_label=str(user),
        org_paths=user_org_paths(user.pk),
        changes={"password": ["(已隐藏)", "(已变更)"]},
    )
    return user


# Issued passwords are read off a paper slip and typed in (#11 item 1): no characters that
# look alike in print or handwriting (0/O/o/D/Q, 1/l/I/i/j/L), grouped by four. Twelve of
# these 51 characters are about 68 bits: far beyond the login throttle's reach, and the
# holder replaces it at the first login anyway.
PASSWORD_ALPHABET = "ABCEFGHJKMNPRSTUVWXYZabcdefghkmnpqrstuvwxyz23456789"  # noqa: S105
PASSWORD_GROUPS, PASSWORD_GROUP_LENGTH = 3, 4


def password_generate() -> str:
    """A fresh one-time password such as `Kp7x-Hm3a-Zt9f`, drawn with `secrets`."""
    return "-".join(
        "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LENGTH))
        for _ in range(PASSWORD_GROUPS)
    )


def user_passwords_issue(*, actor: Actor, org_paths: Mapping[int, str]) -> list[IssuedPassword]:
    """A new one-time password for each account in `org_paths` (user id → the org path the
    event is filed under: the person's unit), stored hashed (IssuedPasswordHasher, ADR 0015).
    The holder must change it at the next login; any session still open with the old one ends
    (Django ties sessions to the password hash). One audit row per account — `user.password_issue`
    for an account that had no password yet, `user.password_reset` otherwise — naming the
    login, never the password. The caller has checked the actor's right to do it."""
    with transaction.atomic():
        users = list(User.objects.select_for_update().filter(pk__in=org_paths).order_by("pk"))
        if len(users) != len(org_paths):
            raise NotFound("账号不存在")
        # A staff account (a unit's HR officer, a bureau) is not an HR officer's to take over,
        # even when its holder is also on that officer's roster.
        staff = set(
            RoleAssignment.objects.filter(user_id__in=org_paths)
            .exclude(role=Role.LEARNER)
            .values_list("user_id", flat=True)
        )
        if staff and not is_system(actor):
            names = "、".join(str(u) for u in users if u.pk in staff)
            raise ValidationFailed(f"以下人员的账号还担任管理角色，不能在此发放密码：{names}")
        issued: list[IssuedPassword] = []
        for user in users:
            password = password_generate()
            reset = user.has_usable_password()
            user.password = make_password(password, hasher=IssuedPasswordHasher.algorithm)
            user.must_change_password = True
            issued.append(IssuedPassword(user.pk, user.username, password, reset))
        User.objects.bulk_update(users, ["password", "must_change_password"])
        by_id = {u.pk: u for u in users}
        for action, reset in (("user.password_issue", False), ("user.password_reset", True)):
            audit_record_many(
                actor=actor,
                action=action,
                object_type="user",
                items=(
                    (i.user_id, str(by_id[i.user_id]), org_paths[i.user_id], {"login": i.username})
                    for i in issued
                    if i.reset is reset
                ),
            )
    return issued


@transaction.atomic
def user_password_change(*, user: User, old_password: str, new_password: str) -> User:
    """The user replaces their own password: the current one must be right, the new one
    must pass the site's validators and differ from it. Clears the forced change."""
    if not user.check_password(old_password):
        raise ValidationFailed("当前密码不正确", {"field": "old_password"})
    if new_password == old_password:
        raise ValidationFailed("新密码不能与当前密码相同", {"field": "new_password"})
    forced = user.must_change_password
    _password_replace(user, _validated(new_password, user))
    audit_record_under(
        actor=user,
        action="user.password_change",
        object_type="user",
        object_id=user.pk,
        object_label=str(user),
        org_paths=user_org_paths(user.pk),
        changes={"forced": forced},
    )
    return user


# --- second factors: TOTP and security keys (#17 item 1, ADR 0026) --------------------------


def _audit_user(actor: Actor | None, action: str, user: User, changes: dict[str, Any]) -> None:
    audit_record_under(
        actor=actor,
        action=action,
        object_type="user",
        object_id=user.pk,
        object_label=user.username,
        org_paths=user_org_paths(user.pk),
        changes=changes,
    )


def totp_pending(*, user: User) -> Any:
    """The unconfirmed TOTP device a user enrolling sees as a QR code: made once, kept until
    confirmed, so reloading the page does not change the secret being scanned."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)


def totp_confirm(*, user: User, device_id: int, token: str) -> Any:
    """Enrol the pending TOTP device once the user typed a code it shows (proof they hold
    it); audited. ValidationFailed for a wrong code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        raise NotFound("待绑定的验证器不存在")
    if not device.verify_token(token.strip()):
        _audit_user(user, "auth.2fa_failed", user, {"method": "totp", "enrolment": True})
        raise ValidationFailed("验证码不正确，请核对手机上的时间后重试", {"field": "token"})
    with transaction.atomic():  # the failure above stays recorded: no transaction around it
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _audit_user(user, "auth.2fa_enrol", user, {"method": "totp", "device": device.pk})
    return device


def totp_verify(*, user: User, token: str) -> Any:
    """The user's TOTP device that accepts `token` (each code once: django-otp keeps the last
    time step used), or ValidationFailed; every attempt audited. django-otp slows repeated
    failures down (TOTP_THROTTLE_FACTOR), on top of the login's own lockout."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    devices = list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk"))
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if not allowed:
            _audit_user(None, "auth.2fa_failed", user, {"method": "totp", "throttled": True})
            wait = (info or {}).get("locked_until")
            raise ValidationFailed(
                "验证码错误次数过多，请稍后再试"
                + (f"（{wait.astimezone(clock.TZ):%H:%M:%S} 后）" if wait else ""),
                {"field": "token"},
            )
        if device.verify_token(token.strip()):
            _audit_user(user, "auth.2fa_verify", user, {"method": "totp"})
            return device
    _audit_user(None, "auth.2fa_failed", user, {"method": "totp"})
    raise ValidationFailed("验证码不正确", {"field": "token"})


@transaction.atomic
def totp_enrol_secret(*, actor: Actor, user_id: int, key_hex: str) -> Any:
    """Enrol a TOTP device with a given secret (demo data: the demo administrators' secrets
    are printed with their passwords). Replaces any TOTP device the user had; audited."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = User.objects.get(pk=user_id)
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="TOTP", key=key_hex, confirmed=True)
    _audit_user(actor, "auth.2fa_enrol", user, {"method": "totp", "device": device.pk})
    return device


@transaction.atomic
def security_key_add(
    *, user: User, name: str, credential_id: str, public_key: bytes, sign_count: int
) -> SecurityKey:
    """A WebAuthn credential the user just registered (accounts.webauthn verified it)."""
    if SecurityKey.objects.filter(credential_id=credential_id).exists():
        raise ValidationFailed("该安全密钥已经绑定")
    key = SecurityKey.objects.create(
        user=user,
        name=(name or "安全密钥")[:64],
        confirmed=True,
        credential_id=credential_id,
        public_key=public_key,
        sign_count=sign_count,
    )
    _audit_user(user, "auth.2fa_enrol", user, {"method": "webauthn", "device": key.pk})
    return key


def security_key_used(*, key: SecurityKey, sign_count: int) -> None:
    """A successful assertion with `key`: its counter moves on; audited as a verification."""
    key.sign_count, key.last_used_at = sign_count, clock.now()
    key.save(update_fields=["sign_count", "last_used_at"])
    _audit_user(key.user, "auth.2fa_verify", key.user, {"method": "webauthn", "device": key.pk})


# --- the security administrator's work (#17 item 2) -------------------------------------------


@transaction.atomic
def second_factors_reset(*, actor: Actor, user_id: int) -> int:
    """Remove every second factor of an account (lost phone or key): its holder enrols anew
    at the next login. Returns how many were removed; audited."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = access_account_by_id(actor, user_id)
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    removed += SecurityKey.objects.filter(user=user).delete()[0]
    _audit_user(actor, "auth.2fa_reset", user, {"removed": removed})
    return removed


@transaction.atomic
def account_unlock(*, actor: Actor, user_id: int) -> int:
    """End a lockout before its time: the throttle forgets the failures; audited."""
    from axes.models import AccessAttempt

    user = access_account_by_id(actor, user_id)
    cleared = AccessAttempt.objects.filter(username=user.username).delete()[0]
    _audit_user(actor, "auth.unlock", user, {"attempts_cleared": cleared})
    return cleared


@transaction.atomic
def account_disable(*, actor: Actor, user_id: int, reason: str = "dormant") -> User:
    """The security administrator disables an account it manages (#17 item 4: the review of
    dormant accounts, 8.1.4.2 c): it can no longer log in, its sessions end at their next
    request (Django's backend refuses an inactive user) and its API tokens stop working;
    audited with the last login. Nothing is deleted: roles and history stay."""
    user = access_account_by_id(actor, user_id)
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    last = user.last_login
    _audit_user(
        actor,
        "account.disable",
        user,
        {"reason": reason, "last_login": last.isoformat() if last else None},
    )
    return user


@transaction.atomic
def account_erase(*, actor: Actor, user_id: int) -> bool:
    """Disable a learner's account for good when their person is anonymised (#17 item 4,
    `civtrain retention`): inactive, no usable password, no name or address, no second
    factor, tokens revoked. Returns False when there was nothing left to erase (idempotent);
    audited by the caller with the person."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        return False
    before = (user.is_active, user.has_usable_password(), user.display_name, user.email)
    user.is_active = False
    user.set_unusable_password()
    user.display_name = user.first_name = user.last_name = user.email = ""
    user.must_change_password = False
    user.save()
    PasswordHistory.objects.filter(user=user).delete()
    TOTPDevice.objects.filter(user=user).delete()
    SecurityKey.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user, revoked=False).update(revoked=True, revoked_at=clock.now())
    return before != (False, False, "", "")


@transaction.atomic
def role_grant(*, actor: Actor, user_id: int, role: Role, org_id: int) -> RoleAssignment:
    """The security administrator grants one of GRANTABLE_ROLES at a node of its city."""
    paths = security_admin_paths(actor)
    if role not in GRANTABLE_ROLES:
        raise ValidationFailed("三员角色由平台部署时设定，不能在此授予", {"field": "role"})
    org_path = _org_paths([org_id]).get(org_id)
    if org_path is None or not any(org_path.startswith(p) for p in paths):
        raise NotFound("机构不存在或不在您的管理范围内")
    user = access_account_by_id(actor, user_id)
    return role_assign(actor=actor, user=user, role=role, org_id=org_id)


@transaction.atomic
def role_revoke(*, actor: Actor, assignment_id: int) -> None:
    """Withdraw one role; the learner's role follows the person (people), not this page."""
    paths = security_admin_paths(actor)
    assignment = (
        RoleAssignment.objects.select_related("org", "user").filter(pk=assignment_id).first()
    )
    if assignment is None or not any(assignment.org.path.startswith(p) for p in paths):
        raise NotFound("角色不存在或不在您的管理范围内")
    if Role(assignment.role) not in GRANTABLE_ROLES:
        raise ValidationFailed("该角色不能在此撤销")
    user = access_account_by_id(actor, assignment.user_id)
    audit_record(
        actor=actor,
        action="role.revoke",
        object_type="user",
        object_id=user.pk,
        object_label=str(user),
        org_path=assignment.org.path,
        changes={"role": assignment.role, "org_id": assignment.org_id},
    )
    assignment.delete()


POLICY_BOUNDS = {
    "min_length": (8, 64),
    "min_classes": (2, 4),
    "history": (0, PASSWORD_HISTORY_KEPT),
    "expiry_days": (0, 365),
    "idle_minutes": (5, 480),
    "absolute_hours": (1, 24),
    "retention_years": (0, 50),  # 0: people who left are kept (#17 item 4)
    "dormant_days": (30, 730),
}


@transaction.atomic
def security_policy_set(*, actor: Actor, values: Mapping[str, int | bool]) -> SecurityPolicyData:
    """The security administrator sets its city's policy within bounds no city may go below
    (GB/T 22239 level 3: at least 8 characters of 2 classes, sessions that end); audited with
    the changed rules. New rules apply to passwords chosen and logins made from now on."""
    from civtrain.accounts.password_policy import policy_data

    paths = security_admin_paths(actor)
    city_id = int(paths[0].split("/")[0])
    row = SecurityPolicy.objects.select_for_update().filter(city_id=city_id).first()
    before = policy_data(row)
    row = row or SecurityPolicy(city_id=city_id)
    for name, (low, high) in POLICY_BOUNDS.items():
        value = int(values.get(name, getattr(before, name)))
        if not low <= value <= high:
            raise ValidationFailed(f"取值应为 {low}–{high}", {"field": name})
        setattr(row, name, value)
    row.learner_second_factor = bool(
        values.get("learner_second_factor", before.learner_second_factor)
    )
    row.save()
    after = policy_data(row)
    audit_record(
        actor=actor,
        action="security.policy_set",
        object_type="security_policy",
        object_id=city_id,
        object_label=_org_labels_plain([city_id]).get(city_id, ""),
        org_path=paths[0],
        changes=diff(before.__dict__, after.__dict__),
    )
    return after


def _org_labels_plain(org_ids: Iterable[int]) -> dict[int, str]:
    nodes = RoleAssignment.org.field.related_model._default_manager
    return dict(nodes.filter(pk__in=set(org_ids)).values_list("pk", "name"))


def audit_second_factor_failed(*, user: User, method: str) -> None:
    _audit_user(None, "auth.2fa_failed", user, {"method": method})
