"""The platform's Ed25519 signing key, its key id and the retired keys kept for verification.

`CIVTRAIN_SIGNING_KEY` (base64 of a 32-byte seed) signs ledger checkpoints (ADR 0007) and
documents (ADR 0020). Rotation: a new seed goes into `CIVTRAIN_SIGNING_KEY` and the old
key's public half (base64, as `civtrain signing-keys` prints it) into
`CIVTRAIN_SIGNING_RETIRED_KEYS` (comma-separated), so everything signed before still
verifies — offline too, since nothing here reads the database. A key id is the first 16
hex digits of SHA-256 of the raw public key: short enough to print, stored with every
signature so a verifier picks the right key.
"""

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings


@dataclass(frozen=True)
class Signature:
    signature: str  # base64
    public_key: str  # base64 of the raw 32 bytes
    key_id: str


def private_key() -> Ed25519PrivateKey | None:
    raw = getattr(settings, "CIVTRAIN_SIGNING_KEY", "")
    if not raw:
        return None
    seed = base64.b64decode(raw)
    if len(seed) != 32:
        raise ValueError("CIVTRAIN_SIGNING_KEY must be base64 of a 32-byte Ed25519 seed")
    return Ed25519PrivateKey.from_private_bytes(seed)


def _public_b64(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def key_id(public_key: str) -> str:
    return hashlib.sha256(base64.b64decode(public_key)).hexdigest()[:16]


def sign(message: bytes) -> Signature | None:
    """The message signed with the current key; None when no key is configured."""
    key = private_key()
    if key is None:
        return None
    public = _public_b64(key)
    return Signature(base64.b64encode(key.sign(message)).decode(), public, key_id(public))


def signature_valid(message: bytes, signature: str, public_key: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key)).verify(
            base64.b64decode(signature), message
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def configured_public_key() -> str | None:
    key = private_key()
    return None if key is None else _public_b64(key)


def trusted_keys() -> dict[str, str]:
    """key id → public key (base64) of the current key and every retired one."""
    keys = [k.strip() for k in getattr(settings, "CIVTRAIN_SIGNING_RETIRED_KEYS", []) if k.strip()]
    current = configured_public_key()
    if current:
        keys.append(current)
    return {key_id(k): k for k in keys}
