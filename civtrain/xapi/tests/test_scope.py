"""Credentials and scope (#13 items 2 and 3): a provider bound to a subtree writes only about
learners in it, reads only what it wrote; unknown actors are kept for a person to map;
credentials are created, rotated and revoked by the bureaus of their subtree."""

import base64
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from civtrain import testing
from civtrain.accounts.api import SYSTEM, User
from civtrain.core.errors import NotFound, PermissionDenied
from civtrain.xapi import api, selectors, services
from civtrain.xapi.tests.conftest import Provider, issue, statement

pytestmark = pytest.mark.django_db

HOMEPAGE = "https://civtrain.gov.cn/"


def _login_actor(person: Any) -> dict[str, Any]:
    username = User.objects.get(pk=person.user_id).username
    return {"objectType": "Agent", "account": {"homePage": HOMEPAGE, "name": username}}


def test_a_district_provider_writes_about_its_own_learners_only(tree: Any) -> None:
    mine = testing.make_person(tree["U1"], name="渝中学员")  # U1 is in D1
    theirs = testing.make_person(tree["U2"], name="江北学员")  # U2 is in D2
    provider = issue(tree["D1"])

    ok = provider.post("statements", statement(actor=_login_actor(mine)))
    assert ok.status_code == 200
    refused = provider.post("statements", statement(actor=_login_actor(theirs)))
    assert refused.status_code == 403
    assert "learner" in refused.json()["error"]["message"]
    batch = [statement(actor=_login_actor(mine)), statement(actor=_login_actor(theirs))]
    assert provider.post("statements", batch).status_code == 403
    assert len(provider.get("statements").json()["statements"]) == 1  # nothing of the batch


def test_a_learner_is_matched_by_registered_address_and_its_sha1(tree: Any) -> None:
    person = testing.make_person(tree["U1"])
    User.objects.filter(pk=person.user_id).update(email="Learner@Example.com")
    outsider = issue(tree["U2"])
    assert outsider.post("statements", statement()).status_code == 403  # mbox of a U1 learner
    sha1 = {"objectType": "Agent", "mbox_sha1sum": "e7c16eaf7a2ae2d5b5c6b5b5f3a9e3c5a1b2c3d4"}
    assert outsider.post("statements", statement(actor=sha1)).status_code == 200  # nobody's
    import hashlib

    digest = hashlib.sha1(b"mailto:learner@example.com").hexdigest()  # noqa: S324
    selectors.cache_clear()
    mine = {"objectType": "Agent", "mbox_sha1sum": digest}
    assert outsider.post("statements", statement(actor=mine)).status_code == 403


def test_unknown_actors_are_kept_listed_and_mapped(tree: Any, actors: dict[str, Any]) -> None:
    provider = issue(tree["D1"])
    stranger = {
        "objectType": "Agent",
        "account": {"homePage": "https://vendor.example/", "name": "u42"},
    }
    provider.post("statements", statement(actor=stranger))
    provider.post("statements", statement(actor=stranger))

    listed = selectors.unknown_actor_list(actor=actors["district"])
    assert [(u.actor["account"]["name"], u.statements) for u in listed] == [("u42", 2)]
    assert selectors.unknown_actor_list(actor=actors["other_city"]) == []

    person = testing.make_person(tree["U1"])
    other_district = testing.make_person(tree["U2"])
    with pytest.raises(PermissionDenied):
        services.actor_map(
            actor=actors["city"], unknown_id=listed[0].id, person_id=other_district.id
        )
    with pytest.raises(NotFound):
        services.actor_map(actor=actors["other_city"], unknown_id=listed[0].id, person_id=person.id)
    count = services.actor_map(
        actor=actors["district"], unknown_id=listed[0].id, person_id=person.id
    )
    assert count == 2
    assert selectors.unknown_actor_list(actor=actors["district"]) == []
    assert selectors.actor_person(stranger) == selectors.MatchedPerson(person.id, person.unit_path)


def test_credential_command_prints_key_and_secret_once(tree: Any) -> None:
    out = StringIO()
    call_command("xapi_credential", "create", "培训平台甲", "--org", "D1", "--json", stdout=out)
    issued = json.loads(out.getvalue())
    assert set(issued) == {"key", "secret"} and len(issued["secret"]) >= 40
    provider = Provider(issued["key"], issued["secret"])
    assert provider.get("statements").status_code == 200
    listing = StringIO()
    call_command("xapi_credential", "list", stdout=listing)
    assert issued["key"] in listing.getvalue() and issued["secret"] not in listing.getvalue()


def test_rotation_and_revocation(tree: Any, actors: dict[str, Any]) -> None:
    issued = api.credential_create(actor=actors["district"], name="厂商", org_code="U1")
    old = Provider(issued.credential.key, issued.secret)
    sid = old.post("statements", statement()).json()[0]

    rotated = services.credential_rotate(
        actor=actors["district"], credential_id=issued.credential.id
    )
    selectors.cache_clear()
    assert old.get("statements").status_code == 401
    new = Provider(rotated.credential.key, rotated.secret)
    assert new.get("statements", {"statementId": sid}).status_code == 200  # same provider

    with pytest.raises(NotFound):
        services.credential_revoke(actor=actors["other_city"], credential_id=issued.credential.id)
    services.credential_revoke(actor=actors["district"], credential_id=issued.credential.id)
    selectors.cache_clear()
    assert new.get("statements").status_code == 401


def test_a_credential_outlives_a_switch_of_hash_key_or_suite_while_the_old_key_is_read(
    tree: Any, settings: Any
) -> None:
    """ADR 0003, "Key rotation": the secret is not kept, so crypto-migrate cannot rehash it;
    a provider keeps writing after the switch until its old hash key is dropped."""
    provider = issue(tree["C1"])
    old_key = settings.CIVTRAIN_HASH_KEY
    settings.CIVTRAIN_HASH_KEY = base64.b64encode(b"h" * 32).decode()
    settings.CIVTRAIN_HASH_KEY_PREVIOUS = [old_key]
    settings.CIVTRAIN_CRYPTO_SUITE = "gm"
    selectors.cache_clear()
    assert provider.post("statements", statement()).status_code == 200
    settings.CIVTRAIN_HASH_KEY_PREVIOUS = []
    selectors.cache_clear()
    assert provider.get("statements").status_code == 401


def test_only_bureaus_create_credentials_inside_their_subtree(
    tree: Any, actors: dict[str, Any]
) -> None:
    with pytest.raises(PermissionDenied):
        api.credential_create(actor=actors["unit_hr"], name="厂商", org_code="U1")
    with pytest.raises(PermissionDenied):
        api.credential_create(actor=actors["district"], name="厂商", org_code="D2")
    assert api.credential_create(actor=SYSTEM, name="厂商", org_code="C2").secret
