"""The per-person hash chain and checkpoint signatures (CQ-M3: a tamper-evident ledger).

entry.hash = SHA-256(prev_hash ‖ "\\n" ‖ canonical JSON of the entry), where the canonical
JSON has sorted keys, no spaces, decimals as fixed two-place strings, dates in ISO form and
the recorded time in UTC with microseconds. The first entry of a chain links to GENESIS.
Verification and writing both call `entry_hash`, so they cannot drift apart.
"""

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

GENESIS = "0" * 64
# The stored fields an entry's hash covers besides its subject hours, in canonical()'s
# (and the ledger table's write) order.
CANONICAL_FIELDS = (
    "person_id",
    "seq",
    "title",
    "start_date",
    "date",
    "year",
    "hours",
    "days",
    "training_type",
    "mode",
    "result",
    "score",
    "source_type",
    "source_ref",
    "reverses_id",
    "reason",
    "evidence",
    "recorded_by_id",
    "recorded_at",
)
_dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_UTC = dt.UTC


def money(value: Decimal | float | int | None) -> str | None:
    """Fixed two-place string; floats (SQLite raw reads) format the same as Decimals."""
    if value is None:
        return None
    return f"{value:.2f}"


def iso_date(value: dt.date | str | None) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else value.isoformat()


def iso_moment(value: dt.datetime) -> str:
    return value.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(
    *,
    person_id: int,
    seq: int,
    title: str,
    start_date: dt.date | str | None,
    date: dt.date | str,
    year: int,
    hours: Any,
    days: Any,
    training_type: str,
    mode: str,
    result: str,
    score: Any,
    source_type: str,
    source_ref: str,
    reverses_id: int | None,
    reason: str,
    evidence: str,
    recorded_by_id: int | None,
    recorded_at: dt.datetime,
    subjects: Iterable[tuple[str, Any]],
) -> bytes:
    """The bytes an entry's hash covers: every stored field, its subject hours included.

    Byte for byte what canonical_reference() produces (json.dumps with sorted keys, no
    spaces, UTF-8), assembled directly because verification runs it once per entry and the
    generic encoder was most of its time (bench/ledger.py)."""
    return assemble(
        person_id=int(person_id),
        seq=int(seq),
        title=title,
        start_date=iso_date(start_date),
        date=iso_date(date),  # type: ignore[arg-type]  # never None for a stored entry
        year=int(year),
        hours=money(hours),
        days=money(days),
        training_type=training_type,
        mode=mode,
        result=result,
        score=money(score),
        source_type=source_type,
        source_ref=source_ref,
        reverses_id=reverses_id,
        reason=reason,
        evidence=evidence,
        recorded_by_id=recorded_by_id,
        recorded_at=iso_moment(recorded_at),
        subjects=[(c, money(h)) for c, h in subjects],
    )


def assemble(
    person_id: int,
    seq: int,
    title: str,
    start_date: str | None,
    date: str,
    year: int,
    hours: str | None,
    days: str | None,
    training_type: str,
    mode: str,
    result: str,
    score: str | None,
    source_type: str,
    source_ref: str,
    reverses_id: int | None,
    reason: str,
    evidence: str,
    recorded_by_id: int | None,
    recorded_at: str,
    subjects: Iterable[tuple[str, str | None]],
) -> bytes:
    """canonical() over values already in their canonical text form: dates ISO, money as
    fixed two-place strings, recorded_at as iso_moment() gives it. Verification calls this
    positionally with strings formatted by the database (integrity.py), so the parameter
    order is the column order there."""
    subject_json = ",".join(f"[{_str(code)},{_money_json(h)}]" for code, h in sorted(subjects))
    return (
        f'{{"date":{_str(date)},"days":{_money_json(days)},'
        f'"evidence":{_str(evidence)},"hours":{_money_json(hours)},"mode":{_str(mode)},'
        f'"person_id":{person_id},"reason":{_str(reason)},'
        f'"recorded_at":"{recorded_at}","recorded_by_id":{_int(recorded_by_id)},'
        f'"result":{_str(result)},"reverses_id":{_int(reverses_id)},'
        f'"score":{_money_json(score)},"seq":{seq},"source_ref":{_str(source_ref)},'
        f'"source_type":{_str(source_type)},"start_date":{_str(start_date)},'
        f'"subjects":[{subject_json}],"title":{_str(title)},'
        f'"training_type":{_str(training_type)},"year":{year}}}'
    ).encode()


_encode_str = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) uses


def _str(value: str | None) -> str:
    return "null" if value is None else _encode_str(value)


def _int(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def _money_json(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):  # already formatted (subject pairs above)
        return f'"{value}"'
    return f'"{value:.2f}"'


def canonical_reference(**fields: Any) -> bytes:
    """The definition canonical() must match: the generic JSON encoder over a dict."""
    subjects = fields.pop("subjects")
    doc = {
        **fields,
        "date": iso_date(fields["date"]),
        "start_date": iso_date(fields["start_date"]),
        "days": money(fields["days"]),
        "hours": money(fields["hours"]),
        "score": money(fields["score"]),
        "recorded_at": iso_moment(fields["recorded_at"]),
        "subjects": sorted((code, money(h)) for code, h in subjects),
    }
    return _dumps(doc).encode()


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
