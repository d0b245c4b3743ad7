"""The audit trail's hash chain (#17 item 3, GB/T 22239-2019 8.1.4.3; ADR 0025).

Rows are written as they always were (one INSERT, or COPY for imports): chaining them at
insert time would serialise every writing transaction on one head. A sealer, run every
minute by the beat schedule, gives the rows committed since its last run consecutive
`seal_seq` numbers and `seal_hash = SHA-256(previous hash ‖ "\\n" ‖ evidence)`, and records
the new head in an `AuditSeal` row. `civtrain verify-audit` recomputes the chain: an edited
row breaks its hash, a deleted row leaves a hole in the sequence, a row cut from the end
no longer reaches the latest seal's head, and a row that stays unsealed long after its
moment is reported too.

Under the 国密 suite (#17 item 5) the sealer links with SM3 instead of SHA-256; each row
records the hash that chained it (`seal_algorithm`), so a chain may go on in SM3 after
SHA-256 rows, and `audit_rechain` (run by `civtrain crypto-migrate`) re-chains the rows
still online under the configured suite and re-signs the seals.

The evidence is every column but `org_path`, which is an index re-filed when a subtree
moves (see AuditEvent). On PostgreSQL, triggers refuse any UPDATE of the evidence or of a
seal once set, and any DELETE (core migration 0005); the chain catches what a database
owner does around them.
"""

import datetime as dt
import gzip
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max

from civtrain.core import clock, crypto, signing
from civtrain.core.audit import audit_record
from civtrain.core.errors import ValidationFailed
from civtrain.core.models import AuditArchive, AuditEvent, AuditSeal

GENESIS = "0" * 64
BATCH = 5000
# Rows commit out of id order; a transaction open longer than this when the sealer passes
# would leave its rows behind the scan (they are then reported as unsealed).
LONGEST_TRANSACTION = dt.timedelta(hours=1)
EVIDENCE = (
    "id",
    "at",
    "actor_id",
    "actor_label",
    "ip_address",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "changes",
)


def evidence(row: dict[str, Any]) -> bytes:
    """The canonical bytes of a row's evidence (sorted-key JSON, times in UTC)."""
    at = row["at"]
    if isinstance(at, str):  # raw values from SQLite
        at = dt.datetime.fromisoformat(at)
    changes = row["changes"]
    if isinstance(changes, str):
        changes = json.loads(changes)
    doc = {
        **{k: row[k] for k in EVIDENCE if k not in ("at", "changes")},
        "at": at.astimezone(dt.UTC).isoformat(),
        "changes": changes,
    }
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def audit_purge_declare(cursor: Any) -> None:
    """Declare, for the current transaction only, that it deletes audit rows on purpose
    (retention archive, a benchmark's clean-up); the PostgreSQL guard then lets it. The
    chain still shows what went (verify-audit)."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL civtrain.audit_purge = 'on'")


def link(previous: str, row: dict[str, Any], algorithm: str = crypto.SHA256) -> str:
    if algorithm == crypto.SHA256:
        return hashlib.sha256(previous.encode() + b"\n" + evidence(row)).hexdigest()
    return crypto.chain_hash(algorithm, previous.encode() + b"\n" + evidence(row))


@contextmanager
def _sealer_lock() -> Iterator[None]:
    """One transaction that moves the chain's head (a sealing run, an archive) at a time: a
    transaction-scoped advisory lock on PostgreSQL; SQLite has one writer anyway."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('civtrain.audit_seal'))")
        yield


def seal_message(
    *, at: dt.datetime, head_seq: int, head_hash: str, rows: int, max_id: int
) -> bytes:
    """The bytes a seal's signature covers: everything the seal states."""
    moment = at.astimezone(dt.UTC).isoformat()
    return f"civtrain-audit-seal|v1|{moment}|{head_seq}|{head_hash}|{rows}|{max_id}".encode()


