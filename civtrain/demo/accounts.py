"""Steps 2 and 4: one login per role, with known passwords (demo only — they are public).

Staff accounts come before the people, because the city bureaus are the actors that write
the roster. Two learners get a password after the people exist: one law-enforcement
officer (CQ-T4b) and one recently promoted leader (凡提必训, CQ-T6b).
"""

import base64
import datetime as dt
import hashlib
import time
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, check_password

from civtrain.accounts.api import (
    SECOND_FACTOR_ROLES,
    SYSTEM,
    Role,
    User,
    role_assign,
    totp_enrol_secret,
    user_create,
    user_password_set,
)
from civtrain.demo.geography import CHONGQING, ZHENGZHOU
from civtrain.demo.people import SHOWCASE_UNITS
from civtrain.demo.steps import DemoAccount, DemoContext
from civtrain.organisations.api import OrgKind, org_by_codes, org_data_many
from civtrain.people.api import person_data, person_for_user
from civtrain.people.data import Category, EventKind, Status

# (role, login name, password, org code). Passwords pass the site's validators
# (≥ 8 characters, not common, not all digits); they are published, so demo only.
STAFF: tuple[tuple[Role, str, str, str], ...] = (
    (Role.CITY_BUREAU, "cq_city", "Cq-City#2026demo", CHONGQING.code),
    (Role.CITY_BUREAU, "zz_city", "Zz-City#2026demo", ZHENGZHOU.code),
    (Role.DISTRICT_BUREAU, "cq_yuzhong", "Cq-Yuzhong#2026demo", "500103"),
    (Role.DISTRICT_BUREAU, "zz_jinshui", "Zz-Jinshui#2026demo", "410105"),
    (Role.UNIT_HR, "cq_unit_hr", "Cq-UnitHR#2026demo", SHOWCASE_UNITS[CHONGQING.code]),
    (Role.UNIT_HR, "zz_unit_hr", "Zz-UnitHR#2026demo", SHOWCASE_UNITS[ZHENGZHOU.code]),
    (Role.INSTITUTION, "cq_institution", "Cq-Inst#2026demo", CHONGQING.code),
    (Role.TEACHER, "cq_teacher", "Cq-Teacher#2026demo", CHONGQING.code),
    (Role.EVALUATOR, "cq_evaluator", "Cq-Eval#2026demo", CHONGQING.code),
    # The three administrators (#17 item 2), one each for 重庆市.
    (Role.SYSTEM_ADMIN, "cq_sysadmin", "Cq-SysAdmin#2026demo", CHONGQING.code),
    (Role.SECURITY_ADMIN, "cq_secadmin", "Cq-SecAdmin#2026demo", CHONGQING.code),
    (Role.AUDIT_ADMIN, "cq_auditadmin", "Cq-AuditAdmin#2026demo", CHONGQING.code),
)


def demo_totp_key(username: str) -> bytes:
    """The demo administrator's TOTP secret (#17 item 1): derived from the login name, so
    every run enrols and prints the same one. Public like the passwords: demo only."""
    return hashlib.sha256(f"civtrain-demo-totp:{username}".encode()).digest()[:20]


def demo_totp_secret(username: str) -> str:
    """The secret as typed into an authenticator app (base32)."""
    return base64.b32encode(demo_totp_key(username)).decode()


def demo_totp_code(username: str, step: int | None = None) -> str:
    """The current code of a demo administrator's authenticator (or the code of time step
    `step`): what `civtrain otp-code` prints and the test logins type."""
    from django_otp.oath import TOTP

    totp = TOTP(demo_totp_key(username))
    totp.time = time.time() if step is None else step * totp.step
    return f"{totp.token():06d}"


def is_demo_totp(username: str, key_hex: str) -> bool:
    """Whether the account is a demo administrator still holding its demo secret."""
    return any(s[1] == username for s in STAFF) and key_hex == demo_totp_key(username).hex()


LEARNER_PASSWORDS = ("Learner-Law#2026demo", "Learner-Promo#2026demo")


def _user(username: str, display_name: str, password: str, org_id: int) -> Any:
    existing = User.objects.filter(username=username).first()
    if existing is None:
        return user_create(
            actor=SYSTEM,
            username=username,
            display_name=display_name,
            password=password,
            org_id=org_id,
        )
    return user_password_set(actor=SYSTEM, user_id=existing.pk, password=password)


