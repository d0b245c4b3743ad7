"""The policy a signed-in session runs under (#17 item 1): stamped at login, checked on each
request by accounts.middleware. Times are the platform clock's (civtrain.core.clock)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from civtrain.accounts.data import SECOND_FACTOR_ROLES, Role
from civtrain.accounts.models import User
from civtrain.accounts.password_policy import policy_for_user

AUTH_AT = "civtrain_auth_at"
SEEN_AT = "civtrain_seen_at"
POLICY = "civtrain_policy"
# The last-seen stamp is rewritten once it is this many seconds old, not on every request: a
# player's heartbeat every 15 s or a candidate's answer saves would otherwise write the
# session row each time (#12, #14 throughput). The idle timeout is then measured from a
# stamp up to a minute old: a session may end up to a minute before its full idle time,
# never after it. The session is stored only when it changes (SESSION_SAVE_EVERY_REQUEST
# off), so an active session is still saved — and its stored expiry moved — once a minute.
SEEN_STEP = 60


def session_start(session: Any, user: User, now: dt.datetime) -> None:
    """Stamp a new login with its time and the user's policy (read once per login)."""
    policy = policy_for_user(user.pk)
    session[AUTH_AT] = session[SEEN_AT] = now.timestamp()
    session[POLICY] = {
        "idle_minutes": policy.idle_minutes,
        "absolute_hours": policy.absolute_hours,
        "expiry_days": policy.expiry_days,
        "learner_second_factor": policy.learner_second_factor,
    }


def session_check(session: Any, user: User, now: dt.datetime) -> str | None:
    """ "idle" or "expired" when the session must end; else records this request's time
    (to SEEN_STEP). A session opened before this control existed starts counting now."""
    policy = session.get(POLICY)
    if policy is None:
        session_start(session, user, now)
        return None
    if not settings.CIVTRAIN_SESSION_TIME_LIMITS:
        return None
    t = now.timestamp()
    idle = int(policy.get("idle_minutes") or 0) * 60
    absolute = int(policy.get("absolute_hours") or 0) * 3600
    if idle and t - float(session.get(SEEN_AT, t)) > idle:
        return "idle"
    if absolute and t - float(session.get(AUTH_AT, t)) > absolute:
        return "expired"
    if t - float(session.get(SEEN_AT, 0)) >= SEEN_STEP:
        session[SEEN_AT] = t
    return None


@dataclass(frozen=True)
class SignInLimits:
    """When a sign-in must end, for a capability it hands out (a play session's or an
    attempt's token, ADR 0029): answered without the session, such a request cannot run
    session_check, so the capability carries the limits. `ends_at`: the absolute lifetime's
    end (None: none); `idle_seconds`: the longest silence allowed (0: none)."""

    ends_at: dt.datetime | None
    idle_seconds: int


NO_LIMITS = SignInLimits(None, 0)


def sign_in_limits(session: Any) -> SignInLimits:
    """The limits of a signed-in session as session_start stamped them (none when the time
    limits are off, or for a caller without a browser session: a bearer token, a script)."""
    policy = session.get(POLICY) if session is not None else None
    if policy is None or not settings.CIVTRAIN_SESSION_TIME_LIMITS:
        return NO_LIMITS
    absolute = int(policy.get("absolute_hours") or 0) * 3600
    started = session.get(AUTH_AT)
    ends_at = (
        dt.datetime.fromtimestamp(float(started) + absolute, tz=dt.UTC)
        if absolute and started is not None
        else None
    )
    return SignInLimits(ends_at, int(policy.get("idle_minutes") or 0) * 60)


def second_factor_required(session: Any, user: User) -> bool:
    """Administrative roles, the super-user, and learners of a city that requires it."""
    from civtrain.accounts.api import actor_scope

    if user.is_superuser:
        return True
    scope = actor_scope(user)
    if scope.has(*SECOND_FACTOR_ROLES):
        return True
    policy = session.get(POLICY) or {}
    return bool(policy.get("learner_second_factor")) and scope.has(Role.LEARNER)


def password_expired(session: Any, user: User, now: dt.datetime) -> bool:
    if not settings.CIVTRAIN_SESSION_TIME_LIMITS:
        return False
    days = int((session.get(POLICY) or {}).get("expiry_days") or 0)
    changed = user.password_changed_at
    return bool(days and changed is not None and now - changed > dt.timedelta(days=days))
