"""The platform's signing keys (Ed25519, and SM2 under the 国密 suite), key ids and the
retired keys kept for verification.

`CIVTRAIN_SIGNING_KEY` (base64 of a 32-byte seed) signs ledger checkpoints (ADR 0007) and
documents (ADR 0020). Rotation: a new seed goes into `CIVTRAIN_SIGNING_KEY` and the old
key's public half (base64, as `civtrain signing-keys` prints it) into
`CIVTRAIN_SIGNING_RETIRED_KEYS` (comma-separated), so everything signed before still
verifies — offline too, since nothing here reads the database. A key id is the first 16
hex digits of SHA-256 of the raw public key: short enough to print, stored with every
signature so a verifier picks the right key.

国密 (#17 item 5, GB/T 32918 / GM/T 0003): under `CIVTRAIN_CRYPTO_SUITE=gm` the platform
signs with SM2 — `CIVTRAIN_SM2_SIGNING_KEY`, base64 of the 32-byte private scalar — with SM3
and the default distinguishing identifier "1234567812345678" (GM/T 0009), through the
`snowland-smx` package (ADR 0003). A public key says its kind by its length: 32 raw bytes
are Ed25519, 64 (x ‖ y) are SM2; a signature is 64 bytes either way (SM2: r ‖ s). Both kinds
verify under either suite, so everything signed before a switch still verifies; the Ed25519
key stays trusted while it is configured (or listed as retired).
"""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings


@dataclass(frozen=True)
class Signature:
    signature: str  # base64
    public_key: str  # base64 of the raw 32 bytes
    key_id: str


SM2_ID = "1234567812345678"  # GM/T 0009-2012's default user ID, as other SM2 tools use
_SM2_N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)


def _suite_is_gm() -> bool:
    return (getattr(settings, "CIVTRAIN_CRYPTO_SUITE", "standard") or "standard") == "gm"


@cache
def _sm2_key(raw: str) -> tuple[bytes, str]:
    """(private scalar, public key base64) of CIVTRAIN_SM2_SIGNING_KEY."""
    from pysmx.SM2 import kG, sm2_G

    scalar = base64.b64decode(raw)
    d = int.from_bytes(scalar, "big")
    if len(scalar) != 32 or not 1 <= d < _SM2_N - 1:
        raise ValueError("CIVTRAIN_SM2_SIGNING_KEY must be base64 of a 32-byte SM2 private key")
    public = bytes.fromhex(kG(d, sm2_G, 64))
    return scalar, base64.b64encode(public).decode()


def sm2_private_key() -> tuple[bytes, str] | None:
    raw = getattr(settings, "CIVTRAIN_SM2_SIGNING_KEY", "")
    return _sm2_key(raw) if raw else None


def _sm2_sign(scalar: bytes, message: bytes) -> bytes:
    from pysmx.SM2 import Sign

    while True:  # a nonce giving r = 0 or r + k = n has to be drawn again (GM/T 0003 A.2)
        k = "%064x" % (secrets.randbelow(_SM2_N - 1) + 1)
        signature = Sign(message, scalar, k, 64, Hexstr=0, uid=SM2_ID)
        if signature:
            return bytes(signature)


def _sm2_valid(message: bytes, signature: bytes, public: bytes) -> bool:
    from pysmx.SM2 import Verify

    if len(signature) != 64 or len(public) != 64:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (1 <= r < _SM2_N and 1 <= s < _SM2_N):  # GM/T 0003 verification steps B1, B2
        return False
    try:
        return bool(Verify(signature, message, public, 64, Hexstr=0, uid=SM2_ID))
    except (ValueError, TypeError, ZeroDivisionError):
        return False


def is_sm2(public_key: str) -> bool:
    """Whether a public key (base64) is an SM2 one."""
    try:
        return len(base64.b64decode(public_key)) == 64
    except ValueError:
        return False


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
    """The message signed with the current key (SM2 under gm, else Ed25519); None when no
    key is configured for the suite."""
    if _suite_is_gm():
        sm2 = sm2_private_key()
        if sm2 is None:
            return None
        scalar, public = sm2
        signature = base64.b64encode(_sm2_sign(scalar, message)).decode()
        return Signature(signature, public, key_id(public))
    key = private_key()
    if key is None:
        return None
    public = _public_b64(key)
    return Signature(base64.b64encode(key.sign(message)).decode(), public, key_id(public))


def signature_valid(message: bytes, signature: str, public_key: str) -> bool:
    """Whether `signature` (base64) is `public_key`'s over `message`, for either kind."""
    if is_sm2(public_key):
        try:
            raw = base64.b64decode(signature, validate=True)
        except ValueError:
            return False
        return _sm2_valid(message, raw, base64.b64decode(public_key))
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key)).verify(
            base64.b64decode(signature), message
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def configured_public_key() -> str | None:
    """The public half of the key that signs now (SM2 under gm, else Ed25519)."""
    if _suite_is_gm():
        sm2 = sm2_private_key()
        return None if sm2 is None else sm2[1]
    key = private_key()
    return None if key is None else _public_b64(key)


def trusted_keys() -> dict[str, str]:
    """key id → public key (base64) of every configured key (Ed25519 and SM2, whichever
    suite signs now) and every retired one."""
    keys = [k.strip() for k in getattr(settings, "CIVTRAIN_SIGNING_RETIRED_KEYS", []) if k.strip()]
    ed25519 = private_key()
    if ed25519 is not None:
        keys.append(_public_b64(ed25519))
    sm2 = sm2_private_key()
    if sm2 is not None:
        keys.append(sm2[1])
    return {key_id(k): k for k in keys}
