"""verify-ledger finds rows edited, deleted or inserted with raw SQL, and names them (CQ-M3)."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from civtrain.accounts.api import SYSTEM
from civtrain.core import clock
from civtrain.credits import api as credits
from civtrain.credits.data import ProblemKind
from civtrain.credits.integrity import ledger_checkpoint_create, ledger_verify
from civtrain.credits.models import LedgerCheckpoint, LedgerEntry, LedgerVerification
from civtrain.credits.tests import schema_v2


@pytest.fixture
def ledger(hr: Any, people: dict) -> dict[str, list[credits.EntryData]]:
    """Zhang has 4 entries, Li 2; the third of Zhang's carries 法治 4 h."""
    out: dict[str, list[credits.EntryData]] = {"zhang": [], "li": []}
    for key, n in (("zhang", 4), ("li", 2)):
        for i in range(n):
            out[key].append(
                credits.credit_entry_record(
                    actor=hr,
                    person_id=people[key].id,
                    title=f"培训{i + 1}",
                    date=dt.date(2026, 3, i + 1),
                    hours=Decimal(8),
                    subject_hours={"law": Decimal(4)} if i == 2 else {},
                    training_type="in_service",
                    mode="off_the_job",
                    source_type="manual",
                    source_ref=f"{key}:{i}",
                )
            )
    return out


def sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("verify_ledger", *args, stdout=out)
    except CommandError:
        return 1, out.getvalue()
    return 0, out.getvalue()


def test_clean_ledger_is_reported_clean(ledger: Any) -> None:
    ledger_checkpoint_create(actor=SYSTEM)
    code, out = run()
    assert code == 0
    assert out.splitlines()[0] == "账本完整：6 条记录，2 条链，签名有效"
    last = LedgerVerification.objects.get()
    assert (last.ok, last.entry_count, last.chain_count, last.checkpoint_valid) == (
        True,
        6,
        2,
        True,
    )


