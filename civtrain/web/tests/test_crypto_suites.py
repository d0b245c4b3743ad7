"""国密 mode (#17 item 5): the security-relevant behaviour of personal-data protection holds
under both suites, and `civtrain crypto-migrate` moves a database from one to the other in
place without losing a number or a lookup. Every test here runs twice: standard and gm."""

import io
from typing import Any

import pytest
from django.core.management import call_command

from civtrain import testing
from civtrain.core import crypto
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
