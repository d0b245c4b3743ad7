"""国密 signatures (#17 item 5): under the gm suite a document is signed with SM2 (with SM3 over
the file); `civtrain verify-document` accepts it offline — in a process of either suite, with
no database — and refuses it with a byte changed; documents signed with Ed25519 before the
switch still verify after it."""

import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from civtrain.core import signing
from civtrain.documents import api
from civtrain.documents.data import DocumentKind, DocumentRequest
from civtrain.people.data import PersonData


def booklet(actor: Any, person: PersonData) -> bytes:
    doc = api.document_issue(actor=actor, request=DocumentRequest(DocumentKind.BOOKLET, person.id))
    return api.document_pdf(doc)


def verify_cli(path: Path) -> tuple[int, str]:
    from io import StringIO

    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_document", str(path), stdout=out)
    return int(exit_.value.code or 0), out.getvalue()


def offline(path: Path, suite: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none",  # no database at all
        "CIVTRAIN_CRYPTO_SUITE": suite,
    }
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "civtrain", "verify-document", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_an_sm2_signed_document_verifies_offline_and_a_changed_byte_is_refused(
    hr: Any, person: PersonData, tmp_path: Path, settings: Any
) -> None:
    settings.CIVTRAIN_CRYPTO_SUITE = "gm"
    public = signing.configured_public_key()
    assert public is not None and signing.is_sm2(public)
    pdf = booklet(hr, person)
    path = tmp_path / "sm2.pdf"
    path.write_bytes(pdf)
    assert f"%civtrain-signature v1 {signing.key_id(public)} ".encode() in pdf
    for suite in ("gm", "standard"):
        done = offline(path, suite)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "真实" in done.stdout and signing.key_id(public) in done.stdout
    for at in (100, len(pdf) // 2, len(pdf) - 20):
        changed = bytearray(pdf)
        changed[at] ^= 0x01
        target = tmp_path / f"changed-{at}.pdf"
        target.write_bytes(bytes(changed))
        code, out = verify_cli(target)
        assert code != 0, (at, out)
        assert "真实" not in out.split("：")[0]


def test_documents_signed_before_the_switch_still_verify_after_it(
    hr: Any, person: PersonData, tmp_path: Path, settings: Any
) -> None:
    settings.CIVTRAIN_CRYPTO_SUITE = "standard"
    path = tmp_path / "ed25519.pdf"
    path.write_bytes(booklet(hr, person))
    settings.CIVTRAIN_CRYPTO_SUITE = "gm"
    code, out = verify_cli(path)
    assert code == 0, out


def test_sm2_signatures_of_core_signing(settings: Any) -> None:
    """Sign and verify with SM2 (GM/T 0003 with the default ID); a changed message, a
    signature with s + n (the same point, out of range) and another key are refused."""
    settings.CIVTRAIN_CRYPTO_SUITE = "gm"
    signed = signing.sign(b"civtrain")
    assert signed is not None and len(base64.b64decode(signed.signature)) == 64
    assert signing.signature_valid(b"civtrain", signed.signature, signed.public_key)
    assert not signing.signature_valid(b"civtrain!", signed.signature, signed.public_key)
    raw = base64.b64decode(signed.signature)
    n = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)
    s = int.from_bytes(raw[32:], "big") + n
    if s < 2**256:
        stretched = base64.b64encode(raw[:32] + s.to_bytes(32, "big")).decode()
        assert not signing.signature_valid(b"civtrain", stretched, signed.public_key)
    settings.CIVTRAIN_SM2_SIGNING_KEY = base64.b64encode(
        b"another-local-sm2-key-for-tests!"
    ).decode()
    other = signing.sign(b"civtrain")
    assert other is not None and other.key_id != signed.key_id
    assert not signing.signature_valid(b"civtrain", other.signature, signed.public_key)
