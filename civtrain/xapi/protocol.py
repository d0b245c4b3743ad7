"""The HTTP side of xAPI that is not about data: the request as xAPI sees it (headers and
parameters, also from the alternate request syntax of 1.0.3), versions, `multipart/mixed`
bodies in and out, and signed statements (JWS). Pure: no database."""

import base64
import binascii
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings

from civtrain.xapi.data import SUPPORTED_VERSIONS, bad_request, normalised_for_comparison
from civtrain.xapi.validation import SIGNATURE_USAGE

# Form fields of the alternate request syntax that stand for headers (Communication 1.3).
ALTERNATE_HEADERS = {
    "authorization": "Authorization",
    "x-experience-api-version": "X-Experience-API-Version",
    "content-type": "Content-Type",
    "content-length": "Content-Length",
    "if-match": "If-Match",
    "if-none-match": "If-None-Match",
}


@dataclass(frozen=True)
class XRequest:
    """A request to a resource: method, headers (lower-case names), parameters, body."""

    method: str
    headers: Mapping[str, str]
    params: Mapping[str, str]
    body: bytes
    head: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def alternate_request(
    query: Mapping[str, str], form_body: bytes, headers: Mapping[str, str]
) -> XRequest:
    """A POST with `?method=…` (1.0.3 only): headers, parameters and content come as form fields."""
    if set(query) != {"method"}:
        raise bad_request(
            "With the alternate request syntax only 'method' may be in the query string."
        )
    method = query["method"].upper()
    if method not in ("GET", "PUT", "POST", "DELETE", "HEAD"):
        raise bad_request(f"'{query['method']}' is not a method the alternate syntax can carry.")
    try:
        fields = dict(parse_qsl(form_body.decode(), keep_blank_values=True))
    except UnicodeDecodeError as exc:
        raise bad_request("The form body is not UTF-8.") from exc
    merged = dict(headers)
    params: dict[str, str] = {}
    content = b""
    for name, value in fields.items():
        if name.lower() in ALTERNATE_HEADERS:
            merged[name.lower()] = value
        elif name == "content":
            content = value.encode()
        else:
            params[name] = value
    if "content-type" not in {k.lower() for k in fields}:
        merged["content-type"] = "application/json" if content else ""
    return XRequest(method=method, headers=merged, params=params, body=content)


def default_version() -> str:
    """The version an answer names when the request named none or an unknown one: the newest,
    unless the deployment says otherwise (CIVTRAIN_XAPI_DEFAULT_VERSION, e.g. "1.0.3")."""
    return str(getattr(settings, "CIVTRAIN_XAPI_DEFAULT_VERSION", "2.0.0"))


def negotiated_version(header: str | None) -> str:
    """The version to answer with, from X-Experience-API-Version; 400 when missing or unknown."""
    if not header:
        raise bad_request("The X-Experience-API-Version header is required (1.0.3 or 2.0.0).")
    value = header.strip()
    if value in SUPPORTED_VERSIONS or value in ("1.0", "2.0"):
        return "2.0.0" if value.startswith("2.") else "1.0.3"
    raise bad_request(f"X-Experience-API-Version {value!r} is not supported (1.0.x or 2.0.0).")


# --- multipart/mixed ------------------------------------------------------------------------


def _boundary(content_type_header: str) -> bytes:
    for part in content_type_header.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "boundary" and value:
            return value.strip().strip('"').encode()
    raise bad_request("multipart/mixed needs a boundary parameter.")


def _part_headers(raw: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in raw.decode("latin-1").split("\r\n"):
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return headers


def parse_multipart(
    content_type_header: str, body: bytes
) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    """The statements (first part, JSON) and the attachment parts by SHA-2: (type, content)."""
    delimiter = b"--" + _boundary(content_type_header)
    chunks = body.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise bad_request("The multipart/mixed body is not closed by its boundary.")
    parts = []
    for chunk in chunks[1:-1]:
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise bad_request("A multipart part has no blank line after its headers.")
        parts.append((_part_headers(head), content[:-2] if content.endswith(b"\r\n") else content))
    first_headers, first = parts[0]
    if first_headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise bad_request(
            "The first part of multipart/mixed must be the statements, application/json."
        )
    statements = parse_json(first)
    attachments: dict[str, tuple[str, bytes]] = {}
    for headers, content in parts[1:]:
        sha2 = headers.get("x-experience-api-hash")
        if not sha2:
            raise bad_request("Each attachment part needs an X-Experience-API-Hash header.")
        encoding = headers.get("content-transfer-encoding")
        if encoding is None or encoding.lower() != "binary":
            raise bad_request("Each attachment part needs Content-Transfer-Encoding: binary.")
        attachments[sha2] = (headers.get("content-type", "application/octet-stream"), content)
    return statements, attachments


def build_multipart(
    statements_json: str, attachments: list[tuple[str, str, bytes]]
) -> tuple[str, bytes]:
    """(Content-Type, body) of a statement answer with its attachments."""
    boundary = secrets.token_hex(16)
    out = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        statements_json.encode(),
    ]
    for sha2, content_type, content in attachments:
        out.append(
            f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\n"
            f"Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}\r\n\r\n".encode()
        )
        out.append(content)
    out.append(f"\r\n--{boundary}--\r\n".encode())
    return f'multipart/mixed; boundary="{boundary}"', b"".join(out)


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request("The body is not valid UTF-8 JSON.") from exc


# --- signed statements ----------------------------------------------------------------------

_HASHES: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "RS256": hashes.SHA256,
    "RS384": hashes.SHA384,
    "RS512": hashes.SHA512,
}


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def check_signature(statement: dict[str, Any], parts: dict[str, tuple[str, bytes]]) -> None:
    """A statement with a signature attachment: the JWS must be well formed, use RS256/384/512,
    carry the statement as its payload and, when it names its certificate (x5c), verify."""
    signatures = [
        a for a in statement.get("attachments", []) if a.get("usageType") == SIGNATURE_USAGE
    ]
    if not signatures:
        return
    attachment = signatures[0]
    if attachment.get("contentType") != "application/octet-stream":
        raise bad_request("A signature attachment's contentType must be application/octet-stream.")
    part = parts.get(attachment["sha2"])
    if part is None:
        raise bad_request("The signature attachment's content is missing.")
    try:
        header_b64, payload_b64, signature_b64 = part[1].decode("ascii").strip().split(".")
        header = json.loads(_b64(header_b64))
        payload = json.loads(_b64(payload_b64))
        signature = _b64(signature_b64)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise bad_request("The signature is not a JWS in compact serialization.") from exc
    if not isinstance(header, dict) or header.get("alg") not in _HASHES:
        raise bad_request("The signature must use RS256, RS384 or RS512.")
    if not isinstance(payload, dict) or normalised_for_comparison(
        payload
    ) != normalised_for_comparison(statement):
        raise bad_request("The signed payload does not match the statement.")
    if header.get("x5c"):
        _verify(header, f"{header_b64}.{payload_b64}".encode(), signature)


def _verify(header: dict[str, Any], signed: bytes, signature: bytes) -> None:
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
        key = certificate.public_key()
    except (ValueError, TypeError, KeyError, IndexError, binascii.Error) as exc:
        raise bad_request("The signature's x5c certificate cannot be read.") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise bad_request("The signature's certificate does not hold an RSA key.")
    try:
        key.verify(signature, signed, padding.PKCS1v15(), _HASHES[header["alg"]]())
    except InvalidSignature as exc:
        raise bad_request("The signature does not verify with its x5c certificate.") from exc
