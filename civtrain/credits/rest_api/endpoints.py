"""Thin HTTP layer over the ledger's selectors and services; rules and scoping live below."""

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import File, Form, Router, Status, UploadedFile
from pydantic import ValidationError as PydanticError

from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound, ValidationFailed
from civtrain.core.fields import Numeric7_2, Numeric8_2
from civtrain.credits import selectors, services
from civtrain.credits.data import (
    BulkItemResult,
    ClaimInput,
    Correction,
    EntryData,
    EntryInput,
    ItemStatus,
)
from civtrain.credits.rest_api.schemas import (
    BulkIn,
    BulkItemOut,
    BulkOut,
    ClaimOut,
    DecisionIn,
    EntryIn,
    EntryOut,
    ItemError,
    ReverseIn,
    ReverseOut,
)
from civtrain.people import api as people_api

router = Router(tags=["credits"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _entry_out(e: EntryData) -> EntryOut:
    return EntryOut(
        id=e.id,
        person_id=e.person_id,
        seq=e.seq,
        title=e.title,
        start_date=e.start_date,
        date=e.date,
        year=e.year,
        hours=e.hours,
        days=e.days,
        training_type=e.training_type,
        mode=e.mode,
        subject_hours=dict(e.subject_hours),
        result=e.result,
        score=e.score,
        source_type=e.source_type,
        source_ref=e.source_ref,
        reverses_id=e.reverses_id,
        reason=e.reason,
        evidence=e.evidence,
        recorded_at=e.recorded_at,
        hash=e.hash,
        created=e.created,
    )


_NOT_FOUND = "人员不存在或不在您的管辖范围内"


def _resolve_people(actor: Actor, items: list[EntryIn]) -> list[int | None]:
    """Each item's person id: `person_id` as given, or the person with `id_number` if the
    actor may see them — an unknown and an out-of-scope number both give None, so they
    answer alike (issue 8 item 2)."""
    numbers = [i.id_number for i in items if i.person_id is None and i.id_number]
    found = people_api.person_ids_by_id_number_in_scope(actor, numbers)
    return [i.person_id if i.person_id is not None else found.get(i.id_number or "") for i in items]


def _input(item: EntryIn, person_id: int) -> EntryInput:
    return EntryInput(
        person_id=person_id,
        title=item.title,
        date=item.date,
        start_date=item.start_date,
        hours=item.hours,
        days=item.days,
        training_type=item.training_type,
        mode=item.mode,
        subject_hours=item.subject_hours,
        source_type=item.source_type,
        source_ref=item.source_ref,
        result=item.result,
        score=item.score,
        evidence=item.evidence,
        reason=item.reason,
    )


def _input_or_404(actor: Actor, item: EntryIn) -> EntryInput:
    if item.person_id is None and not item.id_number:
        raise ValidationFailed("请提供 person_id 或身份证号 id_number")
    [person_id] = _resolve_people(actor, [item])
    if person_id is None:
        raise NotFound(_NOT_FOUND)
    return _input(item, person_id)


def reading_router(hours_per_day: selectors.HoursPerDay | None = None) -> Router:
    """The entries of a person, each with what it recorded and, for a days-only or
    hours-only entry, what it comes to under the set governing its date (REQUIREMENTS §8,
    issue #10 item 6). `hours_per_day` is compliance's, passed in by config/api.py (the ledger
    may not import compliance and keeps no registry of it)."""
    reading = Router(tags=["credits"])

    @reading.get("/people/{person_id}/entries", response=list[EntryOut], summary="某人的培训记录")
    def person_entries(request: HttpRequest, person_id: int) -> list[EntryOut]:
        record = selectors.training_record(
            actor=_actor(request), person_id=person_id, hours_per_day=hours_per_day
        )
        out = []
        for line in record.lines:
            item = _entry_out(services.to_data(line.entry, line.subjects))
            item.reversed_by_id = line.reversed_by.pk if line.reversed_by else None
            item.hours_per_day = line.hours_per_day
            item.converted_hours, item.converted_days = line.converted_hours, line.converted_days
            out.append(item)
        return out

    return reading


@router.post("/entries", response={201: EntryOut, 200: EntryOut}, summary="登记一条培训记录")
def entry_create(request: HttpRequest, payload: EntryIn) -> Status:
    services.require_ledger_writer(_actor(request))
    entry = services.credit_entry_record_input(
        actor=_actor(request), entry=_input_or_404(_actor(request), payload)
    )
    return Status(201 if entry.created else 200, _entry_out(entry))


@router.post(
    "/entries/bulk", response=BulkOut, summary="批量登记（外部系统推送，按 source_ref 幂等）"
)
def entries_bulk(request: HttpRequest, payload: BulkIn) -> BulkOut:
    services.require_ledger_writer(_actor(request))
    inputs: list[EntryInput] = []
    positions: list[int] = []
    unresolved: dict[int, BulkItemResult] = {}
    resolved = _resolve_people(_actor(request), payload.entries)
    for index, (item, person_id) in enumerate(zip(payload.entries, resolved, strict=True)):
        if person_id is None:
            # The answer _record gives a person out of scope, word for word.
            unresolved[index] = BulkItemResult(
                index, ItemStatus.ERROR, None, "not_found", _NOT_FOUND
            )
            continue
        inputs.append(_input(item, person_id))
        positions.append(index)
    result = services.credit_entries_bulk_record(actor=_actor(request), entries=inputs)
    items = dict(unresolved)
    for r in result.items:
        original = positions[r.index]
        items[original] = BulkItemResult(
            original, r.status, r.entry_id, r.error_code, r.error_message
        )
    out = [
        BulkItemOut(
            index=i.index,
            status=i.status.value,
            entry_id=i.entry_id,
            error=ItemError(code=i.error_code, message=i.error_message)
            if i.status == ItemStatus.ERROR
            else None,
        )
        for _, i in sorted(items.items())
    ]
    return BulkOut(
        created=result.created,
        existing=result.existing,
        failed=result.failed + len(unresolved),
        items=out,
    )


@router.post("/entries/{entry_id}/reverse", response=ReverseOut, summary="冲正（可附更正记录）")
def entry_reverse(request: HttpRequest, entry_id: int, payload: ReverseIn) -> ReverseOut:
    services.require_ledger_writer(_actor(request))
    selectors.entry_get(actor=_actor(request), entry_id=entry_id)  # 404 outside the scope
    correction = None
    if payload.replacement is not None:
        # What the client sent is what changes; the service builds the entry (as for the page).
        sent = payload.replacement.model_dump(exclude_unset=True, exclude={"id_number"})
        correction = Correction(**sent)
    reversal, new = services.credit_entry_reverse(
        actor=_actor(request), entry_id=entry_id, reason=payload.reason, correction=correction
    )
    return ReverseOut(reversal=_entry_out(reversal), replacement=_entry_out(new) if new else None)


def claim_out(c: selectors.ExternalClaim) -> ClaimOut:
    return ClaimOut(
        id=c.pk,
        person_id=c.person_id,
        title=c.title,
        training_type=c.training_type,
        mode=c.mode,
        start_date=c.start_date,
        date=c.date,
        hours=c.hours,
        days=c.days,
        subject_hours={k: Decimal(v) for k, v in (c.subject_hours or {}).items()},
        degree_study=c.degree_study,
        description=c.description,
        evidence_url=f"/credits/claims/{c.pk}/evidence" if c.evidence else None,
        status=c.status,
        comment=c.comment,
        entry_id=c.entry_id,
        submitted_at=c.submitted_at,
        decided_at=c.decided_at,
    )


@router.get("/claims", response=list[ClaimOut], summary="外部学习申报列表（按权限范围）")
def claims_list(request: HttpRequest, status: str = "", limit: int = 100) -> list[ClaimOut]:
    claims = selectors.claim_list_latest(
        actor=_actor(request), status=status, limit=max(1, min(limit, 500))
    )
    return [claim_out(c) for c in claims]


@router.post(
    "/claims", response={201: ClaimOut}, summary="提交外部学习/学历教育申报（可附证明材料）"
)
def claims_submit(
    request: HttpRequest,
    person_id: Form[int],
    title: Form[str],
    training_type: Form[str],
    mode: Form[str],
    date: Form[dt.date],
    *,
    # Optional form fields are absent or a value: a form has no null, and "null" is not a
    # date or a number, so the schema offers none (#8 item 11, valid requests rejected).
    start_date: Annotated[dt.date, Form(None)],
    hours: Annotated[Numeric8_2, Form(None)],
    days: Annotated[Numeric7_2, Form(None)],
    subject_hours: Form[str] = "",
    degree_study: Form[bool] = False,
    description: Form[str] = "",
    evidence: File[UploadedFile] | None = None,
) -> Status:
    subjects: dict[str, Decimal] = {}
    if subject_hours:
        try:
            subjects = {k: Decimal(str(v)) for k, v in json.loads(subject_hours).items()}
        except (ValueError, AttributeError, ArithmeticError, PydanticError):
            raise ValidationFailed('subject_hours 应为 JSON，如 {"law": 4}') from None
    claim = services.claim_submit(
        actor=_actor(request),
        data=ClaimInput(
            person_id=person_id,
            title=title,
            training_type=training_type,
            mode=mode,
            date=date,
            start_date=start_date,
            hours=hours,
            days=days,
            subject_hours=subjects,
            degree_study=degree_study,
            description=description,
        ),
        evidence=evidence,
    )
    return Status(201, claim_out(claim))


@router.post("/claims/{claim_id}/approve", response=ClaimOut, summary="批准申报（记入账本）")
def claims_approve(request: HttpRequest, claim_id: int, payload: DecisionIn) -> ClaimOut:
    claim = services.claim_decide(
        actor=_actor(request), claim_id=claim_id, approve=True, comment=payload.comment
    )
    return claim_out(claim)


@router.post("/claims/{claim_id}/reject", response=ClaimOut, summary="驳回申报")
def claims_reject(request: HttpRequest, claim_id: int, payload: DecisionIn) -> ClaimOut:
    claim = services.claim_decide(
        actor=_actor(request), claim_id=claim_id, approve=False, comment=payload.comment
    )
    return claim_out(claim)


__all__ = ["Any", "router"]
