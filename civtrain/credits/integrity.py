"""Recomputing every chain and checking the latest checkpoint (`civtrain verify-ledger`).

Streams entries ordered by (person, seq), each with its subject hours aggregated into one
column, through one raw cursor, so memory holds one person's rows at a time plus the
chain-head index.
"""

import json
import logging
import operator
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, Subquery, Sum

from civtrain.core import clock, crypto, signing
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import ApplicationError
from civtrain.credits import chain, ledger
from civtrain.credits.data import LedgerProblem, ProblemKind, VerificationReport
from civtrain.credits.errors import CreditsErrorCode
from civtrain.credits.models import (
    LedgerChainHead,
    LedgerCheckpoint,
    LedgerCheckpointHead,
    LedgerEntry,
    LedgerVerification,
)
from civtrain.people import api as people_api

logger = logging.getLogger(__name__)

CHUNK = 10000
PARALLEL_MIN_CHAINS = 1000  # below this, one connection verifies everything
WHO = "\x00who\x00"  # replaced by name and masked ID once the person is looked up

# One pass over the entries in (person, seq) order. Each row comes out slim: (id, person_id,
# seq, prev_hash, hash, content_ok), content_ok telling whether SHA-256(prev_hash ‖ "\n" ‖
# content) equals the stored hash, the content being the entry's canonical JSON under the
# field schema version it was written with (credits.ledger, issue #9 item 3).
#
# On PostgreSQL the database builds the content and hashes it (sha256()) from the SQL twin
# that each schema version generates (ledger.Schema.sql_content), byte for byte what the
# Python form builds; test_integrity and test_ledger_schema check the two against each other
# on awkward values for every version. This moves the per-entry work out of Python:
# verification is bound by the database's scan (bench/ledger.py). An entry whose version no
# schema declares has no content (NULL), so it is reported as edited.
#
# PostgreSQL has no SM3 without an extension. The query stays what it was: it checks every
# entry in SHA-256 (and that the entry says SHA-256: an entry whose algorithm was changed
# fails). The entries of a batch that fail are read again by id with the bytes their
# hash covers (built by the same SQL twin), and those chained in another algorithm (SM3, #17
# item 5) are hashed in Python (`_hashed_here`). A SHA-256 ledger pays nothing for it (an
# earlier form with CASE on the algorithm in the query cost it 3–6 %: docs/benchmarks.md).
_PG_SUBJECTS = f"""
SELECT person_id, entry_id, {ledger.SQL_SUBJECT_PAIRS} AS subjects
FROM credits_ledgersubjecthours {{sub_where}}
GROUP BY person_id, entry_id
"""  # noqa: S608 - built from constants only
_GENERIC_SUBJECTS = """
SELECT person_id, entry_id, json_group_array(json_array(subject, hours)) AS subjects
FROM credits_ledgersubjecthours {sub_where}
GROUP BY person_id, entry_id
"""
_FIRST = 7  # SQLite rows: id, person_id, seq, prev_hash, hash, version, algorithm, columns


def _pg_content() -> str:
    """Each entry's canonical content under its own version (PostgreSQL)."""
    whens = "\n".join(
        f"WHEN {version} THEN {schema.sql_content()}"
        for version, schema in sorted(ledger.VERSIONS.items())
    )
    return f"CASE e.schema_version {whens} END"


def _entries_sql(postgres: bool) -> str:
    """The pass over the entries; {sub_where} and {where} are filled in by the caller."""
    if postgres:
        selected = (
            "encode(sha256(convert_to(e.prev_hash || E'\\n' || "
            f"{_pg_content()}, 'UTF8')), 'hex') = e.hash AND e.chain_algorithm = 'sha256'"
        )
        subjects = _PG_SUBJECTS
    else:  # hashed in Python (_slim_row): every column some version hashes
        selected = "e.schema_version, e.chain_algorithm, "
        selected += ", ".join(f"e.{c}" for c in ledger.stored_columns())
        selected += ", s.subjects"
        subjects = _GENERIC_SUBJECTS
    return f"""
SELECT e.id, e.person_id, e.seq, e.prev_hash, e.hash, {selected}
FROM credits_ledgerentry e
LEFT JOIN ({subjects}) s ON s.entry_id = e.id AND s.person_id = e.person_id
{{where}}
ORDER BY e.person_id, e.seq, e.id
"""  # noqa: S608 - built from the schema's validated column names only


_Reader = tuple[ledger.Schema, Callable[[tuple], tuple]]


