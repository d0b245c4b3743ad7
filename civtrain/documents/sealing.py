"""Signing a document and checking one, offline: no database, only the PDF and the keys
(ADR 0020). Used by the issuing service, `civtrain verify-document` and the verify page.

A PDF carries two signatures, both with the platform key (core.signing: Ed25519, or SM2
under the 国密 suite, #17 item 5):
- the *content* signature, over the canonical JSON of what the document says, embedded as
  the attachment `civtrain-document.json` with the key id — so a verifier can show the
  document's essentials and compare them with the text printed on its pages;
- the *file* signature, over SHA-256 (SM3 for an SM2 key) of every other byte of the file,
  written as a PDF
  comment line just before the final `startxref` (comments are whitespace to a PDF reader,
  and nothing before them moves, so the cross-reference offsets stay right). One changed
  byte anywhere in the file breaks it.
"""

import hashlib
import io
import json
import re
from collections.abc import Mapping
from typing import Any

from civtrain.core import crypto, signing
from civtrain.documents.data import VerifyOutcome, VerifyStatus

ATTACHMENT = "civtrain-document.json"
_CONTENT_PREFIX = b"civtrain-document|v1|"
_FILE_PREFIX = b"civtrain-document-file|v1|"
_MARK = b"%civtrain-signature v1 "
_LINE = re.compile(rb"\n%civtrain-signature v1 ([0-9a-f]{16}) ([A-Za-z0-9+/=]{86,88})\n")


class SigningKeyMissing(Exception):
    pass


