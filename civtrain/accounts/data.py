"""Roles and the actor's scope: what every selector asks before it reads."""

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    CITY_BUREAU = "city_bureau"
    DISTRICT_BUREAU = "district_bureau"
    UNIT_HR = "unit_hr"
    INSTITUTION = "institution"
    TEACHER = "teacher"
    EVALUATOR = "evaluator"
    LEARNER = "learner"

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
}

# Roles that administer people inside their org subtree.
PERSONNEL_ROLES = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.UNIT_HR)


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