def _readers() -> dict[int, _Reader]:
    """Per version: its schema and where its columns sit in a SQLite row."""
    columns = ledger.stored_columns()
    return {
        version: (schema, operator.itemgetter(*(_FIRST + columns.index(c) for c in schema.columns)))
        for version, schema in ledger.VERSIONS.items()
    }


def _slim_row(row: tuple, readers: dict[int, _Reader]) -> tuple:
    """A raw SQLite row, hashed here under its own version, in the slim shape the
    PostgreSQL query returns."""
    ok = False
    reader = readers.get(row[5])
    if reader is not None:
        schema, values = reader
        subjects = json.loads(row[-1]) if row[-1] else ()
        try:
            content = schema.content(values(row), subjects)
            ok = chain.entry_hash(row[3], content, row[6]) == row[4]
        except (TypeError, ValueError):  # a null where its version has none, or an unknown
            ok = False  # algorithm: edited
    return (row[0], row[1], row[2], row[3], row[4], ok)


def _pg_other_algorithms_sql() -> str:
    """The bytes the hash of each entry of a batch not chained in SHA-256 covers (PostgreSQL:
    prev_hash ‖ "\\n" ‖ content, by the same SQL twin), with its algorithm."""
    subjects = _PG_SUBJECTS.replace("{sub_where}", "WHERE entry_id = ANY(%s)")
    return f"""
SELECT e.id, e.chain_algorithm, convert_to(e.prev_hash || E'\\n' || {_pg_content()}, 'UTF8')
FROM credits_ledgerentry e
LEFT JOIN ({subjects}) s ON s.entry_id = e.id AND s.person_id = e.person_id
WHERE e.id = ANY(%s) AND e.chain_algorithm <> 'sha256'
"""  # noqa: S608 - built from the schema's validated column names only


def _hashed_here(batch: list[tuple]) -> list[tuple]:
    """A PostgreSQL batch after its SQL check, which hashed every entry in SHA-256: the
    entries that failed it are looked up again, and those chained in another algorithm (SM3,
    #17 item 5) hashed here. A SHA-256 ledger has no failures: its batches pass through."""
    failed = [row[0] for row in batch if not row[5]]
    if not failed:
        return batch
    with connection.cursor() as cursor:
        cursor.execute(_pg_other_algorithms_sql(), [failed, failed])
        rehashed = {}
        for entry_id, algorithm, hashed in cursor.fetchall():
            try:
                rehashed[entry_id] = crypto.chain_hash(algorithm, bytes(hashed))
            except ValueError:  # an algorithm no suite has: edited
                rehashed[entry_id] = ""
    return [row if row[5] else (*row[:5], rehashed.get(row[0]) == row[4]) for row in batch]


@dataclass
class _Pending:
    """A problem before the person's name is looked up."""

    kind: ProblemKind
    text: str  # "{WHO}" marks where the person is named by name and masked ID
    person_id: int | None
    row: tuple | None = None


def _entries_by_person(
    person_id: int | None,
    below: int | None = None,
    from_: int | None = None,
    person_ids: Sequence[int] | None = None,
) -> Iterator[tuple[int, list[tuple]]]:
    """(person_id, rows) in person order, each row (id, person_id, seq, prev_hash, hash,
    content_ok); one person's, those of `person_ids` (at most 500 on SQLite), or those with
    person_id < below and/or ≥ from_."""
    postgres = connection.vendor == "postgresql"
    conditions: list[str] = []
    params: list[Any] = []
    if person_id is not None:
        conditions.append("person_id = %s")
        params.append(person_id)
    if person_ids is not None and postgres:
        conditions.append("person_id = ANY(%s)")
        params.append(list(person_ids))
    elif person_ids is not None:
        conditions.append(f"person_id IN ({', '.join(['%s'] * len(person_ids)) or 'NULL'})")
        params.extend(person_ids)
    if below is not None:
        conditions.append("person_id < %s")
        params.append(below)
    if from_ is not None:
        conditions.append("person_id >= %s")
        params.append(from_)
    sub_where = "WHERE " + " AND ".join(conditions) if conditions else ""
    where = sub_where.replace("person_id", "e.person_id")
    params += params
    # replace(), not format(): the canonical JSON in the PostgreSQL query has braces
    sql = _entries_sql(postgres).replace("{sub_where}", sub_where).replace("{where}", where)
    readers = _readers()
    current: int | None = None
    group: list[tuple] = []
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        if postgres:
            # JIT compilation alone took ~1 s per 100,000 rows here, and the default work_mem
            # spills the sorts to disk; the transaction also gives one consistent snapshot.
            with connection.cursor() as setup:
                setup.execute("SET LOCAL jit = off")
                setup.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(CHUNK):
            # SQLite: hashed here; PostgreSQL: checked in SQL, other algorithms here
            batch = _hashed_here(batch) if postgres else [_slim_row(r, readers) for r in batch]
            for row in batch:
                if row[1] != current:
                    if current is not None:
                        yield current, group
                    current, group = row[1], []
                group.append(row)
    if current is not None:
        yield current, group


