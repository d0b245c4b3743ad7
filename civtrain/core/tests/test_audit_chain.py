"""The audit trail is chained and guarded (#17 item 3, GB/T 22239-2019 8.1.4.3): an audit row
edited or deleted directly in the database is found by `civtrain verify-audit`, which exits
non-zero naming the first broken row; on PostgreSQL the database itself refuses the change."""

import base64
import datetime as dt
import gzip
import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from civtrain.core import clock, signing
from civtrain.core.audit import audit_record, audit_record_many
from civtrain.core.audit_chain import (
    EVIDENCE,
    GENESIS,
    audit_purge_declare,
    audit_seal,
    audit_verify,
    link,
    seal_message,
)
from civtrain.core.models import AuditEvent, AuditSeal

pytestmark = pytest.mark.django_db
ON_POSTGRESQL = connection.vendor == "postgresql"


def sql(statement: str, params: list[Any], table: str = "core_auditevent") -> None:
    """A change made behind the platform's back; on PostgreSQL with the guard switched off,
    as a database owner could."""
    with connection.cursor() as cursor:
        if ON_POSTGRESQL:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER civtrain_audit_guard")
        cursor.execute(statement, params)
        if ON_POSTGRESQL:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER civtrain_audit_guard")


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out)
    except CommandError as exc:
        return 1, f"{out.getvalue()}{exc}"
    return 0, out.getvalue()


@pytest.fixture
def events() -> list[AuditEvent]:
    for n in range(3):
        audit_record(
            actor=None,
            action="person.update",
            object_type="person",
            object_id=n,
            object_label=f"人员{n}",
            changes={"rank": ["一级科员", "四级主任科员"], "n": n},
        )
    audit_record_many(
        actor=None,
        action="person.create",
        object_type="person",
        items=[(10 + n, f"新人{n}", "", {"name": f"新人{n}"}) for n in range(3)],
    )
    return list(AuditEvent.objects.order_by("id"))


def test_an_intact_trail_verifies_and_every_row_is_sealed(events: list[AuditEvent]) -> None:
    code, out = run("--seal")
    assert code == 0
    assert f"审计记录 {len(events)} 条，已封存 {len(events)} 条" in out
    assert "审计链完整" in out
    # Sealed once: a second run seals nothing new and still verifies.
    assert audit_seal() == 0
    assert audit_verify().ok


def test_an_edited_row_is_named(events: list[AuditEvent]) -> None:
    audit_seal()
    target = events[2]
    sql("UPDATE core_auditevent SET object_label = %s WHERE id = %s", ["别人", target.pk])
    code, out = run()
    assert code == 1
    assert f"审计记录 #{target.pk} 的内容与封存时不一致" in out


def test_a_changed_time_or_change_set_is_an_edit(events: list[AuditEvent]) -> None:
    audit_seal()
    sql("UPDATE core_auditevent SET at = %s WHERE id = %s", [clock.now(), events[0].pk])
    [problem] = audit_verify().problems
    assert problem.row_id == events[0].pk


def test_a_row_deleted_in_the_middle_leaves_a_hole(events: list[AuditEvent]) -> None:
    audit_seal()
    sql("DELETE FROM core_auditevent WHERE id = %s", [events[1].pk])
    code, out = run("--no-seal")
    assert code == 1
    assert "封存序号 2 至 2 的记录已被删除" in out


def test_a_row_cut_from_the_end_is_noticed(events: list[AuditEvent]) -> None:
    audit_seal()
    sql("DELETE FROM core_auditevent WHERE id = %s", [events[-1].pk])
    code, out = run()
    assert code == 1
    assert "末尾的记录已被删除" in out


def test_org_path_refiling_is_not_an_edit(events: list[AuditEvent]) -> None:
    """The one column moved after insert (AuditEvent): the subtree index, not evidence."""
    audit_seal()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET org_path = %s", ["C1/D9/"])
    assert audit_verify().ok


