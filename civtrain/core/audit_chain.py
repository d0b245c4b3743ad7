"""The audit trail's hash chain (#17 item 3, GB/T 22239-2019 8.1.4.3; ADR 0025).

Rows are written as they always were (one INSERT, or COPY for imports): chaining them at
insert time would serialise every writing transaction on one head. A sealer, run every
minute by the beat schedule, gives the rows committed since its last run consecutive
`seal_seq` numbers and `seal_hash = SHA-256(previous hash ‖ "\\n" ‖ evidence)`, and records
the new head in an `AuditSeal` row. `civtrain verify-audit` recomputes the chain: an edited
row breaks its hash, a deleted row leaves a hole in the sequence, a row cut from the end
no longer reaches the latest seal's head, and a row that stays unsealed long after its
moment is reported too.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max

from civtrain.core import clock
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


def link(previous: str, row: dict[str, Any]) -> str:
    return hashlib.sha256(previous.encode() + b"\n" + evidence(row)).hexdigest()


def audit_seal() -> int:
    """Seal the rows committed since the last run; returns how many. One sealer at a time
    (a lock on PostgreSQL; SQLite has one writer anyway)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('civtrain.audit_seal'))")
        last = AuditSeal.objects.order_by("-head_seq").first()
        seq, head = (last.head_seq, last.head_hash) if last else (0, GENESIS)
        old_enough = AuditSeal.objects.filter(at__lte=clock.now() - LONGEST_TRANSACTION)
        scan_from = old_enough.aggregate(m=Max("max_id"))["m"] or 0
        sealed = 0
        max_id = last.max_id if last else 0
        for batch in _unsealed(scan_from):
            updates = []
            for row in batch:
                seq += 1
                head = link(head, row)
                updates.append((seq, head, row["id"]))
                max_id = max(max_id, row["id"])
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE core_auditevent SET seal_seq = %s, seal_hash = %s WHERE id = %s",
                    updates,
                )
            sealed += len(updates)
        if sealed:
            AuditSeal.objects.create(
                at=clock.now(), head_seq=seq, head_hash=head, rows=sealed, max_id=max_id
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
    problems: list[AuditProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def audit_verify() -> AuditReport:
    """Recompute the chain in seal order. Reports the first broken link (an edit or a hole
    changes every later hash, so later rows say nothing new), a chain that stops short of
    the latest seal, and rows left unsealed for longer than a transaction may last."""
    report = AuditReport(rows=AuditEvent.objects.count())
    archive = AuditArchive.objects.order_by("-upto_seq").first()
    seq, head = (archive.upto_seq, archive.head_hash) if archive else (0, GENESIS)
    rows = (
        AuditEvent.objects.filter(seal_seq__isnull=False)
        .order_by("seal_seq")
        .values(*EVIDENCE, "seal_seq", "seal_hash")
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
        head = link(head, row)
        if head != row["seal_hash"]:
            report.problems.append(
                AuditProblem(
                    row["id"], row["seal_seq"], f"审计记录 #{row['id']} 的内容与封存时不一致"
                )
            )
            return report
        seq += 1
        report.sealed += 1
    last = AuditSeal.objects.order_by("-head_seq").first()
    if last and (last.head_seq, last.head_hash) != (seq, head):
        report.problems.append(
            AuditProblem(
                None,
                last.head_seq,
                f"审计链只到封存序号 {seq}，而最近一次封存（{last.at:%Y-%m-%d %H:%M}）记到 "
                f"{last.head_seq}：末尾的记录已被删除",
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
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('civtrain.audit_seal'))")
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
            .values(*EVIDENCE, "org_path", "seal_seq", "seal_hash")
            .iterator(chunk_size=BATCH)
        )
        digest, count, head = _write_archive(out, rows)
        if count != upto_seq - from_seq + 1:
            raise ValidationFailed("审计链有缺口，不能归档：请先运行 verify-audit 查明")
        AuditArchive.objects.create(
            at=clock.now(),
            before=before,
            from_seq=from_seq,
            upto_seq=upto_seq,
            from_hash=from_hash,
            head_hash=head,
            file_name=out.name,
            file_sha256=digest,
        )
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
    seq, head = record.from_seq - 1, record.from_hash
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            report.rows += 1
            row["at"] = dt.datetime.fromisoformat(row["at"])
            head = link(head, row)
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
