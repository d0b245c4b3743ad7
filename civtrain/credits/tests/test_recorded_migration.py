"""Migration 0009 (issue #10 item 6; REQUIREMENTS §8 "Hours and days are converted when a rule
is evaluated", PR-2): version-1 entries, written when the ledger filled in the missing value,
are marked with which value was derived — from what their source kept, else from the old
writer's arithmetic — and their chains still verify, since nothing hashed changes."""

import datetime as dt
import importlib
from decimal import Decimal
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from civtrain.accounts.api import SYSTEM
from civtrain.core.models import AuditEvent
from civtrain.credits import api as credits
from civtrain.credits import ledger
from civtrain.credits.integrity import ledger_verify
from civtrain.credits.models import ExternalClaim, LedgerEntry

MIGRATION = "0009_ledger_mark_derived"
migration = importlib.import_module(f"civtrain.credits.migrations.{MIGRATION}")


def run_migration() -> None:
    """The data migration's forward step over the models as they stood at it."""
    state = MigrationExecutor(connection).loader.project_state(("credits", MIGRATION))
    migration.forward(state.apps, None)


def old_entry(person_id: int, ref: str, source_type: str, hours: str, days: str) -> Any:
    """An entry as the old writer stored it: version 1, both values (one converted by it)."""
    return credits.credit_entry_record(
        actor=SYSTEM,
        person_id=person_id,
        title=f"旧记录{ref}",
        date=dt.date(2019, 5, 1),
        hours=Decimal(hours),
        days=Decimal(days),
        training_type="in_service",
        mode="online" if source_type == "online_course" else "off_the_job",
        source_type=source_type,
        source_ref=ref,
    )


# (source type, hours, days as the old writer stored them, what was recorded) → mark
OLD = [
    # hours only, 10 h at the default 7.5 → 1.33 days; 1.33 × r is no 10 for any r: days derived
    ("manual", "10.00", "1.33", "days"),
    # days only, 3 days at 7.5 → 22.5 h; but 22.5 h and 3 days also fit an entry that recorded
    # both: the entry cannot tell, keeps both and is listed as ambiguous
    ("historical_import", "22.50", "3.00", ""),
    # an online course earns 学时 only (PR-1): 15 h → 2 days at 7.5 is days derived
    ("online_course", "15.00", "2.00", "days"),
    # no per-day figure (6, 7.5, 8) links 13 h and 2 days: both were recorded
    ("integration", "13.00", "2.00", ""),
    # a class result records the class's 学时 and days (ADR 0011), even when they fit
    ("class", "20.00", "2.50", ""),
]


def test_old_entries_are_marked_and_still_verify(people: dict, monkeypatch: Any) -> None:
    zhang, li = people["zhang"].id, people["li"].id
    monkeypatch.delitem(ledger.VERSIONS, 2)  # the writer as it was: version 1 only
    assert ledger.current() is ledger.V1
    written = {
        ref: old_entry(zhang, ref, source, hours, days)
        for ref, (source, hours, days, _) in ((f"old:{i}", row) for i, row in enumerate(OLD))
    }
    # A claim that gave days only (2 → 15 h at 7.5), and a reversal of the first entry.
    claim_entry = old_entry(li, "claim:1", "external_claim", "15.00", "2.00")
    ExternalClaim.objects.create(
        person_id=li,
        title="学历教育",
        training_type="in_service",
        mode="off_the_job",
        date=dt.date(2019, 5, 1),
        days=Decimal(2),
        submitted_at=dt.datetime(2019, 5, 2, tzinfo=dt.UTC),
        status="approved",
        entry_id=claim_entry.id,
    )
    reversal, _ = credits.credit_entry_reverse(
        actor=SYSTEM, entry_id=written["old:0"].id, reason="错"
    )
    monkeypatch.undo()
    assert ledger.current().version == 2
    assert set(LedgerEntry.objects.values_list("schema_version", flat=True)) == {1}

    run_migration()

    marks = dict(LedgerEntry.objects.values_list("id", "derived"))
    for i, (_, _, _, mark) in enumerate(OLD):
        assert marks[written[f"old:{i}"].id] == mark, OLD[i]
    assert marks[claim_entry.id] == "hours"  # the claim kept days only
    assert marks[reversal.id] == "days"  # as its original
    # Nothing hashed changed: every chain verifies, through the command too.
    assert ledger_verify().ok
    call_command("verify_ledger", stdout=StringIO())  # raises CommandError on any problem
    event = AuditEvent.objects.get(action="credit.ledger_mark_derived")
    assert event.changes["hours_derived"] == 1
    assert event.changes["days_derived"] == 3  # manual, online course, the reversal
    assert event.changes["ambiguous_ids"] == [written["old:1"].id]


def test_an_empty_ledger_is_left_alone(db: Any) -> None:
    run_migration()
    assert not AuditEvent.objects.filter(action="credit.ledger_mark_derived").exists()


def test_the_evaluating_set_converts_what_the_migration_marked(tree: Any, monkeypatch: Any) -> None:
    """An external-study claim that recorded 10 days, written before version 2: the ledger
    derived 75 学时 at its default 7.5 and hashed both. Once migration 0009 marks the 75 as
    derived, zhengzhou-2014 (郑州, 8 学时 a day, ZZ-G1 ≥ 170 学时) evaluates the entry as
    10 days × 8 = 80 学时 (REQUIREMENTS §8, PR-2)."""
    from civtrain import testing
    from civtrain.compliance.api import conversions_cache_clear, person_evaluate, rulesets_install

    rulesets_install(
        actor=SYSTEM,
        bindings=[("zhengzhou-2014", "C2", dt.date(2014, 1, 1), dt.date(2016, 12, 31))],
    )
    conversions_cache_clear()
    p = testing.make_person(tree["U3"])
    monkeypatch.delitem(ledger.VERSIONS, 2)
    old = credits.credit_entry_record(
        actor=SYSTEM,
        person_id=p.id,
        title="外部学习",
        date=dt.date(2015, 6, 30),
        hours=Decimal(75),
        days=Decimal(10),
        training_type="in_service",
        mode="off_the_job",
        source_type="external_claim",
        source_ref="claim:9",
    )
    monkeypatch.undo()
    ExternalClaim.objects.create(
        person_id=p.id,
        title="外部学习",
        training_type="in_service",
        mode="off_the_job",
        date=dt.date(2015, 6, 30),
        days=Decimal(10),
        submitted_at=dt.datetime(2015, 7, 1, tzinfo=dt.UTC),
        status="approved",
        entry_id=old.id,
    )

    def zz_g1() -> float:
        result = person_evaluate(p.id, year=2015, as_of=dt.date(2016, 1, 1))
        return next(o.achieved for o in result.outcomes if o.rule == "zz-g1-annual")

    assert zz_g1() == 75  # as hashed: both values taken as recorded
    run_migration()
    assert zz_g1() == 80  # 10 days × 8, converted now
    assert ledger_verify().ok  # nothing hashed changed
