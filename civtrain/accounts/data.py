"""Roles and the actor's scope: what every selector asks before it reads."""

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from civtrain.core.actors import Actor


class Role(StrEnum):
    CITY_BUREAU = "city_bureau"
    DISTRICT_BUREAU = "district_bureau"
    UNIT_HR = "unit_hr"
    INSTITUTION = "institution"
    TEACHER = "teacher"
    EVALUATOR = "evaluator"
    LEARNER = "learner"
    # The three administrators of GB/T 22239-2019 8.1.4.2 (#17 item 2), separated: none can
    # do another's job, and none reads the people's personal data.
    SYSTEM_ADMIN = "system_admin"
    SECURITY_ADMIN = "security_admin"
    AUDIT_ADMIN = "audit_admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.CITY_BUREAU: "市公务员局",
    Role.DISTRICT_BUREAU: "区县公务员主管部门",
    Role.UNIT_HR: "单位组织人事部门",
    Role.INSTITUTION: "施教机构",
    Role.TEACHER: "教师",
    Role.EVALUATOR: "第三方评估",
    Role.LEARNER: "公务员",
    Role.SYSTEM_ADMIN: "系统管理员",
    Role.SECURITY_ADMIN: "安全管理员",
    Role.AUDIT_ADMIN: "审计管理员",
}

# Roles that administer people inside their org subtree.
PERSONNEL_ROLES = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.UNIT_HR)

# The three administrators (#17 item 2): granted by the platform itself (`civtrain
# admin-role`), never through the security administrator's page.
ADMIN_ROLES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)

# Roles that must pass a second factor at every login (#17 item 1, GB/T 22239 8.1.4.1):
# everyone who administers people, classes or assessments, and the three administrators.
# Teachers and learners log in with a password alone unless their city's policy says more.
SECOND_FACTOR_ROLES = (
    Role.CITY_BUREAU,
    Role.DISTRICT_BUREAU,
    Role.UNIT_HR,
    Role.INSTITUTION,
    Role.EVALUATOR,
    *ADMIN_ROLES,
)

# Roles the security administrator grants and withdraws on its page.
GRANTABLE_ROLES = (
    Role.CITY_BUREAU,
    Role.DISTRICT_BUREAU,
    Role.UNIT_HR,
    Role.INSTITUTION,
    Role.TEACHER,
    Role.EVALUATOR,
)


@dataclass(frozen=True)
class ActorScope:
    """The org subtrees an actor holds, per role. Built once per request."""

    user_id: int | None
    paths: dict[Role, tuple[str, ...]] = field(default_factory=dict)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(self.paths)

    def has(self, *roles: Role) -> bool:
        return any(r in self.paths for r in roles)

    def paths_for(self, *roles: Role) -> tuple[str, ...]:
        """Subtree roots the actor holds through any of `roles`, without nested duplicates."""
        found = sorted({p for r in roles for p in self.paths.get(r, ())})
        return tuple(p for i, p in enumerate(found) if not any(p.startswith(q) for q in found[:i]))

    def covers(self, path: str, *roles: Role) -> bool:
        return any(path.startswith(p) for p in self.paths_for(*roles))


ANONYMOUS = ActorScope(user_id=None)


class SystemActor:
    """The platform itself (core.actors.Actor): commands run on the server without
    `--actor` (a named user is that user, scoped), beat tasks, demo data and test fixtures.

    Its rights are its scope — the city bureau's role at the root of the tree, so every
    scope check answers for it as for a city bureau over the whole tree — and what the
    checks that name it (`is_system`) allow: writing any person's ledger, changing any org
    node, deactivating a node without the own-role guard, revoking any user's token.
    No user holds it and no request can produce it, so only code run on the server acts as
    it; audit rows show the label of the command context, or "system"."""

    pk = None
    is_authenticated = True
    is_active = True
    # "" is a prefix of every org path: the whole tree, as a city bureau would see its own.
    _civtrain_scope = ActorScope(user_id=None, paths={Role.CITY_BUREAU: ("",)})

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


def is_system(actor: Actor) -> bool:
    """Whether `actor` is the platform itself (SYSTEM). Every user, whatever their roles, is
    scoped (#8 item 12); `None` is not an actor and has no rights (issue #9 item 5)."""
    return isinstance(actor, SystemActor)


class TokenStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


TOKEN_STATUS_LABELS = {
    TokenStatus.ACTIVE: "有效",
    TokenStatus.EXPIRED: "已过期",
    TokenStatus.REVOKED: "已吊销",
}


@dataclass(frozen=True)
class ApiTokenData:
    """One of a user's API tokens as its owner may see it: never the key (#8 item 13)."""

    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    status: TokenStatus


@dataclass(frozen=True)
class IssuedPassword:
    """A one-time password just issued (#11 item 1): shown once on the slip, never stored
    in clear. `reset` is true when the account had a password before."""

    user_id: int
    username: str
    password: str
    reset: bool


@dataclass(frozen=True)
class SecurityPolicyData:
    """A city's account policy (#17 item 1): the password rules, the session lifetimes and
    whether its learners need a second factor too. Defaults: GB/T 22239 level 3 practice."""

    min_length: int = 10
    min_classes: int = 3  # of upper case, lower case, digits, other characters
    history: int = 5  # the new password differs from this many previous ones
    expiry_days: int = 90  # 0: never expires
    idle_minutes: int = 30
    absolute_hours: int = 12
    learner_second_factor: bool = False
    retention_years: int = 0  # after leaving, then `civtrain retention` anonymises; 0: never
    dormant_days: int = 90  # staff accounts without a login this long are reviewed


DEFAULT_POLICY = SecurityPolicyData()


@dataclass(frozen=True)
class StaffAccountData:
    """A staff account as the security administrator sees it: login, name, roles and the
    state of its credentials; never the person's personal data."""

    id: int
    username: str
    display_name: str
    is_active: bool
    roles: tuple[tuple[str, str, int], ...]  # (role, role label, org id)
    org_labels: tuple[str, ...]
    second_factors: tuple[str, ...]  # "TOTP", "安全密钥 …"
    locked: bool
    last_login: dt.datetime | None
