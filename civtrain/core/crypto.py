"""Personal-data protection: field encryption, keyed lookup hashes, masking (ADR 0003).

Two suites, chosen by `CIVTRAIN_CRYPTO_SUITE` (#17 item 5):

- `standard` (default): AES-256-GCM, HMAC-SHA-256;
- `gm` (国密, GB/T 39786-2021): SM4-GCM (GB/T 32907, key derived from CIVTRAIN_DATA_KEY by
  HKDF-SM3), HMAC-SM3 (GB/T 32905) — both from `cryptography` on OpenSSL 3.

A ciphertext starts with a version byte naming its algorithm (0x01 AES-256-GCM, 0x02
SM4-GCM), so either is always readable and a database can be moved from one suite to the
other in place: `civtrain crypto-migrate` re-encrypts every field and recomputes every
lookup hash under the configured suite. New writes use the configured suite.

Keys rotate the same way (ADR 0003, "Key rotation"): the new key becomes CIVTRAIN_DATA_KEY
(or CIVTRAIN_HASH_KEY) and the old one moves to CIVTRAIN_DATA_KEY_PREVIOUS (…_HASH_…), a
comma-separated list still read; `civtrain crypto-migrate` then rewrites every value under
the current key. GCM's tag tells a wrong key from the right one, so a ciphertext needs no key
id: decryption tries the current key, then the previous ones.

The same choice names the hash that extends the ledger's and the audit trail's chains
(`chain_algorithm`: SHA-256 or SM3, GB/T 32905); each chained row records the one that
chained it, so a chain may hold SHA-256 links followed by SM3 ones (#17 item 5).
"""

import base64
import hashlib
import hmac
import os
from functools import cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_VERSION = b"\x01"  # AES-256-GCM; the first byte of every ciphertext
_SM4_VERSION = b"\x02"  # SM4-GCM
VERSIONS = {"standard": _VERSION, "gm": _SM4_VERSION}
_TAG = 16


def suite() -> str:
    """The configured suite: "standard" or "gm"."""
    name = getattr(settings, "CIVTRAIN_CRYPTO_SUITE", "standard") or "standard"
    if name not in VERSIONS:
        raise ValueError('CIVTRAIN_CRYPTO_SUITE must be "standard" or "gm"')
    return name


@cache
def _data_key(raw: str) -> bytes:
    key = base64.b64decode(raw)
    if len(key) != 32:
        raise ValueError("CIVTRAIN_DATA_KEY must be base64 of 32 bytes")
    return key


@cache
def _aead(raw: str) -> AESGCM:
    return AESGCM(_data_key(raw))


@cache
def _sm4_key(raw: str) -> bytes:
    """SM4 takes 128-bit keys: derived from the data key (HKDF-SM3), so one secret serves
    both suites and a migration needs no new variable."""
    hkdf = HKDF(algorithm=hashes.SM3(), length=16, salt=None, info=b"civtrain sm4-gcm fields")
    return hkdf.derive(_data_key(raw))


@cache
def _hash_key(raw: str) -> bytes:
    key = base64.b64decode(raw)
    if len(key) < 32:
        raise ValueError("CIVTRAIN_HASH_KEY must be base64 of at least 32 bytes")
    return key


def encrypt(plain: str, *, context: bytes) -> bytes:
    """Encrypt `plain` under the configured suite; `context` (e.g. b"person.id_number")
    binds the ciphertext to its field (associated data)."""
    nonce = os.urandom(12)
    if suite() == "gm":
        encryptor = Cipher(
            algorithms.SM4(_sm4_key(settings.CIVTRAIN_DATA_KEY)), modes.GCM(nonce)
        ).encryptor()
        encryptor.authenticate_additional_data(context)
        body = encryptor.update(plain.encode()) + encryptor.finalize()
        return _SM4_VERSION + nonce + body + encryptor.tag
    return (
        _VERSION + nonce + _aead(settings.CIVTRAIN_DATA_KEY).encrypt(nonce, plain.encode(), context)
    )


def data_key_id() -> str:
    """A fingerprint of the current data key (16 hex digits), for audit rows and operators to
    tell which key the data is under; it reveals nothing of the key."""
    digest = hashlib.sha256(b"civtrain data key id\x00" + _data_key(settings.CIVTRAIN_DATA_KEY))
    return digest.hexdigest()[:16]