def database_contents() -> dict[int, bytes]:
    """Entry id → the canonical content PostgreSQL builds for it (for tests)."""
    subjects = _PG_SUBJECTS.replace("{sub_where}", "")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.id, convert_to({_pg_content()}, 'UTF8') FROM credits_ledgerentry e "  # nosec B608  # noqa: S608
            f"LEFT JOIN ({subjects}) s ON s.entry_id = e.id AND s.person_id = e.person_id"
        )
        return {eid: bytes(content) for eid, content in cursor.fetchall()}


def _check_chain(
    pid: int,
    rows: list[tuple],
    head: tuple[int, str] | None,
    cp: tuple[int, str] | None,
    out: list[_Pending],
) -> None:
    prev_hash, expected, last_seq, last_hash = chain.GENESIS, 1, 0, chain.GENESIS
    head_seq = head[0] if head else 0
    cp_seen = False
    for row in rows:
        seq = row[2]
        if seq == last_seq:
            out.append(
                _Pending(ProblemKind.INSERTED, f"{WHO}的链中序号重复：该记录绕过系统插入", pid, row)
            )
            continue
        if seq > head_seq:
            out.append(
                _Pending(
                    ProblemKind.INSERTED,
                    f"{WHO}的该记录不在系统登记的链内（链头为第{head_seq}条）：绕过系统插入",
                    pid,
                    row,
                )
            )
        elif not row[5]:
            out.append(
                _Pending(ProblemKind.EDITED, f"{WHO}的该记录内容与其哈希不符：被篡改", pid, row)
            )
        if seq > expected:
            missing = f"第{expected}条" if seq == expected + 1 else f"第{expected}–{seq - 1}条"
            out.append(
                _Pending(
                    ProblemKind.DELETED,
                    f"{WHO}的" + missing + "记录缺失（位于该记录之前）：被删除",
                    pid,
                    row,
                )
            )
        elif row[3] != prev_hash:
            out.append(
                _Pending(
                    ProblemKind.INSERTED,
                    f"{WHO}的该记录与前一条的链接断裂：记录被插入或替换，或前一条被改写",
                    pid,
                    row,
                )
            )
        if cp is not None and seq == cp[0]:
            cp_seen = True
            if row[4] != cp[1]:
                out.append(
                    _Pending(
                        ProblemKind.EDITED, f"{WHO}的该记录与已签名检查点不符：被改写", pid, row
                    )
                )
        prev_hash, expected, last_seq, last_hash = row[4], seq + 1, seq, row[4]
    last = rows[-1] if rows else None
    if head is not None and head_seq > last_seq:
        out.append(
            _Pending(
                ProblemKind.DELETED,
                f"{WHO}的链登记有{head_seq}条记录，现只有{last_seq}条：末尾记录被删除",
                pid,
                last,
            )
        )
    elif head is not None and head_seq == last_seq and head[1] != last_hash and last_seq:
        out.append(
            _Pending(ProblemKind.EDITED, f"{WHO}的末条记录与链头登记不符：被改写", pid, last)
        )
    if cp is not None and not cp_seen and cp[0] > last_seq:
        out.append(
            _Pending(
                ProblemKind.DELETED,
                f"{WHO}在检查点时有{cp[0]}条记录，现只有{last_seq}条：记录被删除",
                pid,
                last,
            )
        )


def _checkpoint_label(checkpoint: LedgerCheckpoint) -> str:
    if checkpoint.scheme == 1:
        return str(checkpoint.date)
    return f"{checkpoint.created_at.astimezone(clock.TZ):%Y-%m-%d %H:%M:%S}"


