"""Thin HTTP layer over the compliance selectors; every read is scoped to the actor."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from civtrain.accounts.api import PERSONNEL_ROLES, actor_scope
from civtrain.compliance import selectors
from civtrain.compliance.ruleset import schema
from civtrain.core.errors import NotFound
from civtrain.core.fields import DbId, ReportDate, Year
from civtrain.people.api import access_person

router = Router(tags=["compliance"])


class OutcomeOut(Schema):
    rule: str
    clause: str
    title: str
    required: float
    achieved: float
    unit: str
    status: str
    deadline: dt.date | None
    explanation: str
    year: int
    consequences: list[str]


class StudyCreditsOut(Schema):
    """学分 (ZZ-M1) earned in the year under the governing set's credit system."""

    clause: str
    year: int
    earned: float
    unit: str


class PersonOutcomesOut(Schema):
    name: str
    id_number_masked: str
    unit_code: str
    outcomes: list[OutcomeOut]
    # issue #10 item 12: null where the governing set has no credit system
    credits: StudyCreditsOut | None


class LinkageOut(Schema):
    eligible_excellent: bool
    grade_deferred: bool
    appointment_blocked: bool
    complete: bool
    reasons: list[str]


class PersonComplianceOut(PersonOutcomesOut):
    # Not "PersonDetailOut": the OpenAPI components are keyed by class name, and the people
    # app's detail took this one's place (#8 item 11).
    person_id: int
    year: int
    as_of: dt.date
    ruleset: str
    linkage: LinkageOut


class UnitOut(Schema):
    unit_code: str
    unit_name: str
    year: int
    headcount: int
    complete: int
    completion_rate: float
    task_missed: bool
    quota_pct: float
    quota_max_pct: float
    quota_cut_pct: float
    excellent_quota: int
    reasons: list[str]
    unit_outcomes: list[OutcomeOut]


class SnapshotOut(Schema):
    year: int
    as_of: dt.date
    ruleset: str
    computed_at: dt.datetime
    is_latest: bool
    outcomes: list[OutcomeOut]
    linkage: LinkageOut


class RuleSetOut(Schema):
    name: str
    version: int
    title: str
    valid_from: dt.date
    valid_to: dt.date | None


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


@router.get("/schema", auth=None, summary="规则集文件的 JSON Schema")
def ruleset_schema(request: HttpRequest) -> dict[str, Any]:
    return schema()


@router.get("/rulesets", response=list[RuleSetOut], summary="已载入的规则集")
def ruleset_list(request: HttpRequest) -> Any:
    return list(selectors.ruleset_list())


@router.get("/people", response=list[PersonOutcomesOut], summary="培训达标情况（按人）")
def people_outcomes(
    request: HttpRequest, year: Year, unit: str | None = None, as_of: ReportDate | None = None
) -> list[dict[str, Any]]:
    """The same list as `civtrain compliance --format json`, for the people the actor sees."""
    _, results = selectors.evaluate(year=year, as_of=as_of, unit_code=unit, actor=_actor(request))
    return [r.as_json() for r in results]


@router.get("/people/{person_id}", response=PersonComplianceOut, summary="某人的达标情况与考核影响")
def person_outcomes(
    request: HttpRequest, person_id: DbId, year: Year, as_of: ReportDate | None = None
) -> dict[str, Any]:
    access_person(_actor(request), person_id)  # NotFound when out of scope
    _, results = selectors.evaluate(
        actor=_actor(request), year=year, as_of=as_of, person_ids=[person_id]
    )
    r = next(iter(results))
    return {
        **r.as_json(),
        "person_id": r.person_id,
        "year": r.year,
        "as_of": r.as_of,
        "ruleset": r.ruleset,
        "linkage": r.linkage.as_json(),
    }


@router.get("/people/{person_id}/snapshots", response=list[SnapshotOut], summary="历次评估快照")
def person_snapshots(request: HttpRequest, person_id: DbId, year: Year) -> Any:
    return list(selectors.snapshot_history(actor=_actor(request), person_id=person_id, year=year))


@router.get("/units", response=list[UnitOut], summary="各单位完成率与优秀等次名额")
def units(
    request: HttpRequest, year: Year, unit: str | None = None, as_of: ReportDate | None = None
) -> list[dict[str, Any]]:
    actor = _actor(request)
    if not actor_scope(actor).has(*PERSONNEL_ROLES):
        raise NotFound()
    rows = selectors.unit_summary_list(actor=actor, year=year, as_of=as_of, unit_code=unit)
    return [
        {
            **{k: getattr(s, k) for k in UnitOut.model_fields if k != "unit_outcomes"},
            "reasons": list(s.reasons),
            "unit_outcomes": [o.as_json() for o in s.unit_outcomes],
        }
        for s in rows
    ]
