"""国密 mode (#17 item 5): the security-relevant behaviour of personal-data protection holds
under both suites, and `civtrain crypto-migrate` moves a database from one to the other, or
to new keys (ADR 0003, "Key rotation"), in place without losing a number or a lookup. Every
test here runs twice: standard and gm."""

import base64
import io
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from django.core.management import call_command
from django.db import connection

from civtrain import testing
from civtrain.accounts.api import SYSTEM
from civtrain.core import crypto
from civtrain.core.models import AuditEvent
from civtrain.faculty.api import teacher_create
from civtrain.people.api import person_id_by_id_number

pytestmark = pytest.mark.django_db
SUITES = ["standard", "gm"]
OTHER = {"standard": "gm", "gm": "standard"}


@pytest.fixture(params=SUITES)
def suite(request: Any, settings: Any) -> str:
    settings.CIVTRAIN_CRYPTO_SUITE = request.param
    return str(request.param)


def test_a_value_round_trips_and_names_its_algorithm(suite: str) -> None:
    blob = crypto.encrypt("500103199001011234", context=b"person.id_number")
    assert blob[:1] == crypto.VERSIONS[suite]
    assert b"500103199001011234" not in blob
    assert crypto.decrypt(blob, context=b"person.id_number") == "500103199001011234"


def test_a_ciphertext_moved_to_another_field_does_not_decrypt(suite: str) -> None:
    blob = crypto.encrypt("13800138000", context=b"person.phone")
    with pytest.raises(Exception):  # noqa: B017 - InvalidTag (AES-GCM and SM4-GCM alike)
        crypto.decrypt(blob, context=b"person.id_number")


def test_a_flipped_byte_is_refused(suite: str) -> None:
    blob = bytearray(crypto.encrypt("13800138000", context=b"person.phone"))
    blob[20] ^= 1
    with pytest.raises(Exception):  # noqa: B017 - the tag no longer matches
        crypto.decrypt(bytes(blob), context=b"person.phone")


def test_encryption_is_randomised_and_lookup_hashes_are_keyed_per_suite(
    suite: str, settings: Any
) -> None:
    one = crypto.encrypt("x", context=b"c")
    assert one != crypto.encrypt("x", context=b"c")
    mine = crypto.lookup_hash("500103199001011234", context=b"person.id_number")
    assert len(mine) == 64 and mine == crypto.lookup_hash(
        "500103199001011234", context=b"person.id_number"
    )
    settings.CIVTRAIN_CRYPTO_SUITE = OTHER[suite]
    assert crypto.lookup_hash("500103199001011234", context=b"person.id_number") != mine
    # Either suite reads what the other wrote (the version byte says which).
    assert crypto.decrypt(one, context=b"c") == "x"


def test_sm4_gcm_matches_the_standard_vector_of_gb_t_32907() -> None:
    """SM4 itself, GB/T 32907-2016 appendix A example 1, through the same library call."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 - the vector
    assert encryptor.update(key) == bytes.fromhex("681edf34d206965e86b3e94f536e4246")


def test_crypto_migrate_moves_every_person_and_keeps_search_by_id_number(
    suite: str, settings: Any, tree: Any
) -> None:
    """Written under the other suite, migrated to this one: every number still decrypts,
    every person is still found by their ID number, and a second run changes nothing."""
    settings.CIVTRAIN_CRYPTO_SUITE = OTHER[suite]
    numbers = [testing.make_id_number(serial=600 + n) for n in range(5)]
    people = [
        testing.make_person(tree["U1"], f"迁移{n}", id_number=number)
        for n, number in enumerate(numbers)
    ]
    settings.CIVTRAIN_CRYPTO_SUITE = suite
    assert person_id_by_id_number(numbers[0]) is None  # before the migration: not found
    out = io.StringIO()
    call_command("crypto_migrate", stdout=out)
    assert "人员 5 人" in out.getvalue()
    for person, number in zip(people, numbers, strict=True):
        assert person_id_by_id_number(number) == person.id
    out = io.StringIO()
    call_command("crypto_migrate", stdout=out)
    assert "人员 0 人" in out.getvalue()


def _new_key(byte: bytes) -> str:
    return base64.b64encode(byte * 32).decode()


def test_a_value_under_a_previous_data_key_still_opens_until_that_key_is_dropped(
    suite: str, settings: Any
) -> None:
    blob = crypto.encrypt("13800138000", context=b"person.phone")
    assert crypto.opened(blob, context=b"person.phone") == ("13800138000", True)
    old = settings.CIVTRAIN_DATA_KEY
    settings.CIVTRAIN_DATA_KEY, settings.CIVTRAIN_DATA_KEY_PREVIOUS = _new_key(b"n"), [old]
    assert crypto.opened(blob, context=b"person.phone") == ("13800138000", False)
    settings.CIVTRAIN_DATA_KEY_PREVIOUS = []
    with pytest.raises(InvalidTag):
        crypto.decrypt(blob, context=b"person.phone")


def test_crypto_migrate_moves_people_and_teachers_to_rotated_keys(
    suite: str, settings: Any, tree: Any
) -> None:
    """Both keys rotated: after crypto-migrate every ID and phone number opens with the new
    data key alone, every person is found by their ID number under the new hash key, the
    audit row names the new key's fingerprint, and a second run changes nothing."""
    numbers = [testing.make_id_number(serial=700 + n) for n in range(3)]
    people = [
        testing.make_person(tree["U1"], f"轮换{n}", id_number=number, phone="13900139000")
        for n, number in enumerate(numbers)
    ]
    teacher = teacher_create(
        actor=SYSTEM, org_id=tree["C1"].id, name="轮换老师", phone="13700137000"
    )
    old_data = settings.CIVTRAIN_DATA_KEY
    settings.CIVTRAIN_DATA_KEY, settings.CIVTRAIN_DATA_KEY_PREVIOUS = _new_key(b"d"), [old_data]
    settings.CIVTRAIN_HASH_KEY = _new_key(b"h")
    assert person_id_by_id_number(numbers[0]) is None  # the old hashes: not found yet
    out = io.StringIO()
    call_command("crypto_migrate", "--only", "fields", stdout=out)
    assert "人员 3 人，教师 1 人" in out.getvalue()
    assert crypto.data_key_id() in out.getvalue()
    settings.CIVTRAIN_DATA_KEY_PREVIOUS = []  # the old key is gone: everything still opens
    for person, number in zip(people, numbers, strict=True):
        assert person_id_by_id_number(number) == person.id
        id_blob, phone_blob = _stored(
            "SELECT id_number_enc, phone_enc FROM people_person WHERE id = %s", person.id
        )
        assert crypto.opened(id_blob, context=b"person.id_number") == (number, True)
        assert crypto.opened(phone_blob, context=b"person.phone") == ("13900139000", True)
    (phone_blob,) = _stored("SELECT phone_enc FROM faculty_teacher WHERE id = %s", teacher.pk)
    assert crypto.opened(phone_blob, context=b"teacher.phone") == ("13700137000", True)
    row = AuditEvent.objects.filter(action="crypto.migrate", object_type="person").last()
    assert row is not None and row.changes["data_key"] == crypto.data_key_id()
    out = io.StringIO()
    call_command("crypto_migrate", "--only", "fields", stdout=out)
    assert "人员 0 人，教师 0 人" in out.getvalue()


def _stored(sql: str, pk: int) -> tuple[bytes, ...]:
    """The ciphertexts as the database holds them (what a backup would hold)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        return tuple(bytes(v) for v in cursor.fetchone())
