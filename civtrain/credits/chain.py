"""The per-person hash chain and checkpoint signatures (CQ-M3: a tamper-evident ledger).

entry.hash = H(prev_hash ‖ "\\n" ‖ content), where content is the canonical JSON of the
entry under the field schema version it was written with (credits.ledger, ADR 0007) and H
the entry's own `chain_algorithm`: SHA-256, or SM3 when written (or re-chained) under the
国密 suite (#17 item 5, core.crypto.chain_algorithm). The first entry of a chain links to
GENESIS. Writing and verification both call `entry_hash` over the schema's content, so
they cannot drift apart.

Checkpoint schemes (LedgerCheckpoint.scheme): 1 SHA-256 of every head (the first, daily
ones), 2 SHA-256 link of the heads changed since the previous checkpoint, 3 the same link
in SM3 (written under the gm suite).
"""

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence

from civtrain.core import crypto, signing
from civtrain.credits.ledger import iso_moment

GENESIS = "0" * 64
SHA256, SM3 = crypto.SHA256, crypto.SM3
# The digest algorithm of each checkpoint scheme (1 digests every head, the others link).
SCHEME_ALGORITHM = {1: SHA256, 2: SHA256, 3: SM3}


def algorithm() -> str:
    """The hash new entries are chained with under the configured suite."""
    return crypto.chain_algorithm()


def checkpoint_scheme() -> int:
    """The scheme a new (linking) checkpoint is written in under the configured suite."""
    return 3 if crypto.chain_algorithm() == SM3 else 2


def entry_hash(prev_hash: str, content: bytes, algorithm: str = SHA256) -> str:
    if algorithm == SHA256:  # the common path, as it always was
        return hashlib.sha256(prev_hash.encode() + b"\n" + content).hexdigest()
    return crypto.chain_hash(algorithm, prev_hash.encode() + b"\n" + content)


def heads_digest(heads: Iterable[tuple[int, int, str]]) -> str:
    """One digest over every chain's head: SHA-256 of sorted "person:seq:hash" lines."""
    h = hashlib.sha256()
    for person_id, seq, head in sorted(heads):
        h.update(f"{person_id}:{seq}:{head}\n".encode())
    return h.hexdigest()


def heads_link_digest(
    previous: str, heads: Iterable[tuple[int, int, str]], algorithm: str = SHA256
) -> str:
    """Scheme 2: SHA-256 of the previous checkpoint's digest and the sorted "person:seq:hash"
    lines of the heads that changed since, so a checkpoint costs what changed (issue 8
    item 15) and still commits to every earlier head through the previous digest. Scheme 3:
    the same in SM3 (#17 item 5)."""
    h = crypto.chain_hasher(algorithm)
    h.update(f"{previous}\n".encode())
    for person_id, seq, head in sorted(heads):
        h.update(f"{person_id}:{seq}:{head}\n".encode())
    return h.hexdigest()


def checkpoint_message(
    *,
    date: dt.date,
    entries: int,
    chains: int,
    digest: str,
    scheme: int = 1,
    at: dt.datetime | None = None,
) -> bytes:
    """The signed bytes. Scheme 2 also signs the moment the checkpoint was taken, so the
    start of the window that no signature covers yet is itself signed."""
    if scheme == 1:
        return f"civtrain-ledger-checkpoint|{date.isoformat()}|{entries}|{chains}|{digest}".encode()
    if at is None:
        raise ValueError("a scheme-2 checkpoint message needs its moment")
    return (
        f"civtrain-ledger-checkpoint|v{scheme}|{iso_moment(at)}|{entries}|{chains}|{digest}"
    ).encode()


def sign(message: bytes) -> tuple[str, str] | None:
    """(signature, public key), both base64; None when no signing key is configured. The key
    is the platform's (core.signing: loading, key ids, rotation)."""
    signed = signing.sign(message)
    return None if signed is None else (signed.signature, signed.public_key)


signature_valid = signing.signature_valid
configured_public_key = signing.configured_public_key


def chain_hashes(rows: Sequence[tuple[bytes]], algorithm: str = SHA256) -> list[str]:
    """Hashes of consecutive canonical contents starting at GENESIS (used by tests)."""
    out, prev = [], GENESIS
    for (content,) in rows:
        prev = entry_hash(prev, content, algorithm)
        out.append(prev)
    return out