def _checkpoint_evidence(
    checkpoint: LedgerCheckpoint,
) -> tuple[dict[int, tuple[int, str]], list[str]]:
    """The heads as of `checkpoint` (person → (seq, hash), from the stored checkpoint heads)
    and what is wrong with the checkpoints.

    Walks every checkpoint up to this one: a scheme-2 checkpoint's digest must link its own
    heads to the previous checkpoint's digest; the last scheme-1 checkpoint (the base of
    the scheme-2 run, or this one) must digest every head as of it; this one's counts must
    match its heads and its signature must be valid. A changed link anywhere before the
    signed one breaks the chain of digests up to it."""
    problems: list[str] = []
    checkpoints = list(
        LedgerCheckpoint.objects.filter(pk__lte=checkpoint.pk)
        .order_by("id")
        .values_list("id", "scheme", "digest")
    )
    base = max((cid for cid, scheme, _ in checkpoints if scheme == 1), default=None)
    rows = (
        LedgerCheckpointHead.objects.filter(checkpoint_id__lte=checkpoint.pk)
        .order_by("checkpoint_id")
        .values_list("checkpoint_id", "person_id", "seq", "hash")
        .iterator(chunk_size=10000)
    )
    heads: dict[int, tuple[int, str]] = {}
    pending = next(rows, None)
    previous = chain.GENESIS
    broken: list[int] = []
    for cid, scheme, digest in checkpoints:
        lines: list[tuple[int, int, str]] = []
        while pending is not None and pending[0] == cid:
            lines.append(pending[1:])
            pending = next(rows, None)
        heads.update((pid, (seq, h)) for pid, seq, h in lines)
        algorithm = chain.SCHEME_ALGORITHM.get(scheme)
        if (
            algorithm is None
            or (scheme != 1 and chain.heads_link_digest(previous, lines, algorithm) != digest)
        ) or (
            cid == base
            and chain.heads_digest((pid, seq, h) for pid, (seq, h) in heads.items()) != digest
        ):
            broken.append(cid)
        previous = digest
    label = _checkpoint_label(checkpoint)
    entries = sum(seq for seq, _ in heads.values())
    if checkpoint.pk in broken or (entries, len(heads)) != (
        checkpoint.entry_count,
        checkpoint.chain_count,
    ):
        problems.append(f"检查点（{label}）的链头记录与其摘要不符：检查点数据被改动")
    problems += [
        f"检查点 #{cid} 的链头记录与其摘要不符：已签名的检查点数据被改动"
        for cid in broken
        if cid != checkpoint.pk
    ]
    message = chain.checkpoint_message(
        date=checkpoint.date,
        entries=checkpoint.entry_count,
        chains=checkpoint.chain_count,
        digest=checkpoint.digest,
        scheme=checkpoint.scheme,
        at=checkpoint.created_at,
    )
    if not chain.signature_valid(message, checkpoint.signature, checkpoint.public_key):
        problems.append(f"检查点（{label}）的签名无效：检查点被伪造或改动")
    configured = chain.configured_public_key()
    # The key that signs now, or another the platform trusts (the other suite's, a retired
    # one): a switch of suite (#17 item 5) leaves the last checkpoint signed with the old key.
    if configured is not None and checkpoint.public_key not in signing.trusted_keys().values():
        problems.append(f"检查点（{label}）不是用本系统的签名密钥签署的")
    return heads, problems


@dataclass
class _Scan:
    """What one pass over a range of chains found."""

    entries: int = 0
    chains: int = 0
    uncovered: int = 0  # entries beyond the checkpoint's head of their chain
    seen: set[int] = field(default_factory=set)
    pending: list[_Pending] = field(default_factory=list)


def _scan(
    heads: dict[int, tuple[int, str]],
    cp_heads: dict[int, tuple[int, str]],
    person_id: int | None,
    below: int | None = None,
    from_: int | None = None,
) -> _Scan:
    found = _Scan()
    for pid, rows in _entries_by_person(person_id, below, from_):
        _check_chain(pid, rows, heads.get(pid), cp_heads.get(pid), found.pending)
        if pid not in heads:
            found.pending.append(
                _Pending(
                    ProblemKind.INSERTED,
                    f"{WHO}的记录不在系统登记的任何链内：绕过系统插入",
                    pid,
                    rows[0],
                )
            )
        found.entries += len(rows)
        found.chains += 1
        covered = cp_heads.get(pid, (0, ""))[0]
        found.uncovered += sum(1 for row in rows if row[2] > covered)
        found.seen.add(pid)
    return found


_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+-[0-9]+")


def _scan_in_snapshot(snapshot: str, *args: Any) -> _Scan:
    """_scan on this thread's own connection, in the snapshot another transaction exported,
    so both halves of a verification read the same ledger."""
    if not _SNAPSHOT_ID.fullmatch(snapshot):  # inlined below: SET takes no parameters
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            return _scan(*args)
    finally:
        connection.close()