def test_a_row_inserted_behind_the_platform_and_left_unsealed_is_reported(
    events: list[AuditEvent],
) -> None:
    audit_seal()
    long_ago = clock.now() - dt.timedelta(hours=3)
    sql(
        "INSERT INTO core_auditevent (at, actor_label, action, object_type, object_id, "
        "object_label, org_path, changes) VALUES (%s, 'x', 'x', 'x', '', '', '', '{}')",
        [long_ago],
    )
    code, out = run("--no-seal")
    assert code == 1 and "写入已久仍未封存" in out


def test_json_output_names_the_first_broken_row(events: list[AuditEvent]) -> None:
    audit_seal()
    sql("UPDATE core_auditevent SET action = %s WHERE id = %s", ["x", events[3].pk])
    code, out = run("--format", "json")
    assert code == 1
    assert f'"row_id": {events[3].pk}' in out and '"ok": false' in out


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the database-level guard is PostgreSQL's")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditevent SET object_label = 'x' WHERE id = %s",
        "UPDATE core_auditevent SET changes = '{}' WHERE id = %s",
        "UPDATE core_auditevent SET seal_hash = 'x' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_changes_to_evidence_and_seals(
    events: list[AuditEvent], statement: str
) -> None:
    audit_seal()
    with (
        pytest.raises(DatabaseError, match="audit"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [events[0].pk])
    assert audit_verify().ok


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the database-level guard is PostgreSQL's")
def test_a_declared_purge_may_delete_and_the_chain_still_shows_it(
    events: list[AuditEvent],
) -> None:
    audit_seal()
    with transaction.atomic(), connection.cursor() as cursor:
        audit_purge_declare(cursor)
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [events[0].pk])
    [problem] = audit_verify().problems
    assert "封存序号 1 至 1 的记录已被删除" in problem.reason


def _aged(events: list[AuditEvent], days: int) -> None:
    """Date the first rows back, as if written `days` ago (before they are sealed)."""
    for event in events[:4]:
        sql(
            "UPDATE core_auditevent SET at = %s WHERE id = %s",
            [clock.now() - dt.timedelta(days=days), event.pk],
        )


def test_old_rows_archive_to_a_file_and_the_chain_goes_on(
    events: list[AuditEvent], tmp_path: Any
) -> None:
    _aged(events, 400)
    out = tmp_path / "audit.ndjson.gz"
    day = (clock.now() - dt.timedelta(days=200)).date().isoformat()
    call_command("audit_archive", "--before", day, "--out", str(out), stdout=io.StringIO())
    assert AuditEvent.objects.count() == len(events) - 4
    assert audit_verify().ok
    code, text = run("--archive", str(out))
    assert code == 0 and "已封存 4 条" in text
    # A new row after the archive is sealed onto the same chain.
    audit_record(actor=None, action="x.y", object_type="x")
    assert run()[0] == 0


def test_an_altered_archive_file_is_refused(events: list[AuditEvent], tmp_path: Any) -> None:
    _aged(events, 400)
    out = tmp_path / "audit.ndjson.gz"
    day = (clock.now() - dt.timedelta(days=200)).date().isoformat()
    call_command("audit_archive", "--before", day, "--out", str(out), stdout=io.StringIO())
    lines = gzip.decompress(out.read_bytes()).decode().splitlines()
    lines[1] = lines[1].replace("人员1", "别人")
    forged = tmp_path / "forged.ndjson.gz"
    forged.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    code, text = run("--archive", str(forged))
    assert code == 1 and "不是本平台登记过的审计归档" in text


def test_recent_rows_are_never_archived(events: list[AuditEvent], tmp_path: Any) -> None:
    day = (clock.now() - dt.timedelta(days=30)).date().isoformat()
    with pytest.raises(CommandError, match="须在线保存至少 183 天"):
        call_command("audit_archive", "--before", day, "--out", str(tmp_path / "a.gz"))
    assert AuditEvent.objects.count() == len(events)


def test_verify_audit_reads_only_unless_asked_to_seal(events: list[AuditEvent]) -> None:
    """Sealing is the beat task's: a verification that wrote would change what it checks."""
    code, out = run()
    assert code == 0 and "本次封存 0 条" in out
    assert not AuditSeal.objects.exists()
    assert not AuditEvent.objects.filter(seal_seq__isnull=False).exists()
    code, out = run("--seal")
    assert code == 0 and f"本次封存 {len(events)} 条" in out
    assert AuditSeal.objects.count() == 1