def archive_message(record: AuditArchive) -> bytes:
    """The bytes an archive record's signature covers."""
    return (
        f"civtrain-audit-archive|v1|{record.at.astimezone(dt.UTC).isoformat()}|"
        f"{record.before.astimezone(dt.UTC).isoformat()}|{record.from_seq}|{record.upto_seq}|"
        f"{record.from_hash}|{record.head_hash}|{record.file_name}|{record.file_sha256}"
    ).encode()


def _signed(message: bytes) -> dict[str, str]:
    signed = signing.sign(message)
    return {} if signed is None else {"signature": signed.signature, "key_id": signed.key_id}


def _signature_problem(kind: str, message: bytes, signature: str, key: str) -> str | None:
    """Why a seal's or archive's signature does not hold, or None when it does."""
    if not signature:
        return f"{kind}没有签名"
    public = signing.trusted_keys().get(key)
    if public is None:
        return f"{kind}的签名密钥 {key or '（空）'} 不是本平台的（当前或已停用的）密钥"
    if not signing.signature_valid(message, signature, public):
        return f"{kind}的签名不符：封存记录已被改动或伪造"
    return None


def audit_seal() -> int:
    """Seal the rows committed since the last run and sign the new head; returns how many
    rows were sealed. One sealer at a time (`_sealer_lock`)."""
    with _sealer_lock():
        last = AuditSeal.objects.order_by("-head_seq").first()
        seq, head = (last.head_seq, last.head_hash) if last else (0, GENESIS)
        old_enough = AuditSeal.objects.filter(at__lte=clock.now() - LONGEST_TRANSACTION)
        scan_from = old_enough.aggregate(m=Max("max_id"))["m"] or 0
        sealed = 0
        max_id = last.max_id if last else 0
        algorithm = crypto.chain_algorithm()
        for batch in _unsealed(scan_from):
            updates = []
            for row in batch:
                seq += 1
                head = link(head, row, algorithm)
                updates.append((seq, head, algorithm, row["id"]))
                max_id = max(max_id, row["id"])
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE core_auditevent SET seal_seq = %s, seal_hash = %s, seal_algorithm = %s "
                    "WHERE id = %s",
                    updates,
                )
            sealed += len(updates)
        if sealed:
            at = clock.now()
            message = seal_message(at=at, head_seq=seq, head_hash=head, rows=sealed, max_id=max_id)
            AuditSeal.objects.create(
                at=at,
                head_seq=seq,
                head_hash=head,
                rows=sealed,
                max_id=max_id,
                **_signed(message),
            )
        return sealed


@shared_task(name="core.audit_seal", ignore_result=True)
def audit_seal_task() -> int:
    return audit_seal()


def _unsealed(scan_from: int) -> Iterator[list[dict[str, Any]]]:
    after = scan_from
    while True:
        batch = list(
            AuditEvent.objects.filter(id__gt=after, seal_seq__isnull=True)
            .order_by("id")
            .values(*EVIDENCE)[:BATCH]
        )
        if not batch:
            return
        yield batch
        after = batch[-1]["id"]


@dataclass
class AuditProblem:
    row_id: int | None
    seal_seq: int | None
    reason: str


