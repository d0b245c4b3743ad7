"""Re-evaluation after ledger writes (issue 4 §4), the beat schedule, the rule set's
conversions lent to the ledger (PR-2) and the online crediting policy (PR-1)."""

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from civtrain.accounts.api import SYSTEM
from civtrain.compliance import conversions, tasks
from civtrain.compliance.api import online_credit_hours, online_crediting_policy
from civtrain.compliance.models import ComplianceSnapshot, StaleEvaluation
from civtrain.compliance.ruleset import read_file, shipped_files
from civtrain.compliance.tests.ledger_builders import entry
from civtrain.core import clock
from civtrain.core.errors import ValidationFailed
from civtrain.credits.api import EntryInput, credit_entries_bulk_record, ledger_changes_waiting
from civtrain.organisations.api import OrgNodeData
from civtrain.testing import make_person

D = dt.date.fromisoformat


def _g1(person_id: int, year: int = 2018) -> str:
    snap = ComplianceSnapshot.objects.get(person_id=person_id, year=year, is_latest=True)
    return next(o["status"] for o in snap.outcomes if o["rule"] == "cq-g1-annual")


def _store(year: int) -> None:
    call_command("compliance", "--year", str(year), "--store",
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip


# -- issue 4 §4: re-evaluation after a ledger write, through the ledger's outbox (ADR 0013) ----
def _bulk(people: list[Any], *, date: str = "2018-05-01", ref: str = "bulk") -> Any:
    return credit_entries_bulk_record(
        actor=SYSTEM,
        entries=[
            EntryInput(
                person_id=p.id,
                title="培训",
                date=D(date),
                training_type="in_service",
                mode="off_the_job",
                source_type="manual",
                source_ref=f"{ref}:{p.id}",
                hours=Decimal(90),
            )
            for p in people
        ],
    )


def test_a_ledger_write_turns_that_persons_stored_snapshot_from_not_yet_to_met(
    bound: dict[str, OrgNodeData],
) -> None:
    clock.freeze(dt.datetime(2018, 6, 30, 10, tzinfo=clock.TZ))
    a = make_person(bound["U1"], name="甲")
    b = make_person(bound["U1"], name="乙")
    _store(2018)
    assert (_g1(a.id), _g1(b.id)) == ("not_yet", "not_yet")

    entry(a.id, "2018-06-01", hours=90)
    # The write committed its change with the entry; compliance has not pulled it yet.
    assert ledger_changes_waiting() == [(a.id, 2018)]
    assert _g1(a.id) == "not_yet"

    assert tasks.refresh_stale.apply().get() == 1  # the next scheduled pull

    assert _g1(a.id) == "met"
    assert _g1(b.id) == "not_yet"
    assert ComplianceSnapshot.objects.filter(person_id=b.id).count() == 1  # b untouched
    assert ComplianceSnapshot.objects.filter(person_id=a.id).count() == 2  # history kept
    assert not StaleEvaluation.objects.exists()
    assert not ledger_changes_waiting()


def test_a_write_that_rolls_back_leaves_no_change_and_one_that_commits_survives_a_crash(
    bound: dict[str, OrgNodeData], monkeypatch: Any
) -> None:
    """The outbox row is part of the writer's transaction: no signal after commit that a
    dying process could lose (issue #9 item 2)."""
    from civtrain.compliance import services

    clock.freeze(dt.datetime(2018, 6, 30, 10, tzinfo=clock.TZ))
    a = make_person(bound["U1"], name="甲")
    with pytest.raises(RuntimeError), transaction.atomic():
        entry(a.id, "2018-06-01", hours=90)
        raise RuntimeError("the caller's transaction fails after the ledger write")
    assert not ledger_changes_waiting()

    entry(a.id, "2018-06-02", hours=90)

    def crash(**kwargs: Any) -> int:
        raise RuntimeError("the process dies while marking")

    monkeypatch.setattr(services, "stale_mark", crash)
    with pytest.raises(RuntimeError):
        services.ledger_changes_pull()
    # Nothing taken is lost: the change waits for the next pull.
    assert ledger_changes_waiting() == [(a.id, 2018)]
    assert not StaleEvaluation.objects.exists()


def test_a_burst_of_writes_is_one_change_per_person_and_year(
    bound: dict[str, OrgNodeData],
) -> None:
    clock.freeze(dt.datetime(2018, 6, 30, 10, tzinfo=clock.TZ))
    people = [make_person(bound["U1"], name=f"丙{i}") for i in range(3)]
    _store(2018)
    for p in people:
        entry(p.id, "2018-06-01", hours=45)
        entry(p.id, "2018-06-02", hours=45)
    assert len(ledger_changes_waiting()) == 3
    assert tasks.refresh_stale.apply().get() == 3
    assert [_g1(p.id) for p in people] == ["met", "met", "met"]
    assert not StaleEvaluation.objects.exists()


def test_a_bulk_write_is_refreshed_by_the_periodic_task(bound: dict[str, OrgNodeData]) -> None:
    clock.freeze(dt.datetime(2018, 6, 30, 10, tzinfo=clock.TZ))
    people = [make_person(bound["U1"], name=f"甲{i}") for i in range(2)]
    _store(2018)
    assert _bulk(people).created == 2
    assert ledger_changes_waiting() == [(p.id, 2018) for p in people]
    assert [_g1(p.id) for p in people] == ["not_yet", "not_yet"]

    assert tasks.refresh_stale.apply().get() == 2

    assert [_g1(p.id) for p in people] == ["met", "met"]
    assert not StaleEvaluation.objects.exists()


def test_an_entry_of_an_earlier_year_also_marks_this_year(bound: dict[str, OrgNodeData]) -> None:
    from civtrain.compliance import services

    clock.freeze(dt.datetime(2019, 3, 1, 10, tzinfo=clock.TZ))
    p = make_person(bound["U1"])
    entry(p.id, "2018-12-01", hours=10)
    assert services.ledger_changes_pull() == 1
    assert sorted(StaleEvaluation.objects.values_list("year", flat=True)) == [2018, 2019]
    # Another change of the same pair marks nothing twice.
    entry(p.id, "2018-12-02", hours=10)
    assert services.ledger_changes_pull() == 1
    assert StaleEvaluation.objects.count() == 2
    # No 2018 snapshot was stored, so none is started for that past year; 2019's is made.
    assert tasks.refresh_stale.apply().get() == 1
    assert list(ComplianceSnapshot.objects.values_list("year", flat=True)) == [2019]
    assert not StaleEvaluation.objects.exists()


def test_without_a_broker_the_embedded_schedule_refreshes_within_seconds(
    bound: dict[str, OrgNodeData],
) -> None:
    """`civtrain serve` without CELERY_BROKER_URL runs the beat schedule itself
    (`civtrain run-schedule`): a write is re-evaluated at the next tick that is due."""
    from django.conf import settings

    from civtrain.core.schedule import EmbeddedBeat
    from config.celery import app

    clock.freeze(dt.datetime(2018, 6, 30, 10, tzinfo=clock.TZ))
    a = make_person(bound["U1"], name="甲")
    _store(2018)
    beat = EmbeddedBeat(app, settings.CELERY_BEAT_SCHEDULE)
    assert {e.name for e in beat.entries} >= {
        "ledger-checkpoint", "compliance-store-nightly", "compliance-refresh-stale"
    }  # fmt: skip
    entry(a.id, "2018-06-01", hours=90)
    beat.tick()  # just started: nothing is due yet
    assert _g1(a.id) == "not_yet"
    refresh = next(e for e in beat.entries if e.name == "compliance-refresh-stale")
    refresh.last_run_at -= dt.timedelta(seconds=settings.COMPLIANCE_REFRESH_SECONDS)
    wait = beat.tick()
    assert _g1(a.id) == "met"
    assert 0 < wait <= settings.COMPLIANCE_REFRESH_SECONDS


def test_a_write_during_a_refresh_keeps_its_mark_and_a_failed_refresh_keeps_all(
    bound: dict[str, OrgNodeData], monkeypatch: Any
) -> None:
    from civtrain.accounts.api import SYSTEM
    from civtrain.compliance import services

    clock.freeze(dt.datetime(2018, 6, 30, 10, tzinfo=clock.TZ))
    a = make_person(bound["U1"], name="甲")
    b = make_person(bound["U1"], name="乙")
    services.stale_mark(person_ids=[a.id, b.id], years=[2018])
    real_store = services.snapshot_store

    def store_while_a_is_written_again(**kwargs: Any) -> int:
        clock.freeze(dt.datetime(2018, 6, 30, 10, 5, tzinfo=clock.TZ))
        services.stale_mark(person_ids=[a.id], years=[2018])  # a concurrent ledger write
        return real_store(**kwargs)

    monkeypatch.setattr(services, "snapshot_store", store_while_a_is_written_again)
    assert services.stale_refresh(actor=SYSTEM, max_batches=1) == 2
    assert list(StaleEvaluation.objects.values_list("person_id", flat=True)) == [a.id]

    def broken(**kwargs: Any) -> int:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "snapshot_store", broken)
    with pytest.raises(RuntimeError):
        services.stale_refresh(actor=SYSTEM)
    assert list(StaleEvaluation.objects.values_list("person_id", flat=True)) == [a.id]


