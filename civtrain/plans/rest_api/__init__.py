"""Self-check endpoints (ZZ-O2, CQ-O1, #16 item 7): a unit's system or the bureau lists and
reads the self-checks in its scope (a unit's annual self-check, a programme period's mid-term
check and final evaluation) and submits its own, its text with it.

Scope as on the pages: a self-check outside the actor's subtrees answers 404 like a missing
one, as does submitting one the actor may read but does not own (a bureau reviews a unit's
report, it does not submit it); an account that keeps no self-check (a learner) is refused
with 403."""

import datetime as dt
from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema

from civtrain.accounts.api import actor_scope
from civtrain.core import clock
from civtrain.core.errors import NotFound, PermissionDenied
from civtrain.core.fields import DbId, Year
from civtrain.plans import selfchecks

router = Router(tags=["plans"])

Text = Annotated[str, Field(max_length=20000)]


class YearFiguresOut(Schema):
    year: int
    plan_status: str
    planned_classes: int
    delivered_classes: int
    people_trained: int
    hours: float


class SelfCheckOut(Schema):
    id: int
    org_id: int
    org_code: str
    org_name: str
    kind: str
    year_from: int
    year_to: int
    status: str
    reason: str
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None


class SelfCheckDetailOut(SelfCheckOut):
    figures: list[YearFiguresOut]
    figures_at: dt.datetime | None
    achievements: str
    problems: str
    measures: str
    can_submit: bool


class SelfCheckSubmitIn(Schema):
    """The three parts of the report (ZZ-O2), saved then submitted to the bureau above."""

    achievements: Text
    problems: Text
    measures: Text


def _actor(request: HttpRequest) -> Any:
    actor = getattr(request, "auth", None)
    if not actor_scope(actor).has(*selfchecks.OWNERS):
        raise PermissionDenied("只有组织人事部门和培训主管部门可以查看自查报告")
    return actor


def _check(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "org_id": c.org_id,
        "org_code": c.org.code,
        "org_name": c.org.name,
        "kind": c.kind,
        "year_from": c.year_from,
        "year_to": c.year_to,
        "status": c.status,
        "reason": c.reason,
        "submitted_at": c.submitted_at,
        "reviewed_at": c.reviewed_at,
    }


def _detail(actor: Any, c: Any) -> dict[str, Any]:
    return {
        **_check(c),
        "figures": c.figures,
        "figures_at": c.figures_at,
        "achievements": c.achievements,
        "problems": c.problems,
        "measures": c.measures,
        "can_submit": selfchecks.may_edit(actor, c) and c.status in selfchecks.EDITABLE,
    }


@router.get("/self-checks", response=list[SelfCheckOut], summary="自查报告列表（管辖范围内）")
def selfcheck_list(request: HttpRequest, year: Year | None = None) -> Any:
    """The self-checks whose period ends in `year` (this year unless given)."""
    checks = selfchecks.selfcheck_list(actor=_actor(request), year=year or clock.today().year)
    return [_check(c) for c in checks[:1000]]


@router.get(
    "/self-checks/{int:check_id}", response=SelfCheckDetailOut, summary="自查报告（含数据）"
)
def selfcheck_detail(request: HttpRequest, check_id: DbId) -> Any:
    actor = _actor(request)
    return _detail(actor, selfchecks.access_selfcheck_by_id(actor, check_id))


@router.post(
    "/self-checks/{int:check_id}/submit", response=SelfCheckDetailOut, summary="报送自查报告"
)
def selfcheck_submit(request: HttpRequest, check_id: DbId, payload: SelfCheckSubmitIn) -> Any:
    actor = _actor(request)
    check = selfchecks.access_selfcheck_by_id(actor, check_id)
    if not selfchecks.may_edit(actor, check):
        raise NotFound("自查报告不存在或无权访问")
    with transaction.atomic():  # a refused submission keeps nothing of the text either
        selfchecks.selfcheck_save(
            actor=actor,
            check_id=check.pk,
            achievements=payload.achievements,
            problems=payload.problems,
            measures=payload.measures,
        )
        submitted = selfchecks.selfcheck_submit(actor=actor, check_id=check.pk)
    return _detail(actor, submitted)
