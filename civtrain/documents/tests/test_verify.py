"""Verification (issue #15 must-show): `civtrain verify-document` and the verify page accept a
genuine PDF and refuse one with a byte changed, one signed with another key and one
superseded after a ledger correction, saying which; the page never shows a clear ID number."""

import base64
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from civtrain.core import signing
from civtrain.credits import api as credits
from civtrain.credits.data import Correction
from civtrain.documents import api, render, sealing
from civtrain.documents.data import DocumentKind, DocumentRequest, VerifyStatus
from civtrain.documents.tests.conftest import CLEAR_ID_NUMBER
from civtrain.people.data import PersonData

OTHER_KEY = base64.b64encode(b"o" * 32).decode()


def booklet(actor: Any, person: PersonData) -> tuple[Any, bytes]:
    doc = api.document_issue(actor=actor, request=DocumentRequest(DocumentKind.BOOKLET, person.id))
    return doc, api.document_pdf(doc)


def verify_cli(path: Path, *args: str) -> tuple[int, str]:
    from io import StringIO

    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_document", str(path), *args, stdout=out)
    return int(exit_.value.code or 0), out.getvalue()


@pytest.fixture
def genuine(hr: Any, person: PersonData, tmp_path: Path) -> tuple[Any, Path]:
    doc, pdf = booklet(hr, person)
    path = tmp_path / "genuine.pdf"
    path.write_bytes(pdf)
    return doc, path


def test_a_genuine_pdf_verifies_offline_without_any_database(genuine: tuple[Any, Path]) -> None:
    doc, path = genuine
    # A fresh process whose database does not exist: the check needs the file and the keys.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none",
    }
    done = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "civtrain", "verify-document", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"文件 {doc.serial} 真实" in done.stdout
    assert "欧阳明远" in done.stdout


def test_every_single_byte_change_is_refused(genuine: tuple[Any, Path], tmp_path: Path) -> None:
    _, path = genuine
    data = path.read_bytes()
    for at in (100, len(data) // 3, len(data) // 2, len(data) - 300, len(data) - 20):
        changed = bytearray(data)
        changed[at] ^= 0x01
        target = tmp_path / f"changed-{at}.pdf"
        target.write_bytes(bytes(changed))
        code, out = verify_cli(target)
        assert code != 0, (at, out)
        assert "真实" not in out.split("：")[0]


def test_a_pdf_signed_with_another_key_is_refused_as_unknown(
    hr: Any, person: PersonData, tmp_path: Path, settings: Any
) -> None:
    settings.CIVTRAIN_SIGNING_KEY = OTHER_KEY
    _, pdf = booklet(hr, person)
    settings.CIVTRAIN_SIGNING_KEY = signing_key_of_tests()
    (tmp_path / "other.pdf").write_bytes(pdf)
    code, out = verify_cli(tmp_path / "other.pdf")
    assert code == 2
    assert "签名密钥不明" in out and signing.key_id(public_of(OTHER_KEY)) in out


def signing_key_of_tests() -> str:
    from config.settings import test

    return str(test.CIVTRAIN_SIGNING_KEY)


def public_of(seed: str) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed))
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def test_after_a_key_rotation_old_documents_still_verify(
    hr: Any, person: PersonData, tmp_path: Path, settings: Any
) -> None:
    settings.CIVTRAIN_SIGNING_KEY = OTHER_KEY
    _, pdf = booklet(hr, person)
    # Rotation (ADR 0020): a new key signs from now on, the old one's public half is kept.
    settings.CIVTRAIN_SIGNING_KEY = signing_key_of_tests()
    settings.CIVTRAIN_SIGNING_RETIRED_KEYS = [public_of(OTHER_KEY)]
    (tmp_path / "old.pdf").write_bytes(pdf)
    code, out = verify_cli(tmp_path / "old.pdf")
    assert code == 0, out
    assert signing.key_id(public_of(OTHER_KEY)) in out


def correct_first_entry(actor: Any, person: PersonData) -> None:
    first = credits.entry_rows().filter(person_id=person.id).order_by("date", "id").first()
    credits.credit_entry_reverse(
        actor=actor,
        entry_id=first.pk,
        reason="学时登记有误",
        correction=Correction(hours=Decimal(6), days=Decimal(1)),
    )


