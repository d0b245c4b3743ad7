"""The per-person hash chain and checkpoint signatures (CQ-M3: a tamper-evident ledger).

entry.hash = SHA-256(prev_hash ‖ "\\n" ‖ content), where content is the canonical JSON of the
entry under the field schema version it was written with (credits.ledger, ADR 0007). The
first entry of a chain links to GENESIS. Writing and verification both call `entry_hash`
over the schema's content, so they cannot drift apart.
"""

import base64
import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

from civtrain.credits.ledger import iso_moment

GENESIS = "0" * 64


def entry_hash(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + content).hexdigest()


def heads_digest(heads: Iterable[tuple[int, int, str]]) -> str:
    """One digest over every chain's head: SHA-256 of sorted "person:seq:hash" lines."""
    h = hashlib.sha256()
    for person_id, seq, head in sorted(heads):
        h.update(f"{person_id}:{seq}:{head}\n".encode())
    return h.hexdigest()


def heads_link_digest(previous: str, heads: Iterable[tuple[int, int, str]]) -> str:
    """Scheme 2: SHA-256 of the previous checkpoint's digest and the sorted "person:seq:hash"
    lines of the heads that changed since, so a checkpoint costs what changed (issue 8
    item 15) and still commits to every earlier head through the previous digest."""
    h = hashlib.sha256(f"{previous}\n".encode())
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


def _private_key() -> Ed25519PrivateKey | None:
    raw = getattr(settings, "CIVTRAIN_SIGNING_KEY", "")
    if not raw:
        return None
    seed = base64.b64decode(raw)
    if len(seed) != 32:
        raise ValueError("CIVTRAIN_SIGNING_KEY must be base64 of a 32-byte Ed25519 seed")
    return Ed25519PrivateKey.from_private_bytes(seed)


def sign(message: bytes) -> tuple[str, str] | None:
    """(signature, public key), both base64; None when no signing key is configured."""
    key = _private_key()
    if key is None:
        return None
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(key.sign(message)).decode(), base64.b64encode(public).decode()


def signature_valid(message: bytes, signature: str, public_key: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key)).verify(
            base64.b64decode(signature), message
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def configured_public_key() -> str | None:
    key = _private_key()
    if key is None:
        return None
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def chain_hashes(rows: Sequence[tuple[bytes]]) -> list[str]:
    """Hashes of consecutive canonical contents starting at GENESIS (used by tests)."""
    out, prev = [], GENESIS
    for (content,) in rows:
        prev = entry_hash(prev, content)
        out.append(prev)
    return out
