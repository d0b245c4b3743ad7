"""Ledger service rules: conversions, idempotency, subject hours, reversals, the chain."""

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest

from civtrain.core.errors import ApplicationError, NotFound
from civtrain.credits import api as credits
from civtrain.credits.chain import GENESIS
from civtrain.credits.data import Correction, EntryInput, ItemStatus
from civtrain.credits.integrity import ledger_verify
from civtrain.credits.models import LedgerEntry, LedgerSubjectHours
from civtrain.people.data import PersonData

D = Decimal


def record(actor: Any, person: PersonData, ref: str = "m:1", **kw: Any) -> credits.EntryData:
    args: dict[str, Any] = {
        "title": "初任培训班",
        "date": dt.date(2026, 6, 30),
        "training_type": "initial",
        "mode": "off_the_job",
        "source_type": "manual",
        "source_ref": ref,
    }
    args.update(kw)
    return credits.credit_entry_record(actor=actor, person_id=person.id, **args)


# REQUIREMENTS §8 "Hours and days are converted when a rule is evaluated" (PR-2, issue #10
# item 6): the ledger keeps what was recorded — hours, days or both — and converts nothing.
RECORDED = [
    # given (hours, days) → stored (hours, days)
    ((None, D(12)), (None, D("12.00"))),
    ((D(45), None), (D("45.00"), None)),
    ((D(10), D(3)), (D("10.00"), D("3.00"))),  # both, even though no per-day figure fits
]


@pytest.mark.parametrize(("given", "stored"), RECORDED)
def test_the_ledger_keeps_what_was_recorded(
    hr: Any, people: dict, given: tuple, stored: tuple
) -> None:
    e = record(hr, people["zhang"], hours=given[0], days=given[1])
    assert (e.hours, e.days, e.year) == (*stored, 2026)
    row = LedgerEntry.objects.get(pk=e.id)
    assert (row.hours, row.days, row.derived, row.schema_version) == (*stored, "", 2)


def test_days_only_subject_hours_are_bounded_by_the_longest_day(hr: Any, people: dict) -> None:
    # Without recorded hours, 2 days hold at most 2 × 12 学时 (the most a set may declare).
    e = record(hr, people["zhang"], days=D(2), subject_hours={"law": D(24)})
    assert (e.hours, e.subject_hours) == (None, {"law": D("24.00")})
    with pytest.raises(ApplicationError) as exc:
        record(hr, people["zhang"], ref="m:2", days=D(2), subject_hours={"law": D("24.01")})
    assert exc.value.code == "ledger_subject_hours_exceed"
    assert "2.00 天最多可折合的 24.00 学时" in exc.value.message


def test_year_is_the_year_of_the_end_date(hr: Any, people: dict) -> None:
    e = record(
        hr, people["zhang"], hours=D(8), start_date=dt.date(2025, 12, 30), date=dt.date(2026, 1, 1)
    )
    assert e.year == 2026


def test_same_source_twice_returns_the_first_and_writes_nothing(hr: Any, people: dict) -> None:
    first = record(hr, people["zhang"], ref="class:1:enrolment:1", hours=D(8))
    again = record(hr, people["zhang"], ref="class:1:enrolment:1", hours=D(99))
    assert again.id == first.id and again.hours == D("8.00")
    assert (first.created, again.created) == (True, False)
    assert LedgerEntry.objects.count() == 1


def test_subject_hours_are_stored_and_may_not_exceed_hours(hr: Any, people: dict) -> None:
    e = record(hr, people["zhang"], hours=D(90), subject_hours={"law": D(4), "ethics": D(2)})
    assert e.subject_hours == {"ethics": D("2.00"), "law": D("4.00")}
    rows = set(LedgerSubjectHours.objects.values_list("subject", "hours", "year", "person_id"))
    assert rows == {
        ("law", D(4), 2026, people["zhang"].id),
        ("ethics", D(2), 2026, people["zhang"].id),
    }
    with pytest.raises(ApplicationError) as exc:
        record(
            hr, people["zhang"], ref="m:2", hours=D(5), subject_hours={"law": D(4), "ethics": D(2)}
        )
    assert exc.value.code == "ledger_subject_hours_exceed"
    assert "6.00" in exc.value.message and "5.00" in exc.value.message
    with pytest.raises(ApplicationError) as exc:
        record(hr, people["zhang"], ref="m:3", hours=D(5), subject_hours={"astrology": D(1)})
    assert exc.value.code == "ledger_unknown_subject"
    assert LedgerEntry.objects.count() == 1


def test_invalid_inputs_are_refused_with_a_reason(hr: Any, people: dict) -> None:
    with pytest.raises(ApplicationError, match="学时和天数至少填写一项"):
        record(hr, people["zhang"])
    with pytest.raises(ApplicationError, match="培训类型"):
        record(hr, people["zhang"], hours=D(1), training_type="nap")
    with pytest.raises(ApplicationError, match="学时必须大于0"):
        record(hr, people["zhang"], hours=D(-3))
    assert LedgerEntry.objects.count() == 0


