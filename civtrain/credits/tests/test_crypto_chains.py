"""国密 mode for the hash chains (#17 item 5): the ledger's and the audit trail's chains are
extended with SM3 under the gm suite, each link recording its algorithm, so one chain may
hold SHA-256 links followed by SM3 ones; `civtrain crypto-migrate` re-chains both in place
(batch by batch, idempotent, resumable, audited, re-signed), after which `verify-ledger` and
`verify-audit` pass and still catch an edited row. Every test runs under both suites."""

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from civtrain import testing
from civtrain.core import clock, crypto
from civtrain.core.audit import audit_record
from civtrain.core.audit_chain import RECHAIN_ACTION, audit_rechain, audit_seal, audit_verify
from civtrain.core.models import AuditEvent, AuditSeal
from civtrain.credits import api as credits
from civtrain.credits.integrity import ledger_checkpoint_create, ledger_verify
from civtrain.credits.models import LedgerCheckpoint, LedgerEntry
from civtrain.credits.services import rechain

pytestmark = pytest.mark.django_db
SUITES = ["standard", "gm"]
OTHER = {"standard": "gm", "gm": "standard"}
ALGORITHM = {"standard": "sha256", "gm": "sm3"}
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=clock.TZ)


@pytest.fixture(params=SUITES)
def suite(request: Any, settings: Any) -> str:
    settings.CIVTRAIN_CRYPTO_SUITE = request.param
    return str(request.param)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    clock.freeze(T0)  # Asia/Shanghai
    yield
    clock.freeze(None)


def sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def write(actor: Any, person_id: int, ref: str) -> int:
    return credits.credit_entry_record(
        actor=actor,
        person_id=person_id,
        title=f"培训{ref}",
        date=dt.date(2026, 5, 1),
        hours=Decimal(8),
        training_type="in_service",
        mode="off_the_job",
        source_type="manual",
        source_ref=ref,
    ).id


def algorithms() -> list[str]:
    return list(
        LedgerEntry.objects.order_by("person_id", "seq").values_list("chain_algorithm", flat=True)
    )