def test_each_seal_is_signed_with_the_platform_key(events: list[AuditEvent]) -> None:
    audit_seal()
    seal = AuditSeal.objects.get()
    assert seal.key_id in signing.trusted_keys()
    assert signing.signature_valid(
        seal_message(
            at=seal.at,
            head_seq=seal.head_seq,
            head_hash=seal.head_hash,
            rows=seal.rows,
            max_id=seal.max_id,
        ),
        seal.signature,
        signing.trusted_keys()[seal.key_id],
    )


def _rewrite_chain_from(events: list[AuditEvent], target: AuditEvent, label: str) -> None:
    """What a database owner who knows the scheme does: edit a row, then recompute every
    hash from it to the end so that each link holds again."""
    sql("UPDATE core_auditevent SET object_label = %s WHERE id = %s", [label, target.pk])
    rows = list(
        AuditEvent.objects.order_by("seal_seq").values(
            *EVIDENCE, "seal_seq", "seal_hash", "seal_algorithm"
        )
    )
    head = GENESIS
    for row in rows:
        head = link(head, row, row["seal_algorithm"])
        if head != row["seal_hash"]:
            sql("UPDATE core_auditevent SET seal_hash = %s WHERE id = %s", [head, row["id"]])


def test_rows_rewritten_with_their_hashes_are_caught_by_an_earlier_signed_seal(
    events: list[AuditEvent],
) -> None:
    audit_seal()  # seal 1: the six rows of the fixture
    audit_record(actor=None, action="x.y", object_type="x", object_label="后来的")
    audit_seal()  # seal 2
    _rewrite_chain_from(events, events[1], "别人")
    # The latest seal's head no longer matches; the forger rewrites it too — and must then
    # either forge its signature or strip it.
    last = AuditSeal.objects.order_by("-head_seq").first()
    assert last is not None
    new_head = AuditEvent.objects.order_by("-seal_seq").values_list("seal_hash", flat=True)[0]
    sql(
        "UPDATE core_auditseal SET head_hash = %s WHERE id = %s",
        [new_head, last.pk],
        "core_auditseal",
    )
    code, out = run()
    assert code == 1 and f"封存序号 {last.head_seq} 的封存记录的签名不符" in out
    sql(
        "UPDATE core_auditseal SET signature = '', key_id = '' WHERE id = %s",
        [last.pk],
        "core_auditseal",
    )
    code, out = run()
    assert code == 1 and f"封存序号 {last.head_seq} 的封存记录没有签名" in out


def test_a_rewritten_first_segment_is_named_by_the_signed_seal_it_breaks(
    events: list[AuditEvent],
) -> None:
    audit_seal()
    audit_record(actor=None, action="x.y", object_type="x")
    audit_seal()
    first = AuditSeal.objects.order_by("head_seq").first()
    assert first is not None
    _rewrite_chain_from(events, events[2], "别人")
    # Only the rows' hashes were rewritten; both seals are the platform's, untouched.
    [problem] = audit_verify().problems
    assert problem.row_id == events[0].pk and problem.seal_seq == first.head_seq
    assert "已签名封存不符" in problem.reason


def test_a_seal_signed_by_a_key_the_platform_does_not_know_is_refused(
    events: list[AuditEvent], settings: Any
) -> None:
    audit_seal()
    old_public = signing.configured_public_key()
    # The key that signs under the suite: Ed25519, or SM2 under gm (#17 item 5).
    name = (
        "CIVTRAIN_SM2_SIGNING_KEY"
        if settings.CIVTRAIN_CRYPTO_SUITE == "gm"
        else "CIVTRAIN_SIGNING_KEY"
    )
    setattr(settings, name, base64.b64encode(b"another-key-for-this-test-00001!").decode())
    [problem] = audit_verify().problems
    assert "不是本平台的" in problem.reason
    # A rotated key: the old public half retired, everything it signed still verifies.
    settings.CIVTRAIN_SIGNING_RETIRED_KEYS = [old_public]
    assert audit_verify().ok
