"""Personal-data protection: AES-GCM encryption, keyed lookup hashes, masking (ADR 0003)."""

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_VERSION = b"\x01"  # first byte of every ciphertext, so keys can be rotated later


@cache
def _aead() -> AESGCM:
    key = base64.b64decode(settings.CIVTRAIN_DATA_KEY)
    if len(key) != 32:
        raise ValueError("CIVTRAIN_DATA_KEY must be base64 of 32 bytes")
    return AESGCM(key)


@cache
def _hash_key() -> bytes:
    key = base64.b64decode(settings.CIVTRAIN_HASH_KEY)
    if len(key) < 32:
        raise ValueError("CIVTRAIN_HASH_KEY must be base64 of at least 32 bytes")
    return key


def encrypt(plain: str, *, context: bytes) -> bytes:
    """Encrypt `plain`; `context` (e.g. b"person.id_number") binds the ciphertext to its field."""
    nonce = os.urandom(12)
    return _VERSION + nonce + _aead().encrypt(nonce, plain.encode(), context)


def decrypt(blob: bytes, *, context: bytes) -> str:
    blob = bytes(blob)
    if blob[:1] != _VERSION:
        raise ValueError("unknown ciphertext version")
    return _aead().decrypt(blob[1:13], blob[13:], context).decode()


def lookup_hash(value: str, *, context: bytes) -> str:
    """Keyed hash to find a record by an encrypted value without decrypting every row."""
    return hmac.new(_hash_key(), context + b"\x00" + value.encode(), hashlib.sha256).hexdigest()


def mask(value: str, *, keep_start: int, keep_end: int) -> str:
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + value[len(value) - keep_end :]
