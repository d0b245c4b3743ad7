"""The bureaus' pages (#13 items 2–3): credentials created, rotated and revoked with the
secret shown once; unknown actors listed and matched to a learner by login."""

from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.xapi import selectors
from civtrain.xapi.tests.conftest import Provider, issue, statement

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_district_bureau_creates_rotates_and_revokes_a_credential(actors: dict[str, Any]) -> None:
    client = _client(actors["district"])
    page = client.post("/xapi/credentials/", {"name": "课件厂商甲", "org_code": "U1"})
    assert page.status_code == 200
    issued = page.context["issued"]
    assert issued.secret in page.content.decode()
    assert Provider(issued.credential.key, issued.secret).get("statements").status_code == 200

    again = client.get("/xapi/credentials/")
    assert issued.secret not in again.content.decode()
    assert issued.credential.key in again.content.decode()

    rotated = client.post(f"/xapi/credentials/{issued.credential.id}/rotate/").context["issued"]
    assert rotated.secret != issued.secret and rotated.credential.key == issued.credential.key
    client.post(f"/xapi/credentials/{issued.credential.id}/revoke/")
    selectors.cache_clear()
    assert Provider(rotated.credential.key, rotated.secret).get("statements").status_code == 401


def test_other_roles_and_other_subtrees_are_refused(actors: dict[str, Any], tree: Any) -> None:
    assert _client(actors["unit_hr"]).get("/xapi/credentials/").status_code == 403
    assert _client(actors["unit_hr"]).get("/xapi/unknown-actors/").status_code == 403
    theirs = issue(tree["D2"])
    # A node outside the district is refused by the picker (#11 item 3), as by the service.
    page = _client(actors["district"]).post(
        "/xapi/credentials/", {"name": "越权", "org_code": "D2"}, follow=True
    )
    assert "该单位不存在或不在您的管辖范围内" in page.content.decode()
    assert "越权" not in page.content.decode()
    assert "越权" not in [c.name for c in selectors.credential_list(actor=actors["city"])]
    listed = _client(actors["district"]).get("/xapi/credentials/").content.decode()
    assert theirs.key not in listed


def test_the_credential_node_is_picked_by_name(actors: dict[str, Any], tree: Any) -> None:
    """#11 item 3: the node is chosen with the type-ahead picker (its name, not a code box)."""
    client = _client(actors["district"])  # bound to D1 (渝中区)
    html = client.get("/xapi/credentials/").content.decode()
    assert 'data-picker="/orgs/pick/?purpose=bureau' in html
    assert 'id="cred-org_code"' in html
    found = client.get("/orgs/pick/", {"purpose": "bureau", "q": "人力社保"}).json()["results"]
    assert [(r["value"], r["label"]) for r in found] == [("U1", "渝中区人力社保局")]
    # Without JavaScript the box submits what was typed: the exact name does as well.
    page = client.post("/xapi/credentials/", {"name": "课件厂商乙", "org_code": "渝中区人力社保局"})
    assert page.status_code == 200
    assert page.context["issued"].credential.org_id == tree["U1"].id


def test_an_unknown_actor_is_matched_by_login_on_the_page(
    actors: dict[str, Any], tree: Any
) -> None:
    provider = issue(tree["D1"])
    stranger = {
        "objectType": "Agent",
        "account": {"homePage": "https://vendor.example/", "name": "v-7"},
    }
    provider.post("statements", statement(actor=stranger, result={"duration": "PT25M"}))
    client = _client(actors["district"])
    page = client.get("/xapi/unknown-actors/")
    assert "v-7" in page.content.decode()
    assert "PT25M" in client.get("/xapi/credentials/").content.decode()

    person = testing.make_person(tree["U1"], name="李四")
    login = User.objects.get(pk=person.user_id).username
    [row] = page.context["rows"]
    response = client.post(f"/xapi/unknown-actors/{row.id}/map/", {"login": login}, follow=True)
    assert "李四" in response.content.decode()
    assert client.get("/xapi/unknown-actors/").context["rows"] == []
    missing = client.post(f"/xapi/unknown-actors/{row.id}/map/", {"login": "nobody"})
    assert missing.status_code == 404