@contextmanager
def _verification_transaction(*, whole_ledger: bool) -> Iterator[str | None]:
    """The one transaction of a verification: its reads and, when it is kept, its record.

    Outermost on PostgreSQL it is REPEATABLE READ, so the checkpoint, the chain heads and
    every chain are read in one snapshot; a whole-ledger verification also exports that
    snapshot (yielded) so that its second half can read it on another connection."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        snapshot = None
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                if whole_ledger and (os.cpu_count() or 1) >= 2:
                    cursor.execute("SELECT pg_export_snapshot()")
                    snapshot = cursor.fetchone()[0]
        yield snapshot


def _scan_all(
    heads_of: Callable[[], dict[int, tuple[int, str]]],
    cp_heads: dict[int, tuple[int, str]],
    person_id: int | None,
    snapshot: str | None,
) -> tuple[dict[int, tuple[int, str]], list[_Scan]]:
    """The chain heads and the scans of every chain.

    With an exported snapshot (PostgreSQL, a whole-ledger verification) and enough chains,
    the ledger is verified as two halves by person on two connections in that snapshot: the
    database builds and hashes the canonical contents, so two backends use both cores
    (bench/ledger.py)."""
    heads = heads_of()
    if snapshot is None or len(heads) < PARALLEL_MIN_CHAINS:
        return heads, [_scan(heads, cp_heads, person_id)]
    middle = sorted(heads)[len(heads) // 2]
    with ThreadPoolExecutor(max_workers=1) as pool:
        upper = pool.submit(_scan_in_snapshot, snapshot, heads, cp_heads, None, None, middle)
        lower = _scan(heads, cp_heads, None, middle)
        return heads, [lower, upper.result()]


def ledger_verify(*, person_id: int | None = None) -> VerificationReport:
    """Recompute every chain (or one person's) and check the latest checkpoint."""
    with _verification_transaction(whole_ledger=person_id is None) as snapshot:
        return _verify(person_id, snapshot)


def ledger_verify_recorded(*, actor: Actor) -> tuple[VerificationReport, LedgerVerification]:
    """Verify the whole ledger and keep the outcome (the row the bureau's status page shows,
    and its audit event) in the verification's own transaction (#9 item 5): the record
    commits with the reads it describes, or nothing does."""
    with _verification_transaction(whole_ledger=True) as snapshot:
        report = _verify(None, snapshot)
        return report, _verification_record(actor=actor, report=report)


def _verify(person_id: int | None, snapshot: str | None) -> VerificationReport:
    started = time.perf_counter()
    checkpoint = LedgerCheckpoint.objects.order_by("-id").first()
    cp_heads: dict[int, tuple[int, str]] = {}
    checkpoint_valid: bool | None = None
    cp_texts: list[str] = []
    if checkpoint is not None:
        cp_heads, cp_texts = _checkpoint_evidence(checkpoint)
        checkpoint_valid = not cp_texts
    signed: dict[int, tuple[int, str]] = {}

    def heads_of() -> dict[int, tuple[int, str]]:
        qs = LedgerChainHead.objects.filter(seq__gt=0)
        if person_id is not None:
            qs = qs.filter(person_id=person_id)
        heads = {}
        for pid, seq, h, signed_seq, signed_hash in qs.values_list(
            "person_id", "seq", "hash", "signed_seq", "signed_hash"
        ):
            heads[pid] = (seq, h)
            signed[pid] = (signed_seq, signed_hash)
        return heads

    heads, scans = _scan_all(heads_of, cp_heads, person_id, snapshot)
    pending = [p for scan in scans for p in scan.pending]
    if LedgerCheckpoint.objects.order_by("-id").values_list("id", flat=True).first() == (
        checkpoint.pk if checkpoint else None
    ):  # no checkpoint committed meanwhile: the heads' record of it must match it
        pending += _signed_mismatches(signed, cp_heads)
    seen = set().union(*(scan.seen for scan in scans))
    wanted = {person_id} if person_id is not None else None
    for pid, (seq, _) in sorted(heads.items()):
        if pid not in seen:
            pending.append(
                _Pending(
                    ProblemKind.DELETED, f"{WHO}的链登记有{seq}条记录，现全部缺失：被删除", pid
                )
            )
    for pid, (seq, _) in sorted(cp_heads.items()):
        if pid not in seen and pid not in heads and (wanted is None or pid in wanted):
            pending.append(
                _Pending(
                    ProblemKind.DELETED, f"{WHO}在检查点时有{seq}条记录，现全部缺失：被删除", pid
                )
            )
    problems = [LedgerProblem(ProblemKind.CHECKPOINT, text) for text in cp_texts]
    problems += _name_problems(pending)
    return VerificationReport(
        entries=sum(scan.entries for scan in scans),
        chains=sum(scan.chains for scan in scans),
        checkpoint_id=checkpoint.pk if checkpoint else None,
        checkpoint_valid=checkpoint_valid,
        problems=tuple(problems),
        seconds=time.perf_counter() - started,
        checkpoint_at=checkpoint.created_at if checkpoint else None,
        uncovered=sum(scan.uncovered for scan in scans),
    )


def _signed_mismatches(
    signed: dict[int, tuple[int, str]], cp_heads: dict[int, tuple[int, str]]
) -> list[_Pending]:
    """Chains whose head claims a signature the checkpoint does not hold: someone marked
    them signed so that the checkpoint job would leave them out of its signatures."""
    return [
        _Pending(
            ProblemKind.CHECKPOINT,
            f"{WHO}的链头登记为已签名至第{seq}条，与最近的检查点不符："
            "签名登记被改动，之后的记录不会被签名覆盖",
            pid,
        )
        for pid, (seq, h) in sorted(signed.items())
        if (seq, h) != cp_heads.get(pid, (0, chain.GENESIS))
    ]


def _name_problems(pending: list[_Pending]) -> list[LedgerProblem]:
    labels: dict[int, str] = {}
    for p in pending:
        if p.person_id is not None and p.person_id not in labels:
            try:
                person = people_api.person_data(p.person_id)
                labels[p.person_id] = f"{person.name}（{person.id_number_masked}）"
            except Exception:
                labels[p.person_id] = f"人员#{p.person_id}（已不存在）"
    named = {p.row[0] for p in pending if p.row is not None}
    details = {
        eid: (date, title)
        for eid, date, title in LedgerEntry.objects.filter(pk__in=named).values_list(
            "id", "date", "title"
        )
    }
    out = []
    for p in pending:
        who = labels.get(p.person_id or 0, "")
        message = p.text.replace(f"{WHO}", who)
        row = p.row
        date, title = details.get(row[0], (None, "")) if row is not None else (None, "")
        if row is not None:
            message += f"——记录 #{row[0]}（序号{row[2]}，{date}，“{title}”）"
        out.append(
            LedgerProblem(
                kind=p.kind,
                message=message,
                person_id=p.person_id,
                person_label=who,
                entry_id=row[0] if row else None,
                seq=row[2] if row else None,
                entry_date=date,
                entry_title=title,
            )
        )
    return out


def _verification_record(*, actor: Actor, report: VerificationReport) -> LedgerVerification:
    """Keep the outcome for the bureau's status page and the audit log, in one transaction
    (ledger_verify_recorded calls it inside the verification's)."""
    problems = [
        {
            "kind": p.kind.value,
            "message": p.message,
            "person_id": p.person_id,
            "entry_id": p.entry_id,
        }
        for p in report.problems[:200]
    ]
    with transaction.atomic():
        row = LedgerVerification.objects.create(
            at=clock.now(),
            ok=report.ok,
            entry_count=report.entries,
            chain_count=report.chains,
            checkpoint_id=report.checkpoint_id,
            checkpoint_valid=report.checkpoint_valid,
            problem_count=len(report.problems),
            problems=problems,
            seconds=report.seconds,
        )
        audit_record(
            actor=actor,
            action="credit.ledger_verify",
            object_type="credits.LedgerVerification",
            object_id=row.pk,
            object_label="账本校验：" + ("完整" if report.ok else f"{len(report.problems)} 个问题"),
            changes={"entries": report.entries, "chains": report.chains, "ok": report.ok},
        )
    return row


# --- checkpoints (ADR 0007; issue 8 item 15: the window no signature covers is bounded) ----

_CHECKPOINT_LOCK = 7_007_015  # PostgreSQL advisory lock: one checkpoint writer at a time
_UNSIGNED = ~Q(hash=F("signed_hash"))  # the condition of the ledger_head_unsigned index


@dataclass(frozen=True)
class CheckpointResult:
    """What one run of the checkpoint job did: the checkpoint it signed (None when nothing
    changed since the last one) and the chains it refused to sign because their signed
    part no longer matches what the previous checkpoint signed (tampering)."""

    checkpoint: LedgerCheckpoint | None
    refused: tuple[LedgerProblem, ...] = ()


def ledger_checkpoint_create(*, actor: Actor) -> CheckpointResult:
    """Sign the chain heads that changed since the previous checkpoint (scheme 2).

    Cheap when little changed: the unsigned heads come from a partial index, and only their
    chains are read and re-hashed. A chain is signed only if it still extends what the
    previous checkpoint signed for it, so an edit that was re-chained over signed entries
    is never laundered into a newer signature (it stays unsigned and verification reports
    it). Signs nothing when nothing changed, except the very first checkpoint."""
    if chain.configured_public_key() is None:
        raise ApplicationError(
            CreditsErrorCode.SIGNING_KEY_MISSING,
            "未配置签名密钥 CIVTRAIN_SIGNING_KEY，无法签署检查点",
        )
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # SQLite: the IMMEDIATE transaction serialises
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHECKPOINT_LOCK])
        previous = LedgerCheckpoint.objects.order_by("-id").first()
        # Locked in person order like the writers lock them (no deadlocks): no entry of these
        # chains is written while they are checked and signed.
        changed = {
            pid: (seq, h)
            for pid, seq, h in LedgerChainHead.objects.filter(_UNSIGNED)
            .order_by("person_id")
            .select_for_update()
            .values_list("person_id", "seq", "hash")
        }
        if previous is not None and not changed:
            return CheckpointResult(None)
        evidence = _signed_heads(sorted(changed))
        refused = _chains_not_extending(changed, evidence)
        refused_ids = {p.person_id for p in refused}
        good = {pid: head for pid, head in changed.items() if pid not in refused_ids}
        lines = [(pid, seq, h) for pid, (seq, h) in good.items() if evidence.get(pid) != (seq, h)]
        checkpoint = None
        if lines or previous is None:
            checkpoint = _checkpoint_sign(
                actor=actor, previous=previous, lines=lines, evidence=evidence
            )
        _mark_signed(good)
    for problem in refused:
        logger.error("ledger checkpoint: chain not signed: %s", problem.message)
    return CheckpointResult(checkpoint, tuple(refused))


