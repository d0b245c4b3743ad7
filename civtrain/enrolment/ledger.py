"""Passing trainees' ledger entries, written only through credits.api (ARCHITECTURE §2)."""

from collections.abc import Sequence
from typing import Any

from civtrain.classes.api import ClassData
from civtrain.credits import api as credits_api
from civtrain.credits.data import EntryInput, Result, SourceType
from civtrain.enrolment.errors import EnrolmentError, EnrolmentErrorCode


def source_ref(class_id: int, enrolment_id: int) -> str:
    # The ledger treats (person, source type, source ref) as one source: writing it twice
    # is a no-op, so a retried finalisation cannot double the hours.
    return f"class:{class_id}:enrolment:{enrolment_id}"


def entries_for(tc: ClassData, enrolments: Sequence[Any]) -> list[EntryInput]:
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
            hours=tc.total_hours,
            days=tc.days,
            subject_hours=dict(tc.subject_hours),
            result=Result.PASSED,
            score=e.total_score,
            evidence=f"培训班 {tc.code}",
        )
        for e in enrolments
    ]


def record_class_results(*, actor: Any, tc: ClassData, enrolments: Sequence[Any]) -> int:
    entries = entries_for(tc, enrolments)
    if not entries:
        return 0
    result = credits_api.credit_entries_bulk_record(actor=actor, entries=entries)
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
