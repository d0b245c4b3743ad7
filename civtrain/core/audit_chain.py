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
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from celery import shared_task
from django.db import connection, transaction
from django.db.models import Max

from civtrain.core import clock
from civtrain.core.models import AuditEvent, AuditSeal

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
    seq, head = 0, GENESIS
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
