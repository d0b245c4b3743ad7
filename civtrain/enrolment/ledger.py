"""Passing trainees' ledger entries, written only through credits.api (ARCHITECTURE §2)."""

from collections.abc import Mapping, Sequence
from typing import Any

from civtrain.classes.api import ClassData
from civtrain.credits import api as credits_api
from civtrain.credits.data import EntryInput, Result, SourceType
from civtrain.enrolment.errors import EnrolmentError, EnrolmentErrorCode
from civtrain.enrolment.hours import CreditedHours


def source_ref(class_id: int, enrolment_id: int) -> str:
    # The ledger treats (person, source type, source ref) as one source: writing it twice
    # is a no-op, so a retried finalisation cannot double the hours.
    return f"class:{class_id}:enrolment:{enrolment_id}"


def entries_for(
    tc: ClassData, enrolments: Sequence[Any], credited: Mapping[int, CreditedHours]
) -> list[EntryInput]:
    """One entry per passing trainee with the hours they attended (NAT-6, CQ-M3; see
    enrolment/hours.py); a trainee who attended nothing gets no entry."""
    return [
        EntryInput(
            person_id=e.person_id,
            title=tc.title,
            date=tc.end_date,
            start_date=tc.start_date,
            training_type=tc.training_type,
            mode=tc.mode,
            source_type=SourceType.CLASS,
            source_ref=source_ref(tc.id, e.pk),
            hours=credited[e.pk].hours,
            days=credited[e.pk].days,
            subject_hours=dict(credited[e.pk].subject_hours),
            result=Result.PASSED,
            score=e.total_score,
            evidence=f"培训班 {tc.code}",
        )
        for e in enrolments
        if credited[e.pk].hours > 0
    ]


def record_class_results(
    *,
    actor: Any,
    tc: ClassData,
    enrolments: Sequence[Any],
    credited: Mapping[int, CreditedHours],
) -> int:
    entries = entries_for(tc, enrolments, credited)
    if not entries:
        return 0
    # The enrolment service checked the actor's right over the class and its trainees.
    result = credits_api.credit_entries_bulk_record(
        actor=actor, entries=entries, scope_checked=True
    )
    if result.errors:
        # A refused entry must not leave the class final with hours missing: fail the whole
        # finalisation (the caller's transaction rolls back) and say which trainee and why.
        first = result.errors[0]
        raise EnrolmentError(
            EnrolmentErrorCode.LEDGER_REFUSED,
            f"学时记入失败（第 {first.index + 1} 名合格学员）：{first.error_message}",
            {"errors": [(e.index, e.error_code, e.error_message) for e in result.errors]},
        )
    return result.created