def test_a_superseded_document_is_refused_saying_so(
    hr: Any, person: PersonData, genuine: tuple[Any, Path], tmp_path: Path
) -> None:
    old, path = genuine
    assert booklet(hr, person)[0].serial == old.serial  # nothing changed: the same document
    correct_first_entry(hr, person)
    new, _ = booklet(hr, person)
    assert new.serial != old.serial
    assert api.document_by_serial(old.serial).superseded_by == new.serial
    code, out = verify_cli(path, "--online")
    assert code == 3
    assert f"已因档案更正被 {new.serial} 取代" in out
    # Offline, with the signed list of superseded documents the platform publishes.
    listing = tmp_path / "superseded.json"
    call_command("document_superseded_list", "--out", str(listing))
    code, out = verify_cli(path, "--superseded-list", str(listing))
    assert (code, new.serial in out) == (3, True)
    # A forged list (one entry removed, signature kept) is refused, not believed.
    forged = listing.read_text(encoding="utf-8").replace(old.serial, "CT-AAAAAAAAAAAA")
    listing.write_text(forged, encoding="utf-8")
    with pytest.raises(Exception, match="作废清单"):
        verify_cli(path, "--superseded-list", str(listing))


def test_printed_text_that_differs_from_the_signed_content_is_refused(
    hr: Any, person: PersonData
) -> None:
    doc, _ = booklet(hr, person)
    # Signed content, but pages printing another hour count (what a forger with the key, or a
    # template bug, would produce): the text check catches it.
    shown = {**doc.content, "lines": [{**doc.content["lines"][0], "hours": "96"}]}
    sealed = {"content": doc.content, "key_id": doc.key_id, "signature": doc.signature}
    import json

    html = render.html_of(shown, verify_url=doc.content["verify_url"])
    pdf = sealing.file_seal(
        render.pdf_of(html, attachment=json.dumps(sealed), name=sealing.ATTACHMENT)
    )
    outcome = sealing.verify_pdf(pdf)
    assert outcome.status == VerifyStatus.ALTERED
    assert "页面文字与签名内容不符" in outcome.reason


# -- the verify page ------------------------------------------------------------------------
def test_the_verify_page_shows_essentials_masked_and_supersession(
    hr: Any, person: PersonData, genuine: tuple[Any, Path]
) -> None:
    old, path = genuine
    clear = CLEAR_ID_NUMBER
    client = Client()  # anonymous: the page is public
    page = client.get(reverse("documents:verify", args=[old.serial])).content.decode()
    assert "平台签发的有效文件" in page and "欧阳明远" in page
    assert person.id_number_masked in page and clear not in page
    correct_first_entry(hr, person)
    new, _ = booklet(hr, person)
    page = client.get(reverse("documents:verify", args=[old.serial])).content.decode()
    assert "已因档案更正被新文件取代" in page
    assert reverse("documents:verify", args=[new.serial]) in page
    assert clear not in page
    # Uploading the old file says superseded; a changed byte says altered.
    answer = client.post(reverse("documents:verify_upload"), {"file": path.open("rb")})
    assert "已被新版本取代" in answer.content.decode()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    changed = path.with_name("changed.pdf")
    changed.write_bytes(bytes(data))
    answer = client.post(reverse("documents:verify_upload"), {"file": changed.open("rb")})
    assert "文件已被篡改" in answer.content.decode()


def test_unknown_serials_answer_404_and_the_page_is_rate_limited(db: Any, settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.CIVTRAIN_VERIFY_RATE_PER_MINUTE = 3
    client = Client()
    codes = [client.get("/verify/CT-ABCDEFGHJKLM/").status_code for _ in range(3)]
    assert codes == [404, 404, 404]
    assert client.get("/verify/CT-ABCDEFGHJKLM/").status_code == 429
    cache.clear()


def test_documents_are_issued_only_to_those_who_may_see_the_person(
    person: PersonData, actors: dict[str, Any]
) -> None:
    from civtrain.core.errors import NotFound

    for name in ("other_city", "institution", "teacher"):
        with pytest.raises(NotFound):
            api.document_issue(
                actor=actors[name], request=DocumentRequest(DocumentKind.BOOKLET, person.id)
            )
    assert api.document_issue(
        actor=actors["district"], request=DocumentRequest(DocumentKind.BOOKLET, person.id)
    ).serial.startswith("CT-")