# -- the beat schedule -------------------------------------------------------------------------
def test_beat_schedule_names_the_real_tasks_and_they_run(bound: dict[str, OrgNodeData]) -> None:
    from config.celery import app

    schedule = app.conf.beat_schedule
    nightly = schedule["compliance-store-nightly"]
    assert nightly["task"] == "compliance.store_year_nightly"
    assert (nightly["schedule"].hour, nightly["schedule"].minute) == ({2}, {0})
    assert str(app.conf.timezone) == "Asia/Shanghai"
    stale = schedule["compliance-refresh-stale"]
    assert stale["task"] == "compliance.refresh_stale"
    assert stale["schedule"] == dt.timedelta(seconds=15)
    assert "ledger-checkpoint" in schedule  # the ledger's entry is kept
    for name in ("compliance-store-nightly", "compliance-refresh-stale"):
        assert schedule[name]["task"] in app.tasks, name

    clock.freeze(dt.datetime(2018, 12, 31, 2, tzinfo=clock.TZ))
    p = make_person(bound["U1"])
    entry(p.id, "2018-05-01", hours=95)
    StaleEvaluation.objects.create(person_id=p.id, year=2018, marked_at=clock.now())
    clock.freeze(dt.datetime(2019, 1, 1, 2, tzinfo=clock.TZ))
    assert app.tasks["compliance.store_year_nightly"].apply(kwargs={"year": 2018}).get() == 1
    assert _g1(p.id) == "met"
    # The full run of 2018 covered 2018's mark and the outbox's 2018 change; the change also
    # moves this year's (2019) rolling rules, which the next refresh takes.
    assert list(StaleEvaluation.objects.values_list("year", flat=True)) == [2019]
    assert not ledger_changes_waiting()
    assert app.tasks["compliance.refresh_stale"].apply().get() == 1
    assert not StaleEvaluation.objects.exists()


