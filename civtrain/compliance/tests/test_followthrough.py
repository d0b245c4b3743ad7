"""Re-evaluation after ledger writes (issue 4 §4), the beat schedule, the rule set's
conversions lent to the ledger (PR-2) and the online crediting policy (PR-1)."""

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civtrain.compliance import conversions, tasks
from civtrain.compliance.api import online_credit_hours, online_crediting_policy
from civtrain.compliance.models import ComplianceSnapshot, StaleEvaluation
from civtrain.compliance.ruleset import read_file, shipped_files
from civtrain.compliance.tests.ledger_builders import entry
from civtrain.core import clock
from civtrain.core.errors import ValidationFailed
from civtrain.core.models import BackgroundJob
from civtrain.credits.api import EntryInput, credit_entries_bulk_record
from civtrain.organisations.api import OrgNodeData
from civtrain.testing import make_person

D = dt.date.fromisoformat


def _g1(person_id: int, year: int = 2018) -> str:
    snap = ComplianceSnapshot.objects.get(person_id=person_id, year=year, is_latest=True)
    return next(o["status"] for o in snap.outcomes if o["rule"] == "cq-g1-annual")


def _store(year: int) -> None:
    call_command("compliance", "--year", str(year), "--store",
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip


# -- issue 4 §4: re-evaluation after a ledger write ------------------------------------------
def test_a_ledger_write_turns_that_persons_stored_snapshot_from_not_yet_to_met(
    bound: dict[str, OrgNodeData], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CIVTRAIN_JOBS_INLINE = True
    clock.freeze(dt.datetime(2018, 6, 30, 10, tzinfo=clock.TZ))
    a = make_person(bound["U1"], name="甲")
    b = make_person(bound["U1"], name="乙")
    _store(2018)
    assert (_g1(a.id), _g1(b.id)) == ("not_yet", "not_yet")

    with django_capture_on_commit_callbacks(execute=True):
        entry(a.id, "2018-06-01", hours=90)

    assert _g1(a.id) == "met"
    assert _g1(b.id) == "not_yet"
    assert ComplianceSnapshot.objects.filter(person_id=b.id).count() == 1  # b untouched
    assert ComplianceSnapshot.objects.filter(person_id=a.id).count() == 2  # history kept
    assert not StaleEvaluation.objects.exists()
    job = BackgroundJob.objects.get(kind="compliance.refresh")
    assert (job.status, job.params["person_ids"]) == ("done", [a.id])


def test_a_burst_of_single_writes_queues_one_refresh_that_takes_them_all(
    bound: dict[str, OrgNodeData], monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from civtrain.core.jobs import job_run

    clock.freeze(dt.datetime(2018, 6, 30, 10, tzinfo=clock.TZ))
    people = [make_person(bound["U1"], name=f"丙{i}") for i in range(3)]
    monkeypatch.setattr(tasks, "job_dispatch", lambda job: None)  # queued, not started yet
    with django_capture_on_commit_callbacks(execute=True):
        for p in people:
            entry(p.id, "2018-06-01", hours=90)
    job = BackgroundJob.objects.get(kind="compliance.refresh")  # one, not three
    assert job.params["person_ids"] == [people[0].id]
    job_run(job.id)
    assert [_g1(p.id) for p in people] == ["met", "met", "met"]
    assert not StaleEvaluation.objects.exists()


def test_a_bulk_write_only_marks_stale_and_the_periodic_task_refreshes(
    bound: dict[str, OrgNodeData], monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(tasks, "QUEUE_AT_MOST", 1)  # two people count as "many" here
    clock.freeze(dt.datetime(2018, 6, 30, 10, tzinfo=clock.TZ))
    people = [make_person(bound["U1"], name=f"甲{i}") for i in range(2)]
    _store(2018)
    with django_capture_on_commit_callbacks(execute=True):
        result = credit_entries_bulk_record(
            actor=None,
            entries=[
                EntryInput(
                    person_id=p.id,
                    title="培训",
                    date=D("2018-05-01"),
                    training_type="in_service",
                    mode="off_the_job",
                    source_type="manual",
                    source_ref=f"bulk:{p.id}",
                    hours=Decimal(90),
                )
                for p in people
            ],
        )
    assert result.created == 2
    assert sorted(StaleEvaluation.objects.values_list("person_id", "year")) == [
        (p.id, 2018) for p in people
    ]
    assert not BackgroundJob.objects.filter(kind="compliance.refresh").exists()
    assert [_g1(p.id) for p in people] == ["not_yet", "not_yet"]

    assert tasks.refresh_stale.apply().get() == 2

    assert [_g1(p.id) for p in people] == ["met", "met"]
    assert not StaleEvaluation.objects.exists()


def test_an_entry_of_an_earlier_year_also_marks_this_year(bound: dict[str, OrgNodeData]) -> None:
    clock.freeze(dt.datetime(2019, 3, 1, 10, tzinfo=clock.TZ))
    p = make_person(bound["U1"])
    tasks.on_ledger_written("credits", person_ids=frozenset({p.id}), years=frozenset({2018}))
    assert sorted(StaleEvaluation.objects.values_list("year", flat=True)) == [2018, 2019]
    # Marking twice is harmless (ON CONFLICT DO NOTHING / ignore_conflicts).
    tasks.on_ledger_written("credits", person_ids=frozenset({p.id}), years=frozenset({2018}))
    assert StaleEvaluation.objects.count() == 2
    # No 2018 snapshot was stored, so none is started for that past year; 2019's is made.
    assert tasks.refresh_stale.apply().get() == 1
    assert list(ComplianceSnapshot.objects.values_list("year", flat=True)) == [2019]
    assert not StaleEvaluation.objects.exists()


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
    assert stale["schedule"].minute == set(range(0, 60, 5))
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
    assert not StaleEvaluation.objects.exists()  # the full run covered the mark
    assert app.tasks["compliance.refresh_stale"].apply().get() == 0


# -- PR-2: conversions from the governing rule set ------------------------------------------
def test_days_only_entries_convert_with_the_governing_sets_hours_per_day(
    bound: dict[str, OrgNodeData],
) -> None:
    zz = make_person(bound["U3"])  # 郑州: zhengzhou-2014, 8 学时 a day
    cq = make_person(bound["U1"])  # 重庆: chongqing-13fyp, 7.5 学时 a day
    assert entry(zz.id, "2015-05-01", days=2).hours == Decimal("16.00")
    assert entry(cq.id, "2018-05-01", days=2).hours == Decimal("15.00")
    # hours only: days = hours ÷ 学时 per day (REQUIREMENTS §8)
    assert entry(zz.id, "2015-06-01", hours=12).days == Decimal("1.50")


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