def run_staff(ctx: DemoContext) -> str:
    for role, username, password, org_code in STAFF:
        org = ctx.orgs[org_code]
        user = _user(username, f"{org.name}（{role.label}）", password, org.id)
        role_assign(actor=SYSTEM, user=user, role=role, org_id=org.id)
        if role == Role.CITY_BUREAU:
            ctx.actors[org_code] = user
        secret = ""
        if role in SECOND_FACTOR_ROLES:
            totp_enrol_secret(actor=SYSTEM, user_id=user.pk, key_hex=demo_totp_key(username).hex())
            secret = demo_totp_secret(username)
        ctx.accounts.append(
            DemoAccount(role.label, username, password, org.name, otp_secret=secret)
        )
    return f"{len(STAFF)} 个管理账号"


def existing_staff_accounts() -> list[DemoAccount]:
    """The demo staff logins present in the database (for `make run` on a later start)."""
    present = set(
        User.objects.filter(username__in=[s[1] for s in STAFF]).values_list("username", flat=True)
    )
    names = {code: n.name for code, n in org_by_codes([s[3] for s in STAFF]).items()}
    return [
        DemoAccount(
            role.label,
            username,
            password,
            names.get(org_code, org_code),
            "初始密码",
            otp_secret=demo_totp_secret(username) if role in SECOND_FACTOR_ROLES else "",
        )
        for role, username, password, org_code in STAFF
        if username in present
    ]


def existing_learner_accounts() -> list[DemoAccount]:
    """The two demo learners, found again on a later run by the password they still hold
    (#11 item 1: `demo-data` prints them every time). Learners who chose their own password
    (or had one issued by HR) are not demo logins and are left out."""
    candidates = (
        User.objects.filter(role_assignments__role=Role.LEARNER, must_change_password=False)
        .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .order_by("pk")
        .only("pk", "username", "password")
    )
    found: dict[str, Any] = {}
    for user in candidates.iterator():
        # check_password without a setter: reading the logins never rewrites a hash.
        password = next((p for p in LEARNER_PASSWORDS if check_password(p, user.password)), None)
        if password is not None and password not in found:
            found[password] = user
            if len(found) == len(LEARNER_PASSWORDS):
                break
    accounts = []
    for password in LEARNER_PASSWORDS:
        holder = found.get(password)
        person = person_for_user(holder.pk) if holder is not None else None
        if holder is None or person is None:
            continue
        unit = org_data_many([person.unit_id])[person.unit_id]
        parent = org_data_many([unit.parent_id]).get(unit.parent_id) if unit.parent_id else None
        label = (
            f"{parent.name}{unit.name}" if unit.kind == OrgKind.DEPARTMENT and parent else unit.name
        )
        accounts.append(
            DemoAccount(Role.LEARNER.label, holder.username, password, label, person.name)
        )
    return accounts


def _org_label(ctx: DemoContext, code: str) -> str:
    """A department's name alone is ambiguous (every bureau has an 办公室): add its unit."""
    node = ctx.orgs[code]
    parent = next((n for n in ctx.orgs.values() if n.id == node.parent_id), None)
    return f"{parent.name}{node.name}" if node.kind == OrgKind.DEPARTMENT and parent else node.name


def run_learners(ctx: DemoContext) -> str:
    active = [p for p in ctx.persons if p.status == Status.ACTIVE and p.city_code == CHONGQING.code]
    enforcer = next(p for p in active if p.category == Category.LAW_ENFORCEMENT)
    promoted = max(
        (p for p in active if p.leadership_level is not None),
        key=lambda p: max(e.date for e in p.events if e.kind == EventKind.PROMOTED),
    )
    last_promotion: dt.date = max(e.date for e in promoted.events if e.kind == EventKind.PROMOTED)
    for plan, password, note in (
        (enforcer, LEARNER_PASSWORDS[0], "行政执法类"),
        (promoted, LEARNER_PASSWORDS[1], f"{last_promotion:%Y-%m-%d} 晋升"),
    ):
        assert plan.person_id is not None  # noqa: S101 - set by the people step
        person = person_data(plan.person_id)
        assert person.user_id is not None  # noqa: S101 - the bulk upsert made the account
        user = user_password_set(actor=SYSTEM, user_id=person.user_id, password=password)
        ctx.accounts.append(
            DemoAccount(
                Role.LEARNER.label,
                user.username,
                password,
                _org_label(ctx, plan.unit_code),
                f"{person.name}，{note}",
            )
        )
    return "2 个学员账号设置了密码"