def test_unit_hr_of_another_unit_gets_not_found(actors: Any, tree: Any, people: dict) -> None:
    from civtrain import testing
    from civtrain.accounts.api import Role

    other_hr = testing.make_user(Role.UNIT_HR, tree["U2"])
    with pytest.raises(NotFound):
        record(other_hr, people["zhang"], hours=D(8))
    assert LedgerEntry.objects.count() == 0


def test_reversal_cancels_and_replacement_counts(hr: Any, people: dict) -> None:
    from django.db.models import Sum

    p = people["zhang"]
    e = record(hr, p, hours=D(90), subject_hours={"law": D(4)})
    new = Correction(source_ref="m:1:corrected", hours=D(60), subject_hours={"law": D(6)})
    rev, replacement = credits.credit_entry_reverse(
        actor=hr, entry_id=e.id, reason="学时登记错误", correction=new
    )
    # The reversal negates what the original recorded: hours only.
    assert (rev.hours, rev.days, rev.reverses_id, rev.source_type) == (
        D("-90.00"),
        None,
        e.id,
        "reversal",
    )
    assert rev.subject_hours == {"law": D("-4.00")}
    assert replacement is not None and replacement.reason == "学时登记错误"
    # What the correction left out is the original's (#9 item 5: one service builds it);
    # its amounts are its own, as given: 60 学时 and no days (§8, #10 item 6).
    assert (replacement.title, replacement.training_type, replacement.hours) == (
        "初任培训班",
        "initial",
        D(60),
    )
    assert replacement.days is None
    totals = credits.entry_rows().filter(person_id=p.id, year=2026).aggregate(h=Sum("hours"))
    law = credits.subject_rows().filter(person_id=p.id, subject="law").aggregate(h=Sum("hours"))
    assert (totals["h"], law["h"]) == (D(60), D(6))
    with pytest.raises(ApplicationError) as exc:
        credits.credit_entry_reverse(actor=hr, entry_id=e.id, reason="再次冲正")
    assert exc.value.code == "ledger_entry_already_reversed"
    with pytest.raises(ApplicationError) as exc:
        credits.credit_entry_reverse(actor=hr, entry_id=rev.id, reason="冲正冲正")
    assert exc.value.code == "ledger_reversal_not_reversible"
    with pytest.raises(ApplicationError) as exc:
        credits.credit_entry_reverse(actor=hr, entry_id=replacement.id, reason="  ")
    assert exc.value.code == "ledger_reason_required"
    assert LedgerEntry.objects.count() == 3


def test_bulk_reports_errors_by_index_and_is_idempotent(hr: Any, people: dict) -> None:
    def item(ref: str, **kw: Any) -> EntryInput:
        base: dict[str, Any] = {
            "person_id": people["zhang"].id,
            "title": "专题培训",
            "date": dt.date(2026, 5, 1),
            "training_type": "thematic",
            "mode": "online",
            "source_type": "class",
            "source_ref": ref,
            "hours": D(3),
        }
        base.update(kw)
        return EntryInput(**base)

    batch = [
        item("class:1:enrolment:1"),
        item("class:1:enrolment:2", person_id=people["li"].id),
        item("class:1:enrolment:3", hours=None),
        item("class:1:enrolment:4", person_id=people["wang"].id),  # other unit
        item("class:1:enrolment:1"),  # the same source again inside the batch
    ]
    result = credits.credit_entries_bulk_record(actor=hr, entries=batch, batch_size=2)
    assert (result.created, result.existing, result.failed) == (2, 1, 2)
    assert [i.status for i in result.items] == [
        ItemStatus.CREATED,
        ItemStatus.CREATED,
        ItemStatus.ERROR,
        ItemStatus.ERROR,
        ItemStatus.EXISTING,
    ]
    assert result.items[4].entry_id == result.items[0].entry_id
    assert result.errors[1].index == 3 and result.errors[1].error_code == "not_found"
    again = credits.credit_entries_bulk_record(actor=hr, entries=batch[:2])
    assert (again.created, again.existing) == (0, 2)
    assert LedgerEntry.objects.count() == 2


def test_chain_links_every_entry_and_verifies_after_many_writes(hr: Any, people: dict) -> None:
    for i in range(30):
        person = people["zhang"] if i % 3 else people["li"]
        record(hr, person, ref=f"m:{i}", hours=D(i + 1), subject_hours={"law": D(1)})
    entries = list(LedgerEntry.objects.filter(person_id=people["zhang"].id).order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, 21))
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    report = ledger_verify()
    assert (report.ok, report.entries, report.chains) == (True, 30, 2)
