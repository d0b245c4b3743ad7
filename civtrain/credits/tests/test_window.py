"""The window no signature covers is bounded and shown (issue 8 item 15, ADR 0007).

An attacker with database access who edits an entry and re-chains it (recomputes its hash,
its successors' hashes and the chain head) is undetectable only until a checkpoint signs
the chain: the job runs every few minutes (beat) or right after each write (embedded
default), refuses to sign a chain whose signed part changed, and verification and the
status page state the window.
"""

import datetime as dt
import importlib
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from civtrain.accounts.api import SYSTEM
from civtrain.core import clock
from civtrain.credits import api as credits
from civtrain.credits import chain, integrity, ledger
from civtrain.credits.data import ProblemKind
from civtrain.credits.integrity import ledger_checkpoint_create, ledger_verify
from civtrain.credits.models import (
    LedgerChainHead,
    LedgerCheckpoint,
    LedgerCheckpointHead,
    LedgerEntry,
    LedgerSubjectHours,
)

T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=clock.TZ)


def write(hr: Any, person_id: int, ref: str, hours: int = 8) -> credits.EntryData:
    return credits.credit_entry_record(
        actor=hr,
        person_id=person_id,
        title=f"培训{ref}",
        date=dt.date(2026, 5, 1),
        hours=Decimal(hours),
        training_type="in_service",
        mode="off_the_job",
        source_type="manual",
        source_ref=ref,
    )


def edit_and_rechain(entry_id: int, **changes: Any) -> None:
    """What an attacker with write access to the database and the algorithm does: change an
    entry, recompute its hash and every later hash of the chain, and move the chain head."""
    target = LedgerEntry.objects.get(pk=entry_id)
    rows = list(
        LedgerEntry.objects.filter(person_id=target.person_id, seq__gte=target.seq).order_by("seq")
    )
    prev = target.prev_hash
    with connection.cursor() as cursor:
        for row in rows:
            for name, value in changes.items() if row.pk == entry_id else ():
                setattr(row, name, value)
            subjects = LedgerSubjectHours.objects.filter(entry_id=row.pk).values_list(
                "subject", "hours"
            )
            schema = ledger.VERSIONS[row.schema_version]
            content = schema.content(schema.values(row), list(subjects))
            digest = chain.entry_hash(prev, content, row.chain_algorithm)
            assignments = (
                ", ".join(f"{name} = %s" for name in changes) + ", " if (row.pk == entry_id) else ""
            )
            cursor.execute(
                f"UPDATE credits_ledgerentry SET {assignments}prev_hash = %s, hash = %s "
                "WHERE id = %s",
                [*(changes.values() if row.pk == entry_id else ()), prev, digest, row.pk],
            )
            prev = digest
        cursor.execute(
            "UPDATE credits_ledgerchainhead SET hash = %s WHERE person_id = %s",
            [prev, target.person_id],
        )


def run_scheduled_checkpoint() -> Any:
    """Run the ledger's checkpoint job as beat would: the schedule entry's task, by name."""
    from config.celery import app

    app.loader.import_default_modules()  # what a worker does at start (app.conf.imports)
    entries = [e for e in app.conf.beat_schedule.values() if e["task"].startswith("credits.")]
    assert len(entries) == 1
    assert entries[0]["schedule"] <= dt.timedelta(minutes=5)  # the bound ADR 0007 states
    return app.tasks[entries[0]["task"]].apply().get()


@pytest.fixture
def signed(hr: Any, people: dict, settings: Any) -> None:
    """Two entries of Zhang's, signed by a checkpoint taken at T0."""
    settings.CIVTRAIN_JOBS_INLINE = True  # compliance's job after a commit, not on a thread
    clock.freeze(T0)
    write(hr, people["zhang"].id, "a")
    write(hr, people["zhang"].id, "b")
    ledger_checkpoint_create(actor=SYSTEM)


