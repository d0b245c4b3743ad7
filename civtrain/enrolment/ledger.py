"""Trainees' ledger entries at finalisation, written only through credits.api (ARCHITECTURE §2)."""

from collections.abc import Mapping, Sequence
from typing import Any

from civtrain.classes.api import ClassData
from civtrain.core.actors import Actor
from civtrain.credits import api as credits_api
from civtrain.credits.data import EntryInput, Result, SourceType
from civtrain.enrolment.data import EnrolmentStatus
from civtrain.enrolment.errors import EnrolmentError, EnrolmentErrorCode
from civtrain.enrolment.hours import CreditedHours


def source_ref(class_id: int, enrolment_id: int) -> str:
    # The ledger treats (person, source type, source ref) as one source: writing it twice
    # is a no-op, so a retried finalisation cannot double the hours.
    return f"class:{class_id}:enrolment:{enrolment_id}"


def result_of(e: Any) -> tuple[Result, str]:
    """The entry's result and the reason written beside it (REQUIREMENTS §8 "Failed training"):
    passed; failed completion assessment (ZZ-M1); withdrawn (退学, NAT-6 or the institution),
    which the ledger records as failed with the withdrawal's reason, so that ZZ-M4 and CQ-M3
    read one result for "did not complete the training successfully"."""
    if e.status == EnrolmentStatus.DROPPED:
        return Result.FAILED, f"退学：{e.status_reason}"[:300]
    if e.passed:
        return Result.PASSED, ""
    return Result.FAILED, "结业考核不合格"


def entries_for(
    tc: ClassData, enrolments: Sequence[Any], credited: Mapping[int, CreditedHours]
) -> list[tuple[Any, EntryInput]]:
    """One entry per trainee with the hours they attended (NAT-6, CQ-M3; see
    enrolment/hours.py) and their result. A passing trainee who attended nothing gets no
    entry; a failed or withdrawn one always does, even with 0 hours, because the
    consequences read the result (§8 "Failed training"). Whether a failed entry's hours
    count toward annual totals is the governing rule set's choice, made when the engine
    evaluates: the ledger keeps what was recorded (ADR 0011)."""
    entries = []
    for e in enrolments:
        result, reason = result_of(e)
        hours = credited[e.pk]
        if result == Result.PASSED and hours.hours <= 0:
            continue
        entries.append(
            (
                e,
                EntryInput(
                    person_id=e.person_id,
                    title=tc.title,
                    date=tc.end_date,
                    start_date=tc.start_date,
                    training_type=tc.training_type,
                    mode=tc.mode,
                    source_type=SourceType.CLASS,
                    source_ref=source_ref(tc.id, e.pk),
                    hours=hours.hours,
                    days=hours.days,
                    subject_hours=dict(hours.subject_hours),
                    result=result,
                    score=e.total_score if e.status == EnrolmentStatus.ENROLLED else None,
                    evidence=f"培训班 {tc.code}",
                    reason=reason,
                ),
            )
        )
    return entries


def record_class_results(
    *,
    actor: Actor,
    tc: ClassData,
    enrolments: Sequence[Any],
    credited: Mapping[int, CreditedHours],
) -> int:
    pairs = entries_for(tc, enrolments, credited)
    if not pairs:
        return 0
    # The enrolment service checked the actor's right over the class and its trainees.
    result = credits_api.credit_entries_bulk_record(
        actor=actor, entries=[i for _, i in pairs], scope_checked=True
    )
    if result.errors:
        # A refused entry must not leave the class final with results missing: fail the
        # whole finalisation (the caller's transaction rolls back) and say which and why.
        first = result.errors[0]
        raise EnrolmentError(
            EnrolmentErrorCode.LEDGER_REFUSED,
            f"培训结果记入档案失败（{pairs[first.index][0].person.name}）：{first.error_message}",
            {"errors": [(e.index, e.error_code, e.error_message) for e in result.errors]},
        )
    return result.created