def canonical(content: Mapping[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _sign(message: bytes) -> signing.Signature:
    signed = signing.sign(message)
    if signed is None:
        raise SigningKeyMissing("CIVTRAIN_SIGNING_KEY is not configured")
    return signed


def content_seal(content: Mapping[str, Any]) -> dict[str, Any]:
    """The attachment's JSON: the content, its signature and the key id."""
    signed = _sign(_CONTENT_PREFIX + canonical(content))
    return {"content": dict(content), "key_id": signed.key_id, "signature": signed.signature}


def file_seal(pdf: bytes) -> bytes:
    """The PDF with its file signature inserted before the last `startxref`."""
    at = pdf.rindex(b"startxref")
    public = signing.configured_public_key() or ""
    signed = _sign(_file_message(pdf, public))
    line = _MARK + f"{signed.key_id} {signed.signature}\n".encode()
    return pdf[:at] + line + pdf[at:]


def _file_message(pdf: bytes, public_key: str) -> bytes:
    """What the file signature covers: the digest of the file's other bytes, in SM3 for an
    SM2 key (GB/T 32918 pairs SM2 with SM3), SHA-256 otherwise."""
    if signing.is_sm2(public_key):
        return _FILE_PREFIX + bytes.fromhex(crypto.chain_hash(crypto.SM3, pdf))
    return _FILE_PREFIX + hashlib.sha256(pdf).digest()


def _file_signature(data: bytes) -> tuple[str, str, bytes] | None:
    """(key id, signature, the file without its signature line), or None when unsigned."""
    found = None
    for found in _LINE.finditer(data):  # noqa: B007 - the last one is the file's own
        pass
    if found is None:
        return None
    unsigned = data[: found.start() + 1] + data[found.end() :]
    return found.group(1).decode(), found.group(2).decode(), unsigned


def _read_pdf(data: bytes) -> tuple[dict[str, Any], str]:
    """The attachment's JSON and the text of every page (pypdf); ValueError if unreadable."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        blobs = reader.attachments.get(ATTACHMENT) or []
        if not blobs:
            raise ValueError("no attachment")
        sealed = json.loads(blobs[0])
        text = "".join(page.extract_text() or "" for page in reader.pages)
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise ValueError(str(exc)) from exc
    if not isinstance(sealed, dict) or not isinstance(sealed.get("content"), dict):
        raise ValueError("attachment is not a civtrain document")
    return sealed, text


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def printed_values(content: Mapping[str, Any]) -> list[str]:
    """What the pages must show of the content: serial, name, masked ID number and each
    line's name and 学时 (text extraction of a table is not reliable beyond that)."""
    person = content.get("person") or {}
    values = [content.get("serial", ""), person.get("name", ""), person.get("id_number_masked", "")]
    for line in content.get("lines") or []:
        values += [line.get("name", ""), line.get("hours", "")]
    return [v for v in values if v]


def verify_pdf(
    data: bytes, *, keys: Mapping[str, str] | None = None, superseded: Mapping[str, str] = {}
) -> VerifyOutcome:
    """Check a PDF against the platform's keys (current and retired: core.signing) and,
    when given, the serials superseded so far (old serial → new serial)."""
    keys = signing.trusted_keys() if keys is None else keys
    found = _file_signature(data)
    if found is None:
        return VerifyOutcome(
            VerifyStatus.NOT_A_DOCUMENT, "文件中没有本平台的签名，不是本平台签发的文件"
        )
    key_id, file_sig, unsigned = found
    public = keys.get(key_id)
    if public is None:
        return VerifyOutcome(
            VerifyStatus.UNKNOWN_KEY,
            f"文件由未知密钥（{key_id}）签名，不是本平台的现用或已轮换密钥，无法确认真伪",
            key_id=key_id,
        )
    if not signing.signature_valid(_file_message(unsigned, public), file_sig, public):
        return VerifyOutcome(
            VerifyStatus.ALTERED, "文件签名不符：文件在签发后被改动过", key_id=key_id
        )
    try:
        sealed, text = _read_pdf(unsigned)
    except ValueError:
        return VerifyOutcome(VerifyStatus.ALTERED, "文件无法读取或缺少签名内容", key_id=key_id)
    content = sealed["content"]
    # The content was signed when issued; the file when rendered: after a key rotation the
    # two keys differ, and both must be the platform's.
    content_key = keys.get(str(sealed.get("key_id", "")))
    content_ok = content_key is not None and signing.signature_valid(
        _CONTENT_PREFIX + canonical(content), str(sealed.get("signature", "")), content_key
    )
    if not content_ok:
        return VerifyOutcome(
            VerifyStatus.ALTERED, "内容签名不符：嵌入的内容被改动过", key_id=key_id
        )
    squeezed = _squeeze(text)
    missing = [v for v in printed_values(content) if _squeeze(v) not in squeezed]
    if missing:
        return VerifyOutcome(
            VerifyStatus.ALTERED,
            f"页面文字与签名内容不符（缺少“{missing[0]}”）",
            content=content,
            key_id=key_id,
        )
    serial = str(content.get("serial", ""))
    if serial in superseded:
        return VerifyOutcome(
            VerifyStatus.SUPERSEDED,
            f"文件 {serial} 真实，但已因档案更正被 {superseded[serial]} 取代，请以新文件为准",
            content=content,
            key_id=key_id,
            superseded_by=superseded[serial],
        )
    return VerifyOutcome(
        VerifyStatus.GENUINE, f"文件 {serial} 真实，签名有效（密钥 {key_id}）", content, key_id
    )


# -- the list of superseded documents, signed, for checking offline ---------------------
_LIST_PREFIX = b"civtrain-superseded-list|v1|"


def superseded_list_seal(superseded: Mapping[str, str], issued_at: str) -> dict[str, Any]:
    body = {"issued_at": issued_at, "superseded": dict(sorted(superseded.items()))}
    signed = _sign(_LIST_PREFIX + canonical(body))
    return {**body, "key_id": signed.key_id, "signature": signed.signature}


def superseded_list_read(
    sealed: Mapping[str, Any], *, keys: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The superseded serials of a signed list; ValueError if it is not genuine."""
    keys = signing.trusted_keys() if keys is None else keys
    body = {"issued_at": sealed.get("issued_at"), "superseded": sealed.get("superseded")}
    public = keys.get(str(sealed.get("key_id", "")))
    if public is None or not signing.signature_valid(
        _LIST_PREFIX + canonical(body), str(sealed.get("signature", "")), public
    ):
        raise ValueError("作废清单签名无效")
    return {str(k): str(v) for k, v in (body["superseded"] or {}).items()}