def _open(version: bytes, nonce: bytes, body: bytes, context: bytes, raw: str) -> str:
    if version == _VERSION:
        return _aead(raw).decrypt(nonce, body, context).decode()
    decryptor = Cipher(algorithms.SM4(_sm4_key(raw)), modes.GCM(nonce, body[-_TAG:])).decryptor()
    decryptor.authenticate_additional_data(context)
    return (decryptor.update(body[:-_TAG]) + decryptor.finalize()).decode()


def opened(blob: bytes | memoryview, *, context: bytes) -> tuple[str, bool]:
    """The clear value of a ciphertext written under either suite and any key still read, and
    whether it is sealed as new writes are (the configured suite, the current key): what
    crypto-migrate leaves alone. Raises InvalidTag when no key opens it."""
    blob = bytes(blob)
    version, nonce, body = blob[:1], blob[1:13], blob[13:]
    if version not in (_VERSION, _SM4_VERSION):
        raise ValueError("unknown ciphertext version")
    try:
        clear = _open(version, nonce, body, context, settings.CIVTRAIN_DATA_KEY)
    except InvalidTag:
        for raw in settings.CIVTRAIN_DATA_KEY_PREVIOUS:  # written before a rotation
            try:
                return _open(version, nonce, body, context, raw), False
            except InvalidTag:
                continue
        raise
    return clear, version == VERSIONS[suite()]


def decrypt(blob: bytes | memoryview, *, context: bytes) -> str:
    """Decrypt a value written under either suite and any key still read (`opened`)."""
    return opened(blob, context=context)[0]


def lookup_hash(value: str, *, context: bytes) -> str:
    """Keyed hash to find a record by an encrypted value without decrypting every row:
    HMAC-SHA-256, or HMAC-SM3 in the gm suite (both 64 hex digits)."""
    digest = "sm3" if suite() == "gm" else "sha256"
    return _lookup_hash(value, context, digest, settings.CIVTRAIN_HASH_KEY)


def lookup_hashes(value: str, *, context: bytes) -> list[str]:
    """Every hash a value stored before a switch of suite or key may still carry, the current
    one first: for secrets the platform does not keep (xAPI credentials), whose hashes
    crypto-migrate cannot recompute. Stored values it can recompute use `lookup_hash`."""
    hashes = [lookup_hash(value, context=context)]
    for raw in (settings.CIVTRAIN_HASH_KEY, *settings.CIVTRAIN_HASH_KEY_PREVIOUS):
        for digest in ("sha256", "sm3"):
            h = _lookup_hash(value, context, digest, raw)
            if h not in hashes:
                hashes.append(h)
    return hashes


def _lookup_hash(value: str, context: bytes, digest: str, raw: str) -> str:
    return hmac.new(_hash_key(raw), context + b"\x00" + value.encode(), digest).hexdigest()


SHA256 = "sha256"
SM3 = "sm3"
CHAIN_ALGORITHMS = (SHA256, SM3)


def chain_algorithm() -> str:
    """The hash new links of the ledger's and the audit's chains use: SM3 under gm."""
    return SM3 if suite() == "gm" else SHA256


def _sm3_constructor() -> Any:
    try:
        hashlib.new("sm3")
    except ValueError:  # an OpenSSL without SM3 in hashlib: the cryptography package's
        return _CryptographySM3
    return lambda data: hashlib.new("sm3", data)


class _CryptographySM3:
    def __init__(self, data: bytes = b"") -> None:
        self._h = hashes.Hash(hashes.SM3())
        self._h.update(data)

    def update(self, data: bytes) -> None:
        self._h.update(data)

    def hexdigest(self) -> str:
        return self._h.finalize().hex()


sm3 = _sm3_constructor()  # sm3(data) → an object with update() and hexdigest()


def chain_hash(algorithm: str, data: bytes) -> str:
    """Hex digest of `data` under a chain algorithm (64 hex digits for both)."""
    if algorithm == SHA256:
        return hashlib.sha256(data).hexdigest()
    if algorithm == SM3:
        return str(sm3(data).hexdigest())
    raise ValueError(f"unknown chain algorithm {algorithm!r}")


def chain_hasher(algorithm: str) -> Any:
    """A new incremental hash object (update/hexdigest) under a chain algorithm."""
    if algorithm == SHA256:
        return hashlib.sha256()
    if algorithm == SM3:
        return sm3(b"")
    raise ValueError(f"unknown chain algorithm {algorithm!r}")


def mask(value: str, *, keep_start: int, keep_end: int) -> str:
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + value[len(value) - keep_end :]