@dataclass
class AuditReport:
    rows: int = 0
    sealed: int = 0
    unsigned_seals: int = 0  # written before seals were signed (accepted, counted)
    problems: list[AuditProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def audit_verify() -> AuditReport:
    """Recompute the chain in seal order; read only (sealing is the beat task's). Reports the
    first broken link (an edit or a hole changes every later hash, so later rows say nothing
    new), a chain that does not pass through a signed seal's head (rows and hashes rewritten
    together), a seal or archive whose signature does not hold, a chain that stops short of
    the latest seal, and rows left unsealed for longer than a transaction may last."""
    report = AuditReport(rows=AuditEvent.objects.count())
    seals = list(AuditSeal.objects.order_by("head_seq"))
    archives = list(AuditArchive.objects.order_by("upto_seq"))
    if _signatures_broken(report, seals, archives):
        return report
    archive = archives[-1] if archives else None
    seq, head = (archive.upto_seq, archive.head_hash) if archive else (0, GENESIS)
    heads = {s.head_seq: s for s in seals if s.head_seq > seq}
    segment_start: int | None = None  # first row id after the last seal head passed
    rows = (
        AuditEvent.objects.filter(seal_seq__isnull=False)
        .order_by("seal_seq")
        .values(*EVIDENCE, "seal_seq", "seal_hash", "seal_algorithm")
        .iterator(chunk_size=BATCH)
    )
    for row in rows:
        if row["seal_seq"] != seq + 1:
            report.problems.append(
                AuditProblem(
                    row["id"],
                    row["seal_seq"],
                    f"审计记录缺失：封存序号 {seq + 1} 至 {row['seal_seq'] - 1} 的记录已被删除",
                )
            )
            return report
        try:
            head = link(head, row, row["seal_algorithm"])
        except ValueError:  # an algorithm no suite has: the row was changed
            head = ""
        if head != row["seal_hash"]:
            report.problems.append(
                AuditProblem(
                    row["id"], row["seal_seq"], f"审计记录 #{row['id']} 的内容与封存时不一致"
                )
            )
            return report
        seq += 1
        report.sealed += 1
        segment_start = segment_start or row["id"]
        seal = heads.get(seq)
        if seal is not None:
            if seal.head_hash != head:
                report.problems.append(
                    AuditProblem(
                        segment_start,
                        seq,
                        f"审计链与 {seal.at.astimezone(clock.TZ):%Y-%m-%d %H:%M} 的已签名封存不符："
                        f"审计记录 #{segment_start} 至 #{row['id']} 之间有记录连同其后的哈希被改写",
                    )
                )
                return report
            segment_start = None
    last = seals[-1] if seals else None
    if last and (last.head_seq, last.head_hash) != (seq, head):
        report.problems.append(
            AuditProblem(
                None,
                last.head_seq,
                f"审计链只到封存序号 {seq}，而最近一次封存"
                f"（{last.at.astimezone(clock.TZ):%Y-%m-%d %H:%M}）记到 {last.head_seq}："
                "末尾的记录已被删除",
            )
        )
    stale = (
        AuditEvent.objects.filter(
            seal_seq__isnull=True, at__lt=clock.now() - 2 * LONGEST_TRANSACTION
        )
        .order_by("id")
        .first()
    )
    if stale:
        report.problems.append(
            AuditProblem(
                stale.pk, None, f"审计记录 #{stale.pk} 写入已久仍未封存（可能是绕过平台写入的）"
            )
        )
    return report


def _signatures_broken(
    report: AuditReport, seals: list[AuditSeal], archives: list[AuditArchive]
) -> bool:
    """Check the seals' and archives' signatures; record the first that fails. Records
    written before seals were signed (or on a platform without a key) form an unsigned
    prefix, which is accepted and counted; after the first signed record every record must
    be signed, and when a key is configured the latest must be, so stripping signatures from
    forged seals is noticed too."""
    keyed = signing.configured_public_key() is not None
    checks: list[tuple[list[Any], str, Any]] = [
        (seals, "封存序号 {} 的封存记录", lambda s: (s.head_seq, _seal_message_of(s))),
        (archives, "封存序号 {} 止的归档记录", lambda a: (a.upto_seq, archive_message(a))),
    ]
    for records, kind, describe in checks:
        signed_seen = False
        for record in records:
            seq, message = describe(record)
            if not record.signature and not signed_seen and not (keyed and record is records[-1]):
                report.unsigned_seals += 1
                continue
            signed_seen = True
            problem = _signature_problem(kind.format(seq), message, record.signature, record.key_id)
            if problem:
                report.problems.append(AuditProblem(None, seq, problem))
                return True
    return False


def _seal_message_of(seal: AuditSeal) -> bytes:
    return seal_message(
        at=seal.at,
        head_seq=seal.head_seq,
        head_hash=seal.head_hash,
        rows=seal.rows,
        max_id=seal.max_id,
    )


@dataclass
class ArchiveResult:
    rows: int
    from_seq: int
    upto_seq: int
    path: Path


def audit_archive(*, before: dt.datetime, out: Path) -> ArchiveResult:
    """Move the chain's oldest rows, all older than `before`, into a gzipped NDJSON file and
    out of the database, leaving an AuditArchive record (ranges, end hashes, file digest) so
    verification goes on from where the file ends. Refuses to go nearer than
    CIVTRAIN_AUDIT_ONLINE_DAYS to today. The file is complete on disk before the rows go."""
    limit = clock.now() - dt.timedelta(days=settings.CIVTRAIN_AUDIT_ONLINE_DAYS)
    if before > limit:
        raise ValidationFailed(
            f"审计记录须在线保存至少 {settings.CIVTRAIN_AUDIT_ONLINE_DAYS} 天："
            f"只能归档 {limit:%Y-%m-%d} 之前的记录"
        )
    audit_seal()
    with _sealer_lock():
        last = AuditArchive.objects.order_by("-upto_seq").first()
        from_seq, from_hash = (last.upto_seq + 1, last.head_hash) if last else (1, GENESIS)
        # The archive is a prefix of the chain: it stops before the first row not old enough.
        newer = AuditEvent.objects.filter(seal_seq__isnull=False, at__gte=before)
        stop = newer.order_by("seal_seq").values_list("seal_seq", flat=True).first()
        sealed_max = AuditEvent.objects.aggregate(m=Max("seal_seq"))["m"] or 0
        upto_seq = (stop - 1) if stop is not None else sealed_max
        if upto_seq < from_seq:
            raise ValidationFailed(f"{before:%Y-%m-%d} 之前没有尚未归档的审计记录")
        rows = (
            AuditEvent.objects.filter(seal_seq__gte=from_seq, seal_seq__lte=upto_seq)
            .order_by("seal_seq")
            .values(*EVIDENCE, "org_path", "seal_seq", "seal_hash", "seal_algorithm")
            .iterator(chunk_size=BATCH)
        )
        digest, count, head = _write_archive(out, rows)
        if count != upto_seq - from_seq + 1:
            raise ValidationFailed("审计链有缺口，不能归档：请先运行 verify-audit 查明")
        record = AuditArchive(
            at=clock.now(),
            before=before,
            from_seq=from_seq,
            upto_seq=upto_seq,
            from_hash=from_hash,
            head_hash=head,
            file_name=out.name,
            file_sha256=digest,
        )
        for name, value in _signed(archive_message(record)).items():
            setattr(record, name, value)
        record.save()
        with connection.cursor() as cursor:
            audit_purge_declare(cursor)
            cursor.execute(
                "DELETE FROM core_auditevent WHERE seal_seq BETWEEN %s AND %s",
                [from_seq, upto_seq],
            )
    return ArchiveResult(rows=count, from_seq=from_seq, upto_seq=upto_seq, path=out)


def _write_archive(out: Path, rows: Iterable[dict[str, Any]]) -> tuple[str, int, str]:
    """Write the rows as gzipped NDJSON through a temporary file, flushed to disk before it
    takes its name; return the file's SHA-256, the row count and the last seal hash."""
    partial = out.with_name(out.name + ".partial")
    count, head = 0, ""
    with gzip.open(partial, "wt", encoding="utf-8") as f:
        for row in rows:
            doc = json.loads(evidence(row))
            doc.update(
                org_path=row["org_path"], seal_seq=row["seal_seq"], seal_hash=row["seal_hash"]
            )
            if row["seal_algorithm"] != crypto.SHA256:  # SHA-256 files stay as they were
                doc["seal_algorithm"] = row["seal_algorithm"]
            f.write(json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n")
            count, head = count + 1, row["seal_hash"]
    with open(partial, "rb") as raw:
        os.fsync(raw.fileno())
        digest = hashlib.file_digest(raw, "sha256").hexdigest()
    partial.replace(out)
    return digest, count, head


def audit_archive_verify(path: Path) -> AuditReport:
    """Check an archive file on its own against its AuditArchive record: its digest, and
    the chain from the record's from_hash to its head_hash."""
    report = AuditReport()
    with open(path, "rb") as raw:
        digest = hashlib.file_digest(raw, "sha256").hexdigest()
    record = AuditArchive.objects.filter(file_sha256=digest).first()
    if record is None:
        report.problems.append(
            AuditProblem(None, None, f"{path.name} 不是本平台登记过的审计归档，或已被改动")
        )
        return report
    if record.signature or signing.configured_public_key():
        problem = _signature_problem(
            f"归档记录 {record.file_name}", archive_message(record), record.signature, record.key_id
        )
        if problem:
            report.problems.append(AuditProblem(None, record.upto_seq, problem))
            return report
    seq, head = record.from_seq - 1, record.from_hash
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            report.rows += 1
            row["at"] = dt.datetime.fromisoformat(row["at"])
            try:
                head = link(head, row, row.get("seal_algorithm", crypto.SHA256))
            except ValueError:
                head = ""
            seq += 1
            if row["seal_seq"] != seq or head != row["seal_hash"]:
                report.problems.append(
                    AuditProblem(
                        row["id"], row["seal_seq"], f"归档中的审计记录 #{row['id']} 与封存时不一致"
                    )
                )
                return report
            report.sealed += 1
    if (seq, head) != (record.upto_seq, record.head_hash):
        report.problems.append(AuditProblem(None, seq, "归档文件不完整"))
    return report


# --- re-chaining under another suite's hash (#17 item 5, `civtrain crypto-migrate`) ---------

RECHAIN_ACTION = "audit.rechain"


@dataclass
class RechainReport:
    algorithm: str
    rows: int = 0  # rows whose link was rewritten
    seals: int = 0  # seals re-stated and re-signed
    problems: list[AuditProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def audit_rechain(*, batch: int = BATCH) -> RechainReport:
    """Re-chain the rows still online under the configured suite's hash and re-sign the seals.

    Walks the chain in seal order from the latest archive's head. Each row must link from its
    predecessor as stored (its own algorithm), else nothing more is rewritten and the row is
    reported: an edit is never laundered into a new hash. Its new link is computed under the
    suite's algorithm; a seal whose head the walk passes gets the new head and a new
    signature. Each batch is one transaction under the sealer's lock and the declared
    re-chain (the PostgreSQL guard lets seal columns change then, never the evidence), and
    ends with an `audit.rechain` audit row stating how far it got (the old and the new hash
    there), from which a killed run resumes. Idempotent: a chain already in the algorithm is
    walked and left as it is."""
    target = crypto.chain_algorithm()
    report = RechainReport(target)
    seals = list(AuditSeal.objects.order_by("head_seq"))
    archives = list(AuditArchive.objects.order_by("upto_seq"))
    check = AuditReport()
    if _signatures_broken(check, seals, archives):
        report.problems += check.problems
        return report
    archive = archives[-1] if archives else None
    seq, old, new = (
        (archive.upto_seq, archive.head_hash, archive.head_hash)
        if archive
        else (
            0,
            GENESIS,
            GENESIS,
        )
    )
    seq, old, new = _resume_point(target, seq, old, new)
    while True:
        with _sealer_lock():
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SET LOCAL civtrain.audit_rechain = 'on'")
            rows = list(
                AuditEvent.objects.filter(seal_seq__gt=seq)
                .order_by("seal_seq")
                .values(*EVIDENCE, "seal_seq", "seal_hash", "seal_algorithm")[:batch]
            )
            if not rows:
                return report
            start = (seq, old, new)
            updates: list[tuple[str, str, int]] = []
            heads: dict[int, tuple[str, str]] = {}  # seal_seq → (old hash, new hash)
            for row in rows:
                problem = _rechain_problem(row, seq, old, new)
                if problem:
                    report.problems.append(problem)
                    break
                stored = row["seal_hash"]
                rehashed = link(new, row, target)
                if (rehashed, target) != (stored, row["seal_algorithm"]):
                    updates.append((rehashed, target, row["id"]))
                seq, old, new = row["seal_seq"], stored, rehashed
                heads[seq] = (old, new)
            resealed = 0 if report.problems else _reseal(start[0], seq, heads, report)
            if report.problems:
                transaction.set_rollback(True)  # nothing of this batch is written
                return report
            report.seals += resealed
            if updates:
                with connection.cursor() as cursor:
                    cursor.executemany(
                        "UPDATE core_auditevent SET seal_hash = %s, seal_algorithm = %s "
                        "WHERE id = %s",
                        updates,
                    )
                report.rows += len(updates)
            if updates or resealed:
                _rechain_progress(target, seq, old, new)


def _rechain_problem(row: dict[str, Any], seq: int, old: str, new: str) -> AuditProblem | None:
    """Why a row cannot be re-chained: a hole before it, or a link that holds neither from
    its predecessor's stored hash nor from its re-chained one (an edit)."""
    if row["seal_seq"] != seq + 1:
        return AuditProblem(
            row["id"],
            row["seal_seq"],
            f"审计记录缺失：封存序号 {seq + 1} 至 {row['seal_seq'] - 1} 的记录已被删除，"
            "审计链未重新计算",
        )
    try:
        linked = row["seal_hash"] in (
            link(old, row, row["seal_algorithm"]),
            link(new, row, row["seal_algorithm"]),
        )
    except ValueError:
        linked = False
    if linked:
        return None
    return AuditProblem(
        row["id"],
        row["seal_seq"],
        f"审计记录 #{row['id']} 的内容与封存时不一致，审计链未重新计算",
    )


def _reseal(after: int, upto: int, heads: dict[int, tuple[str, str]], report: RechainReport) -> int:
    """Re-state and re-sign the seals whose heads lie in (after, upto]. A seal whose head is
    neither the walked chain's old nor its new hash there is a rewrite of rows together
    with their hashes: reported, nothing re-signed."""
    count = 0
    for seal in AuditSeal.objects.filter(head_seq__gt=after, head_seq__lte=upto).order_by(
        "head_seq"
    ):
        old, new = heads[seal.head_seq]
        if seal.head_hash == new:
            continue
        if seal.head_hash != old:
            report.problems.append(
                AuditProblem(
                    None,
                    seal.head_seq,
                    f"审计链与封存序号 {seal.head_seq} 的封存不符：有记录连同其后的哈希被改写，"
                    "审计链未重新计算",
                )
            )
            return count
        message = seal_message(
            at=seal.at, head_seq=seal.head_seq, head_hash=new, rows=seal.rows, max_id=seal.max_id
        )
        signed = _signed(message)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE core_auditseal SET head_hash = %s, signature = %s, key_id = %s "
                "WHERE id = %s",
                [new, signed.get("signature", ""), signed.get("key_id", ""), seal.pk],
            )
        count += 1
    return count


def _rechain_progress(target: str, seq: int, old: str, new: str) -> None:
    """The audit row of one re-chained batch: how far it got, and the hash there before and
    after (so a killed run goes on from it)."""
    audit_record(
        actor=None,
        action=RECHAIN_ACTION,
        object_type="core.AuditEvent",
        object_id="",
        object_label=f"审计链改用 {target.upper()} 重新计算至封存序号 {seq}",
        changes={"algorithm": target, "upto_seq": seq, "old_head": old, "new_head": new},
    )


def _resume_point(target: str, seq: int, old: str, new: str) -> tuple[int, str, str]:
    """Where a killed re-chain got to: its latest progress row for this algorithm whose
    position still holds the new hash it wrote; else the start of the online chain."""
    for changes in (
        AuditEvent.objects.filter(action=RECHAIN_ACTION)
        .order_by("-id")
        .values_list("changes", flat=True)[:20]
    ):
        if not isinstance(changes, dict) or changes.get("algorithm") != target:
            continue
        upto = changes.get("upto_seq")
        if not isinstance(upto, int) or upto <= seq:
            continue
        here = (
            AuditEvent.objects.filter(seal_seq=upto)
            .values_list("seal_hash", "seal_algorithm")
            .first()
        )
        if here == (changes.get("new_head"), target):
            return upto, str(changes["old_head"]), str(changes["new_head"])
    return seq, old, new
