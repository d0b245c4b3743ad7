"""Participation and pass rates of a campaign per unit, with drill-down (ZZ-N3; issue #14
item 6): the candidates under a node grouped by the node's children, counted over the
candidates the actor may see — an organiser sees the whole population, a unit's HR their
own subtree only."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from civtrain.accounts.api import Role, actor_scope
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.exams import selectors
from civtrain.exams.models import Attempt, Candidate
from civtrain.organisations.api import org_labels, subtree_q

SEGMENT = 10  # a path segment: the node id in 9 digits and "/" (ADR 0004)


@dataclass(frozen=True)
class UnitRate:
    org_id: int
    path: str
    label: str
    candidates: int
    sat: int  # took the test at least once (participation)
    passed: int
    has_children: bool  # drill-down possible

    @property
    def participation(self) -> float:
        return self.sat / self.candidates if self.candidates else 0.0

    @property
    def pass_rate(self) -> float:
        return self.passed / self.candidates if self.candidates else 0.0


def _visible_q(actor: Actor, campaign_path: str):  # type: ignore[no-untyped-def]
    scope = actor_scope(actor)
    if scope.covers(campaign_path, *selectors.ORGANISERS):
        return subtree_q([campaign_path], "unit_path")
    return subtree_q(scope.paths_for(Role.UNIT_HR, Role.DISTRICT_BUREAU), "unit_path")


def campaign_rates(*, actor: Actor, campaign_id: int, under: str = "") -> list[UnitRate]:
    """One row per child of `under` (default: the campaign's node) holding candidates the
    actor may see; a candidate of `under` itself counts in a row of its own."""
    campaign = selectors.access_campaign_by_id(actor, campaign_id)
    root = under or campaign.org.path
    if not root.startswith(campaign.org.path):
        raise NotFound("该组织不在本次测试范围内")
    sat = Attempt.objects.filter(paper_id=OuterRef("paper_id"), person_id=OuterRef("person_id"))
    rows = (
        Candidate.objects.filter(
            _visible_q(actor, campaign.org.path),
            paper__campaign=campaign,
            unit_path__startswith=root,
        )
        .annotate(sat=Exists(sat))
        .values_list("unit_path", "sat", "passed")
    )
    groups: dict[str, list[int]] = {}
    deeper: set[str] = set()
    for unit_path, took, passed in rows:
        key = unit_path[: len(root) + SEGMENT] if len(unit_path) > len(root) else root
        counts = groups.setdefault(key, [0, 0, 0])
        counts[0] += 1
        counts[1] += int(took)
        counts[2] += int(bool(passed))
        if len(unit_path) > len(key):
            deeper.add(key)
    ids = {key: int(key[-SEGMENT:-1]) for key in groups}
    labels = org_labels(ids.values())
    return sorted(
        (
            UnitRate(ids[k], k, labels.get(ids[k], ""), c[0], c[1], c[2], k in deeper)
            for k, c in groups.items()
        ),
        key=lambda r: r.path,
    )