# -- PR-2: the governing set's 学时-per-day, looked up without evaluating anyone -------------
# (conversions themselves happen when a rule is evaluated: test_conversions.py)
def test_hours_per_day_is_cached_per_person_block_and_never_evaluates(
    bound: dict[str, OrgNodeData],
) -> None:
    people = [make_person(bound["U1"], name=f"甲{i}") for i in range(5)]
    conversions.cache_clear()
    with CaptureQueriesContext(connection) as first:
        assert conversions.hours_per_day(people[0].id, D("2018-05-01")) == 7.5
    assert len(first.captured_queries) <= 3  # bindings, one block of people, rule-set rows
    with CaptureQueriesContext(connection) as rest:
        for p in people[1:]:
            assert conversions.hours_per_day(p.id, D("2018-07-01")) == 7.5
    assert rest.captured_queries == []
    assert conversions.hours_per_day(people[0].id, D("2021-05-01")) is None  # no set bound


# -- PR-1: online crediting policy -------------------------------------------------------------
NATIONAL = read_file(shipped_files()["national-2023"])["online_crediting"]
ZHENGZHOU = read_file(shipped_files()["zhengzhou-2014"])["online_crediting"]


@pytest.mark.parametrize(
    ("minutes", "progress", "hours"),
    [
        (45, 1.0, "1.00"),  # PR-1 length bands: ≥ 30 min → 1 学时
        (30, 1.0, "1.00"),  # the band's edge belongs to it
        (29.9, 1.0, "0.50"),  # 15–30 → 0.5
        (15, 1.0, "0.50"),  # min_minutes: 15 → 15 minutes is in the 0.5 band
        (14.9, 1.0, "0.25"),  # under 15 → 0.25
        (1, 1.0, "0.25"),
        (0, 1.0, "0.00"),  # no course, no hours
        (45, 0.99, "0.00"),  # not finished: nothing yet
    ],
)
def test_pr1_length_bands(minutes: float, progress: float, hours: str) -> None:
    got = conversions.online_credit(
        NATIONAL, minutes=minutes, progress=progress, minutes_per_hour=45
    )
    assert got == Decimal(hours)


@pytest.mark.parametrize(
    ("minutes", "progress", "hours"),
    [
        (45, 1.0, "1.00"),  # PR-1 full progress: the length in 学时 of 45 minutes (PR-2)
        (90, 1.0, "2.00"),
        (60, 1.0, "1.33"),
        (90, 0.99, "0.00"),  # 99 % earns nothing
        (90, 0.0, "0.00"),
    ],
)
def test_pr1_full_progress(minutes: float, progress: float, hours: str) -> None:
    got = conversions.online_credit(
        ZHENGZHOU, minutes=minutes, progress=progress, minutes_per_hour=45
    )
    assert got == Decimal(hours)


@pytest.mark.parametrize(("minutes", "progress"), [(-1, 1.0), (30, 1.5), (30, -0.1)])
def test_pr1_refuses_impossible_input(minutes: float, progress: float) -> None:
    with pytest.raises(ValidationFailed):
        conversions.online_credit(NATIONAL, minutes=minutes, progress=progress,
                                  minutes_per_hour=45)  # fmt: skip


def test_online_credit_hours_follow_the_set_governing_the_person(
    bound: dict[str, OrgNodeData],
) -> None:
    cq = make_person(bound["U1"])
    # 2018: chongqing-13fyp credits at 100 % only, by length (45 minutes a 学时)
    assert online_credit_hours(cq.id, D("2018-05-01"), 20, 1.0) == Decimal("0.44")
    assert online_credit_hours(cq.id, D("2018-05-01"), 20, 0.5) == Decimal("0")
    assert "100%" in online_crediting_policy(cq.id, D("2018-05-01"))
    # 2024: national-2023 credits by length bands
    assert online_credit_hours(cq.id, D("2024-05-01"), 20, 1.0) == Decimal("0.50")
    assert "≥ 30 分钟 计 1 学时" in online_crediting_policy(cq.id, D("2024-05-01"))