def _signed_heads(person_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
    """person → (seq, hash) the checkpoints signed last, from the stored checkpoint heads
    (the evidence, not the heads' own record of it); one indexed look-up per person."""
    out: dict[int, tuple[int, str]] = {}
    latest = (
        LedgerCheckpointHead.objects.filter(person_id=OuterRef("person_id"))
        .order_by("-checkpoint_id")
        .values("checkpoint_id")[:1]
    )
    for start in range(0, len(person_ids), 500):
        rows = LedgerCheckpointHead.objects.filter(
            person_id__in=person_ids[start : start + 500], checkpoint_id=Subquery(latest)
        ).values_list("person_id", "seq", "hash")
        out.update((pid, (seq, h)) for pid, seq, h in rows)
    return out


def _chains_not_extending(
    changed: dict[int, tuple[int, str]], evidence: dict[int, tuple[int, str]]
) -> list[LedgerProblem]:
    """Recompute the changed chains: each must be intact, end at its head and still hold
    the signed head at its signed position."""
    pending: list[_Pending] = []
    ids = sorted(changed)
    seen: set[int] = set()
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        for pid, rows in _entries_by_person(None, person_ids=part):
            seen.add(pid)
            _check_chain(pid, rows, changed[pid], evidence.get(pid), pending)
    for pid in ids:
        if pid not in seen:
            _check_chain(pid, [], changed[pid], evidence.get(pid), pending)
    return _name_problems(pending)


def _checkpoint_sign(
    *,
    actor: Actor,
    previous: LedgerCheckpoint | None,
    lines: list[tuple[int, int, str]],
    evidence: dict[int, tuple[int, str]],
) -> LedgerCheckpoint:
    at = clock.now()
    entries = (previous.entry_count if previous else 0) + sum(
        seq - evidence.get(pid, (0, ""))[0] for pid, seq, _ in lines
    )
    chains = (previous.chain_count if previous else 0) + sum(
        1 for pid, _, _ in lines if pid not in evidence
    )
    scheme = chain.checkpoint_scheme()
    digest = chain.heads_link_digest(
        previous.digest if previous else chain.GENESIS, lines, chain.SCHEME_ALGORITHM[scheme]
    )
    signed = chain.sign(
        chain.checkpoint_message(
            date=at.astimezone(clock.TZ).date(),
            entries=entries,
            chains=chains,
            digest=digest,
            scheme=scheme,
            at=at,
        )
    )
    assert signed is not None  # noqa: S101 - the key was checked before the transaction
    checkpoint = LedgerCheckpoint.objects.create(
        date=at.astimezone(clock.TZ).date(),
        created_at=at,
        scheme=scheme,
        entry_count=entries,
        chain_count=chains,
        digest=digest,
        signature=signed[0],
        public_key=signed[1],
    )
    LedgerCheckpointHead.objects.bulk_create(
        [
            LedgerCheckpointHead(checkpoint=checkpoint, person_id=pid, seq=seq, hash=h)
            for pid, seq, h in lines
        ],
        batch_size=5000,
    )
    audit_record(
        actor=actor,
        action="credit.checkpoint_create",
        object_type="credits.LedgerCheckpoint",
        object_id=checkpoint.pk,
        object_label=f"账本检查点 {_checkpoint_label(checkpoint)}",
        changes={"entries": entries, "chains": chains, "changed": len(lines), "digest": digest},
    )
    return checkpoint


def _mark_signed(heads: dict[int, tuple[int, str]]) -> None:
    """Record on the heads what is now signed, so the next run skips them."""
    heads_update(
        sorted((pid, seq, h) for pid, (seq, h) in heads.items()),
        seq_column="signed_seq",
        hash_column="signed_hash",
    )


def heads_update(rows: list[tuple[int, int, str]], *, seq_column: str, hash_column: str) -> None:
    """Set (seq, hash) columns of many chain heads from (person, seq, hash) rows: the writer's
    new heads (seq, hash) and a checkpoint's signed ones (signed_seq, signed_hash)."""
    table = LedgerChainHead._meta.db_table
    sets = f"{seq_column} = v.seq, {hash_column} = v.hash"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Three array parameters, not 3 × n placeholders: psycopg's parsing of a long
            # VALUES list was a fifth of a bulk write (bench/ledger.py).
            cursor.execute(
                f"UPDATE {table} SET {sets} "  # nosec B608  # noqa: S608 - own table and column names
                "FROM unnest(%s::bigint[], %s::int[], %s::text[]) AS v(pid, seq, hash) "
                f"WHERE {table}.person_id = v.pid",
                [list(col) for col in zip(*rows, strict=True)] if rows else [[], [], []],
            )
            return
        for start in range(0, len(rows), 500):
            part = rows[start : start + 500]
            values = ",".join(["(%s, %s, %s)"] * len(part))
            # One statement per 500 heads; works on PostgreSQL and SQLite ≥ 3.33.
            cursor.execute(
                f"WITH v(pid, seq, hash) AS (VALUES {values}) "  # nosec B608  # noqa: S608 - placeholders only
                f"UPDATE {table} SET {sets} FROM v WHERE {table}.person_id = v.pid",
                [x for row in part for x in row],
            )


def ledger_window() -> dict[str, Any]:
    """The window no signature covers yet, for the status page: when the latest checkpoint
    was signed, how long ago, how many entries were written since (from the unsigned heads'
    index, not a count of the ledger), and how often the job signs."""
    checkpoint = LedgerCheckpoint.objects.order_by("-id").first()
    uncovered = LedgerChainHead.objects.filter(_UNSIGNED).aggregate(
        n=Sum(F("seq") - F("signed_seq"))
    )["n"]
    at = checkpoint.created_at if checkpoint else None
    now = clock.now()
    return {
        "checkpoint_at": at,
        "now": now,
        "age": now - at if at else None,
        "uncovered": int(uncovered or 0),
        "interval_minutes": int(settings.CIVTRAIN_LEDGER_CHECKPOINT_MINUTES),
        "after_write": bool(settings.CIVTRAIN_LEDGER_CHECKPOINT_AFTER_WRITE),
        "beat": bool(settings.CELERY_BROKER_URL),  # beat runs only beside a broker
    }


def checkpoint_after_write() -> None:
    """In the embedded default (no broker, so no beat) a ledger write is signed right after
    it commits. Called inside the write's transaction; a bulk write calls it once, at its
    end, and tells the chain writer not to for each batch (services/writer.py)."""
    if not settings.CIVTRAIN_LEDGER_CHECKPOINT_AFTER_WRITE:
        return
    # Django keeps (savepoint ids, function, robust) per callback.
    if any(item[1] is _checkpoint_quietly for item in connection.run_on_commit):
        return  # already due after this transaction
    transaction.on_commit(_checkpoint_quietly)


def _checkpoint_quietly() -> None:
    """The write has committed; a failing checkpoint must not turn it into an error (the
    beat job or the next write signs it)."""
    from civtrain.accounts.api import SYSTEM

    try:
        ledger_checkpoint_create(actor=SYSTEM)
    except Exception:
        logger.exception("ledger checkpoint after a write failed")


# For the re-chain (services/rechain.py, #17 item 5), which signs as the checkpoint job does.
CHECKPOINT_LOCK = _CHECKPOINT_LOCK
signed_heads = _signed_heads
chains_not_extending = _chains_not_extending
checkpoint_sign = _checkpoint_sign

__all__ = ["Decimal", "ledger_verify", "ledger_verify_recorded"]