def test_new_links_use_the_suites_hash_and_the_sm3_vector_holds(
    suite: str, tree: Any, actors: Any
) -> None:
    assert crypto.chain_hash("sm3", b"abc") == (  # GB/T 32905-2016 appendix A, example 1
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    person = testing.make_person(tree["U1"], "张三")
    write(actors["unit_hr"], person.id, "a")
    write(actors["unit_hr"], person.id, "b")
    assert algorithms() == [ALGORITHM[suite]] * 2
    checkpoint = ledger_checkpoint_create(actor=actors["unit_hr"]).checkpoint
    assert checkpoint is not None and checkpoint.scheme == {"standard": 2, "gm": 3}[suite]
    assert ledger_verify().ok
    audit_seal()
    assert set(AuditEvent.objects.values_list("seal_algorithm", flat=True)) == {ALGORITHM[suite]}
    assert audit_verify().ok


def test_a_chain_goes_on_in_the_other_hash_and_an_edit_is_still_caught(
    suite: str, settings: Any, tree: Any, actors: Any
) -> None:
    """SHA-256 links followed by SM3 ones (or the reverse) in one chain: verification reads
    each link's own algorithm; an edited entry, and an entry whose algorithm was changed,
    are reported as edited."""
    hr = actors["unit_hr"]
    person = testing.make_person(tree["U1"], "张三")
    settings.CIVTRAIN_CRYPTO_SUITE = OTHER[suite]
    first = write(hr, person.id, "a")
    ledger_checkpoint_create(actor=hr)
    audit_seal()
    settings.CIVTRAIN_CRYPTO_SUITE = suite
    second = write(hr, person.id, "b")
    ledger_checkpoint_create(actor=hr)
    audit_record(actor=hr, action="test.after_switch", object_type="test")
    audit_seal()
    assert algorithms() == [ALGORITHM[OTHER[suite]], ALGORITHM[suite]]
    assert ledger_verify().ok
    assert {a for (a,) in AuditEvent.objects.values_list("seal_algorithm")} == {"sha256", "sm3"}
    assert audit_verify().ok

    sql("UPDATE credits_ledgerentry SET title = %s WHERE id = %s", ["改", second])
    problems = ledger_verify().problems
    assert [(p.kind.value, p.entry_id) for p in problems] == [("edited", second)]
    sql("UPDATE credits_ledgerentry SET title = %s WHERE id = %s", ["培训b", second])
    assert ledger_verify().ok
    sql(
        "UPDATE credits_ledgerentry SET chain_algorithm = %s WHERE id = %s",
        [ALGORITHM[suite], first],
    )
    assert [p.entry_id for p in ledger_verify().problems] == [first]


def test_crypto_migrate_rechains_both_chains_and_verification_still_catches_an_edit(
    suite: str, settings: Any, tree: Any, actors: Any
) -> None:
    hr = actors["unit_hr"]
    settings.CIVTRAIN_CRYPTO_SUITE = OTHER[suite]
    people = [testing.make_person(tree["U1"], f"人{n}") for n in range(3)]
    ids = [write(hr, p.id, f"r{n}") for n in range(2) for p in people]
    ledger_checkpoint_create(actor=hr)
    audit_seal()
    audit_record(actor=hr, action="test.unsigned_yet", object_type="test")
    write(hr, people[0].id, "late")  # not yet covered by a checkpoint
    audit_seal()
    seals = AuditSeal.objects.count()
    settings.CIVTRAIN_CRYPTO_SUITE = suite
    out = io.StringIO()
    call_command("crypto_migrate", "--batch", "2", stdout=out)
    text = out.getvalue()
    assert f"账本哈希链已按 {ALGORITHM[suite].upper()} 重新计算：3 条链，7 条记录" in text
    assert f"重新签署封存 {seals} 次" in text
    assert set(algorithms()) == {ALGORITHM[suite]}
    assert set(
        AuditEvent.objects.exclude(seal_seq=None).values_list("seal_algorithm", flat=True)
    ) == {ALGORITHM[suite]}
    assert ledger_verify().ok and ledger_verify().uncovered == 0
    audit_seal()
    assert audit_verify().ok
    call_command("verify_ledger", stdout=io.StringIO())
    call_command("verify_audit", stdout=io.StringIO())
    events = AuditEvent.objects.filter(action="credit.ledger_rechain")
    assert [e.changes["chains"] for e in events] == [3]

    out = io.StringIO()  # idempotent: nothing left to move
    call_command("crypto_migrate", stdout=out)
    assert "3 条链" not in out.getvalue() and "：0 条链，0 条记录" in out.getvalue()
    assert AuditEvent.objects.filter(action="credit.ledger_rechain").count() == 1

    sql("UPDATE credits_ledgerentry SET title = %s WHERE id = %s", ["伪造", ids[1]])
    with pytest.raises(CommandError):
        call_command("verify_ledger", stdout=io.StringIO())
    row = AuditEvent.objects.exclude(seal_seq=None).order_by("seal_seq").first()
    assert row is not None
    if connection.vendor == "postgresql":  # the guard refuses it; drop it as an owner would
        sql("ALTER TABLE core_auditevent DISABLE TRIGGER civtrain_audit_guard", [])
    sql("UPDATE core_auditevent SET object_label = %s WHERE id = %s", ["伪造", row.pk])
    with pytest.raises(CommandError, match=f"#{row.pk}"):
        call_command("verify_audit", stdout=io.StringIO())


def test_an_edited_chain_is_not_laundered_by_the_rechain(
    suite: str, settings: Any, tree: Any, actors: Any
) -> None:
    """A chain that does not verify is left as it is, named, and verification still finds
    it; the others move. An edited audit row stops the audit re-chain at that row."""
    hr = actors["unit_hr"]
    settings.CIVTRAIN_CRYPTO_SUITE = OTHER[suite]
    good, bad = testing.make_person(tree["U1"], "好"), testing.make_person(tree["U1"], "坏")
    write(hr, good.id, "g")
    edited = write(hr, bad.id, "b")
    ledger_checkpoint_create(actor=hr)
    audit_seal()
    sql("UPDATE credits_ledgerentry SET title = %s WHERE id = %s", ["改", edited])
    row = AuditEvent.objects.exclude(seal_seq=None).order_by("-seal_seq").first()
    assert row is not None
    if connection.vendor == "postgresql":
        sql("ALTER TABLE core_auditevent DISABLE TRIGGER civtrain_audit_guard", [])
    sql("UPDATE core_auditevent SET object_label = %s WHERE id = %s", ["改", row.pk])
    settings.CIVTRAIN_CRYPTO_SUITE = suite
    with pytest.raises(CommandError) as failure:
        call_command("crypto_migrate", stdout=io.StringIO())
    assert "坏" in str(failure.value) and f"#{row.pk}" in str(failure.value)
    moved = dict(LedgerEntry.objects.values_list("person_id", "chain_algorithm"))
    assert moved == {good.id: ALGORITHM[suite], bad.id: ALGORITHM[OTHER[suite]]}
    assert [p.entry_id for p in ledger_verify().problems] == [edited]
    assert [p.row_id for p in audit_verify().problems] == [row.pk]


def test_a_killed_rechain_leaves_verifiable_chains_and_resumes(
    suite: str, settings: Any, tree: Any, actors: Any, monkeypatch: Any
) -> None:
    """Killed after its first batch: what committed verifies (ledger: each batch signs its
    own checkpoint); a second run finishes the work. The audit re-chain resumes from its
    last progress row."""
    hr = actors["unit_hr"]
    settings.CIVTRAIN_CRYPTO_SUITE = OTHER[suite]
    people = [testing.make_person(tree["U1"], f"人{n}") for n in range(4)]
    for p in people:
        write(hr, p.id, "x")
    ledger_checkpoint_create(actor=hr)
    for n in range(6):
        audit_record(actor=hr, action="test.row", object_type="test", object_id=n)
        audit_seal()
    settings.CIVTRAIN_CRYPTO_SUITE = suite

    real = rechain._rechain_batch
    calls = []

    def dies_on_the_second(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # kill
        return real(*args)

    monkeypatch.setattr(rechain, "_rechain_batch", dies_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        credits.ledger_rechain(actor=hr, batch=2)
    assert algorithms().count(ALGORITHM[suite]) == 2
    assert ledger_verify().ok
    monkeypatch.setattr(rechain, "_rechain_batch", real)
    result = credits.ledger_rechain(actor=hr, batch=2)
    assert (result.chains, result.entries) == (2, 2)
    assert set(algorithms()) == {ALGORITHM[suite]} and ledger_verify().ok

    from civtrain.core import audit_chain

    real_reseal = audit_chain._reseal
    seen = []

    def killed(*args: Any) -> Any:
        seen.append(1)
        if len(seen) == 2:
            raise KeyboardInterrupt
        return real_reseal(*args)

    monkeypatch.setattr(audit_chain, "_reseal", killed)
    with pytest.raises(KeyboardInterrupt):
        audit_rechain(batch=4)
    progress = AuditEvent.objects.get(action=RECHAIN_ACTION)
    assert progress.changes["upto_seq"] == 4
    monkeypatch.setattr(audit_chain, "_reseal", real_reseal)
    report = audit_rechain(batch=4)
    assert report.ok
    audit_seal()
    assert audit_verify().ok
    again = audit_rechain(batch=4)
    assert (again.rows, again.seals) == (0, 0)
    assert LedgerCheckpoint.objects.count() >= 3
