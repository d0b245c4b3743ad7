"""A city's account policy (#17 item 1): which city an account belongs to, its password rules
(length, character classes, history, expiry) and the validator Django runs them through."""

import string
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from civtrain.accounts.data import DEFAULT_POLICY, SecurityPolicyData
from civtrain.accounts.models import PasswordHistory, RoleAssignment, SecurityPolicy, User


def city_ids_of_user(user_id: int) -> list[int]:
    """The cities (root org nodes) the user holds a role in: the first id of each path."""
    paths = RoleAssignment.objects.filter(user_id=user_id).values_list("org__path", flat=True)
    return sorted({int(p.split("/")[0]) for p in paths if p})


def policy_data(row: SecurityPolicy | None) -> SecurityPolicyData:
    if row is None:
        return DEFAULT_POLICY
    return SecurityPolicyData(
        min_length=row.min_length,
        min_classes=row.min_classes,
        history=row.history,
        expiry_days=row.expiry_days,
        idle_minutes=row.idle_minutes,
        absolute_hours=row.absolute_hours,
        learner_second_factor=row.learner_second_factor,
        retention_years=row.retention_years,
        dormant_days=row.dormant_days,
    )


def policy_for_city(city_id: int) -> SecurityPolicyData:
    return policy_data(SecurityPolicy.objects.filter(city_id=city_id).first())


def policy_for_user(user_id: int | None) -> SecurityPolicyData:
    """The policy of the user's city; for an account in two cities, the stricter of each
    rule (longer, more classes, shorter lifetimes)."""
    if user_id is None:
        return DEFAULT_POLICY
    cities = city_ids_of_user(user_id)
    rows = [policy_data(r) for r in SecurityPolicy.objects.filter(city_id__in=cities)]
    rows += [DEFAULT_POLICY] * (len(cities) - len(rows))
    if not rows:
        return DEFAULT_POLICY

    def shortest(values: list[int]) -> int:
        positive = [v for v in values if v > 0]
        return min(positive) if positive else 0

    return SecurityPolicyData(
        min_length=max(r.min_length for r in rows),
        min_classes=max(r.min_classes for r in rows),
        history=max(r.history for r in rows),
        expiry_days=shortest([r.expiry_days for r in rows]),
        idle_minutes=shortest([r.idle_minutes for r in rows]),
        absolute_hours=shortest([r.absolute_hours for r in rows]),
        learner_second_factor=any(r.learner_second_factor for r in rows),
        retention_years=shortest([r.retention_years for r in rows]),
        dormant_days=shortest([r.dormant_days for r in rows]),
    )


CLASSES = (
    (string.ascii_uppercase, "大写字母"),
    (string.ascii_lowercase, "小写字母"),
    (string.digits, "数字"),
)


def character_classes(password: str) -> int:
    """How many of upper case, lower case, digits and other characters the password holds."""
    found = sum(1 for chars, _label in CLASSES if any(c in chars for c in password))
    other = any(not any(c in chars for chars, _label in CLASSES) for c in password)
    return found + int(other)


def _recent_hashes(user: User, count: int) -> list[str]:
    if count <= 0 or user.pk is None:
        return []
    hashes = [user.password] if user.has_usable_password() and not user.must_change_password else []
    hashes += list(
        PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[
            : max(count - len(hashes), 0)
        ]
    )
    return hashes[:count]


class CityPolicyValidator:
    """Django password validator: the rules of the user's city (DEFAULT_POLICY otherwise)."""

    def validate(self, password: str, user: Any = None) -> None:
        policy = policy_for_user(getattr(user, "pk", None))
        errors: list[str] = []
        if len(password) < policy.min_length:
            errors.append(_("密码至少 %(n)d 个字符。") % {"n": policy.min_length})
        if character_classes(password) < policy.min_classes:
            errors.append(
                _("密码须包含大写字母、小写字母、数字、其他字符中的至少 %(n)d 类。")
                % {"n": policy.min_classes}
            )
        if isinstance(user, User) and any(
            check_password(password, h) for h in _recent_hashes(user, policy.history)
        ):
            errors.append(_("新密码不能与最近使用过的 %(n)d 个密码相同。") % {"n": policy.history})
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        p = DEFAULT_POLICY
        return _(
            "至少 %(length)d 个字符，包含大写字母、小写字母、数字、其他字符中的至少 "
            "%(classes)d 类，不能与最近 %(history)d 个密码相同（本市另有规定的，以本市为准）。"
        ) % {"length": p.min_length, "classes": p.min_classes, "history": p.history}
