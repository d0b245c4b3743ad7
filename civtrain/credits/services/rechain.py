"""Re-chaining the ledger under the configured suite's hash (#17 item 5, 国密 mode).

`civtrain crypto-migrate` calls `ledger_rechain` after switching CIVTRAIN_CRYPTO_SUITE: every
chain holding an entry not chained with the suite's algorithm (SHA-256 or SM3) is hashed
again from its first entry, in place, batch by batch of people. The canonical contents do not
change, only `prev_hash`, `hash` and `chain_algorithm`.

Re-chaining is the rewrite the ledger exists to reveal (ADR 0007), so it is done only over
chains that verify: each batch locks its chain heads (as writers do, in person order) under
the checkpoint lock, checks every chain as the checkpoint job does (intact, ending at its
head, still holding what the last checkpoint signed), rewrites the good ones, and signs
their new heads in a checkpoint of the same transaction — so the ledger verifies after every
committed batch and a kill loses at most the batch in flight. A chain that does not verify is
left as it is and reported (it stays SHA-256 and verify-ledger keeps naming it). Idempotent:
a chain already wholly in the suite's algorithm is skipped. One audit event per run.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction

from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import ApplicationError
from civtrain.credits import chain, integrity, ledger
from civtrain.credits.data import LedgerProblem
from civtrain.credits.errors import CreditsErrorCode
from civtrain.credits.models import LedgerCheckpoint, LedgerEntry, LedgerSubjectHours
from civtrain.credits.services.writer import lock_heads


@dataclass(frozen=True)
class RechainResult:
    algorithm: str
    chains: int  # re-chained by this run
    entries: int
    checkpoints: int
    refused: tuple[LedgerProblem, ...] = ()


def ledger_rechain(*, actor: Actor, batch: int = 500) -> RechainResult:
    """Re-chain every chain not wholly in the configured suite's algorithm; see the module."""
    target = chain.algorithm()
    chains = entries = checkpoints = 0
    refused: list[LedgerProblem] = []
    for person_ids in _batches_to_move(target, batch):
        if chain.configured_public_key() is None:
            raise ApplicationError(
                CreditsErrorCode.SIGNING_KEY_MISSING,
                "未配置签名密钥，无法为重新计算的账本链签署检查点",
            )
        moved, written, signed, problems = _rechain_batch(actor, person_ids, target)
        chains, entries, checkpoints = chains + moved, entries + written, checkpoints + signed
        refused += problems
    if chains or refused:
        audit_record(
            actor=actor,
            action="credit.ledger_rechain",
            object_type="credits.LedgerEntry",
            object_id="",
            object_label=f"账本哈希链改用 {target.upper()} 重新计算",
            changes={
                "algorithm": target,
                "chains": chains,
                "entries": entries,
                "checkpoints": checkpoints,
                "refused": [p.person_id for p in refused],
            },
        )
    return RechainResult(target, chains, entries, checkpoints, tuple(refused))


def _batches_to_move(target: str, batch: int) -> Iterator[list[int]]:
    """The people whose chains hold an entry in another algorithm, `batch` at a time, in
    person order (read again after each batch, so a run resumes where the last one ended)."""
    after = 0
    while True:
        ids = list(
            LedgerEntry.objects.filter(person_id__gt=after)
            .exclude(chain_algorithm=target)
            .order_by("person_id")
            .values_list("person_id", flat=True)
            .distinct()[:batch]
        )
        if not ids:
            return
        yield ids
        after = ids[-1]


def _rechain_batch(
    actor: Actor, person_ids: list[int], target: str
) -> tuple[int, int, int, list[LedgerProblem]]:
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [integrity.CHECKPOINT_LOCK])
        heads = lock_heads(person_ids)
        current = {pid: (h.seq, h.hash) for pid, h in heads.items()}
        evidence = integrity.signed_heads(sorted(current))
        refused = integrity.chains_not_extending(current, evidence)
        bad = {p.person_id for p in refused}
        good = sorted(pid for pid in current if pid not in bad)
        updates, new_heads = _rehash(good, target)
        if updates:
            _write(updates)
        lines = [(pid, seq, h) for pid, (seq, h) in sorted(new_heads.items())]
        integrity.heads_update(lines, seq_column="seq", hash_column="hash")
        integrity.heads_update(lines, seq_column="signed_seq", hash_column="signed_hash")
        checkpoint = None
        signed_lines = [line for line in lines if evidence.get(line[0]) != line[1:]]
        if signed_lines:
            checkpoint = integrity.checkpoint_sign(
                actor=actor,
                previous=LedgerCheckpoint.objects.order_by("-id").first(),
                lines=signed_lines,
                evidence=evidence,
            )
    return len(good), len(updates), 1 if checkpoint else 0, refused


def _rehash(
    person_ids: list[int], target: str
) -> tuple[list[tuple[str, str, str, int]], dict[int, tuple[int, str]]]:
    """(prev_hash, hash, algorithm, id) of every entry whose link changes, and each chain's
    new head, hashing the entries' canonical contents (unchanged) under `target`."""
    subjects: dict[int, list[tuple[str, object]]] = {}
    for entry_id, code, hours in LedgerSubjectHours.objects.filter(
        person_id__in=person_ids
    ).values_list("entry_id", "subject", "hours"):
        subjects.setdefault(entry_id, []).append((code, hours))
    updates: list[tuple[str, str, str, int]] = []
    heads: dict[int, tuple[int, str]] = {}
    prev, person = chain.GENESIS, None
    for entry in LedgerEntry.objects.filter(person_id__in=person_ids).order_by("person_id", "seq"):
        if entry.person_id != person:
            prev, person = chain.GENESIS, entry.person_id
        schema = ledger.VERSIONS[entry.schema_version]
        content = schema.content(schema.values(entry), subjects.get(entry.pk, []))
        digest = chain.entry_hash(prev, content, target)
        if (entry.prev_hash, entry.hash, entry.chain_algorithm) != (prev, digest, target):
            updates.append((prev, digest, target, entry.pk))
        heads[entry.person_id] = (entry.seq, digest)
        prev = digest
    return updates, heads


def _write(updates: list[tuple[str, str, str, int]]) -> None:
    table = LedgerEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} SET prev_hash = v.prev, hash = v.hash, chain_algorithm = v.alg "  # nosec B608  # noqa: S608 - own table name
                "FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[]) "
                f"AS v(prev, hash, alg, id) WHERE {table}.id = v.id",
                [list(column) for column in zip(*updates, strict=True)],
            )
            return
        cursor.executemany(
            f"UPDATE {table} SET prev_hash = %s, hash = %s, chain_algorithm = %s WHERE id = %s",  # nosec B608  # noqa: S608
            updates,
        )