def test_edit_after_the_scheduled_checkpoint_signed_it_is_caught(
    signed: None, hr: Any, people: dict
) -> None:
    """The regression: an entry written after the last checkpoint, then signed by the job
    that now runs every 5 minutes, and only then edited and re-chained, is found."""
    clock.freeze(T0 + dt.timedelta(hours=3))
    later = write(hr, people["zhang"].id, "c")
    write(hr, people["zhang"].id, "d")
    clock.freeze(T0 + dt.timedelta(hours=3, minutes=5))
    run_scheduled_checkpoint()
    edit_and_rechain(later.id, hours=Decimal("80.00"))
    report = ledger_verify()
    assert [(p.kind, p.entry_id) for p in report.problems] == [
        (ProblemKind.EDITED, ledger_entry_at(people["zhang"].id, 4))
    ]
    assert "与已签名检查点不符：被改写" in report.problems[0].message


def ledger_entry_at(person_id: int, seq: int) -> int:
    return LedgerEntry.objects.get(person_id=person_id, seq=seq).pk


def test_embedded_default_signs_after_each_write(
    signed: None,
    hr: Any,
    people: dict,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Without a broker there is no beat: each write is signed once it commits."""
    settings.CIVTRAIN_LEDGER_CHECKPOINT_AFTER_WRITE = True
    with django_capture_on_commit_callbacks(execute=True):
        later = write(hr, people["li"].id, "x")
    assert LedgerCheckpoint.objects.count() == 2
    assert integrity.ledger_window()["uncovered"] == 0
    edit_and_rechain(later.id, title="改过的培训")
    report = ledger_verify()
    assert [(p.kind, p.entry_id) for p in report.problems] == [(ProblemKind.EDITED, later.id)]


def test_bulk_write_is_signed_once_at_its_end(
    signed: None, hr: Any, people: dict, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CIVTRAIN_LEDGER_CHECKPOINT_AFTER_WRITE = True
    inputs = [
        credits.EntryInput(
            person_id=people["li"].id,
            title=f"批量{i}",
            date=dt.date(2026, 5, 2),
            hours=Decimal(2),
            training_type="in_service",
            mode="online",
            source_type="manual",
            source_ref=f"bulk:{i}",
        )
        for i in range(5)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        result = credits.credit_entries_bulk_record(actor=hr, entries=inputs, batch_size=2)
    assert result.created == 5
    latest = LedgerCheckpoint.objects.order_by("-id").first()
    assert LedgerCheckpoint.objects.count() == 2 and latest is not None
    assert (latest.entry_count, latest.chain_count) == (7, 2)


def test_the_chain_writer_signs_after_commit_unless_its_caller_says_so(
    hr: Any, people: dict, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """#9 item 7: a bulk write tells the chain writer itself not to sign each batch (and
    signs once at its end, above); no thread-wide switch changes other writes meanwhile."""
    from civtrain.credits.services import entries, writer

    settings.CIVTRAIN_LEDGER_CHECKPOINT_AFTER_WRITE = True

    def entry(ref: str) -> entries.Prepared:
        inp = credits.EntryInput(
            person_id=people["li"].id,
            title="在线学习",
            date=dt.date(2026, 5, 2),
            hours=Decimal(2),
            training_type="in_service",
            mode="online",
            source_type="manual",
            source_ref=ref,
        )
        return entries.prepare(inp, None)

    with django_capture_on_commit_callbacks() as batch:
        writer.write([entry("w:1")], actor=hr, sign_after_commit=False)
    with django_capture_on_commit_callbacks() as single:
        writer.write([entry("w:2")], actor=hr)
    assert (len(batch), len(single)) == (0, 1)


def test_job_refuses_to_sign_a_rechained_edit_of_signed_entries(
    signed: None, hr: Any, people: dict
) -> None:
    """Signing often must not launder an edit: a chain whose signed part changed is left
    unsigned (and reported) while the other chains are signed."""
    first = LedgerEntry.objects.get(person_id=people["zhang"].id, seq=1)
    edit_and_rechain(first.pk, hours=Decimal("40.00"))
    write(hr, people["li"].id, "y")
    result = ledger_checkpoint_create(actor=SYSTEM)
    assert result.checkpoint is not None
    assert [p.person_id for p in result.refused] == [people["zhang"].id]
    assert set(
        LedgerCheckpointHead.objects.filter(checkpoint=result.checkpoint).values_list(
            "person_id", flat=True
        )
    ) == {people["li"].id}
    report = ledger_verify()
    assert (ProblemKind.EDITED, ledger_entry_at(people["zhang"].id, 2)) in [
        (p.kind, p.entry_id) for p in report.problems
    ]
    out, err = StringIO(), StringIO()
    with pytest.raises(Exception, match="1 条链与已签名的检查点不符"):
        call_command("ledger_checkpoint", stdout=out, stderr=err)
    assert "张三" in err.getvalue()


def test_job_signs_nothing_when_nothing_changed(
    signed: None, django_assert_max_num_queries: Any
) -> None:
    out = StringIO()
    with django_assert_max_num_queries(6):
        call_command("ledger_checkpoint", stdout=out)
    assert out.getvalue().strip() == "账本自上次检查点以来没有变化，未签署新检查点"
    assert LedgerCheckpoint.objects.count() == 1


def test_job_reads_only_the_chains_that_changed(
    signed: None, hr: Any, people: dict, monkeypatch: Any
) -> None:
    """Incremental: a checkpoint after one write re-hashes that person's chain only and
    stores one head, however many chains the ledger holds."""
    write(hr, people["li"].id, "z")
    read: list[Any] = []
    real = integrity._entries_by_person

    def spy(*args: Any, **kwargs: Any) -> Any:
        read.append(kwargs.get("person_ids"))
        return real(*args, **kwargs)

    monkeypatch.setattr(integrity, "_entries_by_person", spy)
    cp = ledger_checkpoint_create(actor=SYSTEM).checkpoint
    assert read == [[people["li"].id]]
    assert cp is not None and (cp.entry_count, cp.chain_count) == (3, 2)
    assert LedgerCheckpointHead.objects.filter(checkpoint=cp).count() == 1
    assert ledger_verify().ok


def test_verify_ledger_states_the_window(
    signed: None, hr: Any, people: dict, monkeypatch: Any
) -> None:
    write(hr, people["li"].id, "w1")
    write(hr, people["li"].id, "w2")
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    assert out.getvalue().splitlines() == [
        "账本完整：4 条记录，2 条链，签名有效",
        "最近检查点 2026-06-01 09:00:00 之后写入 2 条记录，尚未被签名覆盖",
    ]
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    out = StringIO()
    call_command("verify_ledger", "--format", "json", stdout=out)
    assert '"uncovered_entries": 2' in out.getvalue()
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    assert out.getvalue().splitlines()[1] == (
        "2 entries since the last checkpoint at 2026-06-01 09:00:00, not yet covered by a signature"
    )


def test_status_page_shows_the_window(signed: None, hr: Any, people: dict, actors: dict) -> None:
    write(hr, people["li"].id, "p1")
    write(hr, people["li"].id, "p2")
    write(actors["city"], people["wang"].id, "p3")
    clock.freeze(T0 + dt.timedelta(minutes=3))
    c = Client()
    c.force_login(actors["city"])
    page = c.get("/credits/status/").content.decode()
    assert "未被签名覆盖的窗口" in page
    assert "2026-06-01 09:00:00（3\xa0分钟前）" in page  # timesince's non-breaking space
    assert '<span id="uncovered">3</span>' in page
    assert "未启用自动签署" in page  # tests run with neither beat nor after-write signing
    c.post("/i18n/setlang/", {"language": "en", "next": "/credits/status/"})
    english = c.get("/credits/status/").content.decode()
    assert "Window not yet covered by a signature" in english
    assert "3\xa0minutes ago" in english


def test_status_page_states_the_schedule(signed: None, actors: dict, settings: Any) -> None:
    c = Client()
    c.force_login(actors["city"])
    settings.CIVTRAIN_LEDGER_CHECKPOINT_AFTER_WRITE = True
    assert (
        "每次写入提交后立即签署（批量写入在其结束时）" in c.get("/credits/status/").content.decode()
    )
    settings.CIVTRAIN_LEDGER_CHECKPOINT_AFTER_WRITE = False
    settings.CELERY_BROKER_URL = "redis://broker:6379/0"
    page = c.get("/credits/status/").content.decode()
    assert "定时任务每 5 分钟签署" in page and "记录最迟在写入后 5 分钟内被签名覆盖" in page


def test_chain_marked_signed_by_hand_is_found(signed: None, hr: Any, people: dict) -> None:
    """Marking a head signed so that the job leaves it out is itself reported."""
    write(hr, people["li"].id, "h")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE credits_ledgerchainhead SET signed_seq = seq, signed_hash = hash "
            "WHERE person_id = %s",
            [people["li"].id],
        )
    assert ledger_checkpoint_create(actor=SYSTEM).checkpoint is None
    report = ledger_verify()
    assert [(p.kind, p.person_id) for p in report.problems] == [
        (ProblemKind.CHECKPOINT, people["li"].id)
    ]
    assert "签名登记被改动" in report.problems[0].message


def test_changed_heads_of_an_earlier_checkpoint_break_the_chain_of_digests(
    signed: None, hr: Any, people: dict
) -> None:
    first = LedgerCheckpoint.objects.get()
    write(hr, people["zhang"].id, "e")
    ledger_checkpoint_create(actor=SYSTEM)
    assert ledger_verify().ok
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE credits_ledgercheckpointhead SET hash = %s WHERE checkpoint_id = %s",
            ["f" * 64, first.pk],
        )
    report = ledger_verify()
    assert [p.message for p in report.problems] == [
        f"检查点 #{first.pk} 的链头记录与其摘要不符：已签名的检查点数据被改动"
    ]


def test_daily_checkpoints_of_the_first_scheme_still_verify_and_are_extended(
    hr: Any, people: dict
) -> None:
    """Checkpoints signed before this change (scheme 1, every head) stay valid, the
    migration marks their heads signed, and the next checkpoints link to them."""
    write(hr, people["zhang"].id, "o1")
    write(hr, people["li"].id, "o2")
    heads = list(LedgerChainHead.objects.values_list("person_id", "seq", "hash"))
    digest = chain.heads_digest(heads)
    day = dt.date(2026, 5, 31)
    signature, public_key = chain.sign(  # type: ignore[misc]
        chain.checkpoint_message(date=day, entries=2, chains=2, digest=digest)
    )
    old = LedgerCheckpoint.objects.create(
        date=day,
        created_at=clock.now(),
        entry_count=2,
        chain_count=2,
        digest=digest,
        signature=signature,
        public_key=public_key,
    )
    LedgerCheckpointHead.objects.bulk_create(
        [LedgerCheckpointHead(checkpoint=old, person_id=p, seq=s, hash=h) for p, s, h in heads]
    )
    migration = importlib.import_module("civtrain.credits.migrations.0005_ledger_checkpoint_window")
    with connection.cursor() as cursor:
        cursor.execute(migration.SIGNED_FROM_EVIDENCE)
    report = ledger_verify()
    assert report.ok and report.checkpoint_valid and report.uncovered == 0
    write(hr, people["li"].id, "n1")
    cp = ledger_checkpoint_create(actor=SYSTEM).checkpoint
    assert cp is not None and (cp.scheme, cp.entry_count, cp.chain_count) == (
        chain.checkpoint_scheme(),
        3,
        2,
    )
    assert ledger_verify().ok