@pytest.mark.django_db(transaction=True)  # real commits: what stays is what a crash leaves
def test_the_record_of_a_verification_is_written_in_its_transaction(
    ledger: Any, monkeypatch: Any
) -> None:
    """#9 item 5: verify-ledger keeps its outcome (the status page's row and its audit event)
    in the verification's own transaction; when keeping it fails, neither half stays."""
    from civtrain.core.models import AuditEvent
    from civtrain.credits import integrity

    def audit_store_down(**kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(integrity, "audit_record", audit_store_down)
    with pytest.raises(RuntimeError):
        run()
    assert LedgerVerification.objects.count() == 0
    monkeypatch.undo()
    assert run()[0] == 0
    row = LedgerVerification.objects.get()
    event = AuditEvent.objects.get(action="credit.ledger_verify")
    assert (row.entry_count, event.object_id) == (6, str(row.pk))


def test_english_line_under_lang_en(ledger: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert run()[1].splitlines() == [
        "Ledger intact: 6 entries, 2 chains, no checkpoint yet",
        "No checkpoint yet: 6 entries not covered by a signature",
    ]


def test_update_of_hours_is_found_naming_person_and_entry(ledger: Any, people: dict) -> None:
    target = ledger["zhang"][1]
    sql("UPDATE credits_ledgerentry SET hours = %s WHERE id = %s", [80, target.id])
    code, out = run()
    assert code == 1
    masked = people["zhang"].id_number_masked
    assert out.splitlines() == [
        f"[edited] 张三（{masked}）的该记录内容与其哈希不符：被篡改"
        f"——记录 #{target.id}（序号2，2026-03-02，“培训2”）",
        "尚无检查点：6 条记录尚未被签名覆盖",
    ]


def test_update_of_subject_hours_is_found(ledger: Any) -> None:
    target = ledger["zhang"][2]
    sql("UPDATE credits_ledgersubjecthours SET hours = %s WHERE entry_id = %s", [40, target.id])
    report = ledger_verify()
    assert [(p.kind, p.entry_id, p.seq) for p in report.problems] == [
        (ProblemKind.EDITED, target.id, 3)
    ]


def test_delete_in_the_middle_is_found(ledger: Any, people: dict) -> None:
    gone, after = ledger["zhang"][2], ledger["zhang"][3]
    sql("DELETE FROM credits_ledgersubjecthours WHERE entry_id = %s", [gone.id])
    sql("DELETE FROM credits_ledgerentry WHERE id = %s", [gone.id])
    report = ledger_verify()
    assert [(p.kind, p.person_id, p.entry_id) for p in report.problems] == [
        (ProblemKind.DELETED, people["zhang"].id, after.id)
    ]
    assert "第3条记录缺失" in report.problems[0].message
    assert "张三" in report.problems[0].message


def test_delete_of_the_last_entry_is_found(ledger: Any, people: dict) -> None:
    sql("DELETE FROM credits_ledgerentry WHERE id = %s", [ledger["li"][1].id])
    report = ledger_verify()
    assert [(p.kind, p.person_id, p.entry_id) for p in report.problems] == [
        (ProblemKind.DELETED, people["li"].id, ledger["li"][0].id)
    ]
    assert "链登记有2条记录，现只有1条" in report.problems[0].message


def test_insert_behind_the_apps_back_is_found(ledger: Any, people: dict) -> None:
    last = LedgerEntry.objects.get(pk=ledger["li"][1].id)
    sql(
        "INSERT INTO credits_ledgerentry (person_id, seq, title, date, year, hours, days,"
        " training_type, mode, result, source_type, source_ref, reason, evidence, recorded_at,"
        " prev_hash, hash) VALUES (%s, 3, %s, %s, 2026, 200, 20, 'in_service', 'online', '',"
        " 'manual', 'forged', '', '', %s, %s, %s)",
        [people["li"].id, "伪造培训", dt.date(2026, 4, 1), last.recorded_at, last.hash, "f" * 64],
    )
    forged = LedgerEntry.objects.get(source_ref="forged")
    code, out = run("--format", "json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    assert [(p["kind"], p["entry_id"], p["seq"], p["title"]) for p in data["problems"]] == [
        ("inserted", forged.id, 3, "伪造培训")
    ]
    assert data["problems"][0]["person"] == f"李四（{people['li'].id_number_masked}）"


def test_rehashed_edit_is_caught_by_the_next_link(ledger: Any) -> None:
    """An editor who also recomputes the edited entry's hash still breaks the next link."""
    target = ledger["zhang"][0]
    sql("UPDATE credits_ledgerentry SET hash = %s WHERE id = %s", ["e" * 64, target.id])
    report = ledger_verify()
    kinds = [(p.kind, p.entry_id) for p in report.problems]
    assert (ProblemKind.INSERTED, ledger["zhang"][1].id) in kinds


def test_person_option_checks_one_chain(ledger: Any, people: dict) -> None:
    sql("UPDATE credits_ledgerentry SET title = %s WHERE id = %s", ["改", ledger["zhang"][0].id])
    assert run("--person", str(people["li"].id))[0] == 0
    assert run("--person", str(people["zhang"].id))[0] == 1


def test_checkpoint_signature_and_digest_are_checked(ledger: Any, hr: Any, people: dict) -> None:
    cp = ledger_checkpoint_create(actor=SYSTEM).checkpoint
    assert cp is not None
    assert (cp.entry_count, cp.chain_count) == (6, 2)
    # Entries written after the checkpoint are fine.
    credits.credit_entry_record(
        actor=hr,
        person_id=people["li"].id,
        title="后续培训",
        date=dt.date(2026, 5, 1),
        hours=Decimal(2),
        training_type="in_service",
        mode="online",
        source_type="manual",
        source_ref="later",
    )
    assert ledger_verify().ok
    sql("UPDATE credits_ledgercheckpoint SET entry_count = %s WHERE id = %s", [5, cp.pk])
    report = ledger_verify()
    assert report.checkpoint_valid is False
    assert [p.kind for p in report.problems] == [ProblemKind.CHECKPOINT, ProblemKind.CHECKPOINT]
    assert "签名无效" in report.problems[1].message


def test_forged_checkpoint_with_another_key_is_refused(ledger: Any, settings: Any) -> None:
    import base64

    # The key that signs under the suite: Ed25519, or SM2 under gm (#17 item 5).
    name = (
        "CIVTRAIN_SM2_SIGNING_KEY"
        if settings.CIVTRAIN_CRYPTO_SUITE == "gm"
        else "CIVTRAIN_SIGNING_KEY"
    )
    setattr(settings, name, base64.b64encode(b"k" * 32).decode())
    ledger_checkpoint_create(actor=SYSTEM)
    setattr(settings, name, base64.b64encode(b"j" * 32).decode())
    report = ledger_verify()
    assert report.checkpoint_valid is False
    at = LedgerCheckpoint.objects.get().created_at.astimezone(clock.TZ)
    assert [p.message for p in report.problems] == [
        f"检查点（{at:%Y-%m-%d %H:%M:%S}）不是用本系统的签名密钥签署的"
    ]


def test_deleting_every_entry_of_a_checkpointed_person_is_found(ledger: Any, people: dict) -> None:
    ledger_checkpoint_create(actor=SYSTEM)
    sql("DELETE FROM credits_ledgerentry WHERE person_id = %s", [people["li"].id])
    sql("DELETE FROM credits_ledgerchainhead WHERE person_id = %s", [people["li"].id])
    report = ledger_verify()
    assert [(p.kind, p.person_id) for p in report.problems] == [
        (ProblemKind.DELETED, people["li"].id)
    ]
    assert "在检查点时有2条记录，现全部缺失" in report.problems[0].message


@pytest.mark.parametrize("version", [1, 2, 3])
def test_database_builds_the_canonical_form_byte_for_byte(
    hr: Any, people: dict, version: int, monkeypatch: Any
) -> None:
    """Verification has the database build and hash each entry's canonical content
    (PostgreSQL) or reads raw rows (SQLite); either way every field must come out as the
    schema's Python form formats it, for every schema version (issue #9 item 3; version 3
    is the test's own, with one more field): fractions, nulls (from version 2 on an entry
    may record days only, issue #10 item 6), quotes, backslashes, control characters,
    U+2028, non-BMP characters, start dates, subject order."""
    from civtrain.credits import chain, integrity, ledger

    if version == 1:
        schema_v2.only_v1(monkeypatch)
    if version == 3:
        schema_v2.install(monkeypatch)
    awkward = schema_v2.AWKWARD
    credits.credit_entry_record(
        actor=hr,
        person_id=people["zhang"].id,
        title="引号" + awkward,
        start_date=dt.date(2026, 2, 27),
        date=dt.date(2026, 3, 2),
        hours=Decimal("7.25"),
        days=Decimal("0.5"),
        score=Decimal("88.5"),
        subject_hours={"law": Decimal("1.75"), "ethics": Decimal("0.5")},
        training_type="in_service",
        mode="off_the_job",
        source_type="manual",
        source_ref="odd:1" + awkward,
        evidence="证明\n第二行" + awkward,
        reason="",
    )
    credits.credit_entry_record(
        actor=hr,
        person_id=people["zhang"].id,
        title="第二条",
        date=dt.date(2026, 3, 3),
        hours=Decimal(3) if version == 1 else None,  # version 1 holds both
        days=Decimal("0.4"),
        training_type="in_service",
        mode="off_the_job",
        source_type="manual",
        source_ref="odd:2",
    )
    in_database = integrity.database_contents() if connection.vendor == "postgresql" else {}
    stored = schema_v2.stored_entries()
    assert [v for _, v, *_ in stored] == [version, version]
    for entry_id, v, prev_hash, digest, values, subjects in stored:
        schema = ledger.VERSIONS[v]
        expected = schema.content(values, subjects)
        assert expected == schema.reference(values, subjects)
        if in_database:
            assert in_database[entry_id] == expected
        assert chain.entry_hash(prev_hash, expected, chain.algorithm()) == digest
    rows = [row for _, group in integrity._entries_by_person(None) for row in group]
    assert [row[5] for row in rows] == [True, True]  # content_ok, however computed
    assert ledger_verify().ok
    assert ledger_verify().ok
