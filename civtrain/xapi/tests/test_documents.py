"""State, Activity Profile and Agent Profile documents: ETag concurrency, JSON merge on POST,
listing and deleting; Activities and Agents (#13 item 1)."""

import json

import pytest

from civtrain.xapi.tests.conftest import Provider, issue

pytestmark = pytest.mark.django_db

AGENT = json.dumps({"objectType": "Agent", "mbox": "mailto:learner@example.com"})
ACTIVITY = "http://example.com/a/1"
STATE = f"?activityId={ACTIVITY}&agent={AGENT}&stateId=bookmark"
PROFILE = f"?activityId={ACTIVITY}&profileId=settings"


def test_state_put_get_post_merges_and_delete(provider: Provider) -> None:
    assert provider.put("activities/state", {"page": 3}, STATE).status_code == 204
    got = provider.client.get(f"/xapi/activities/state{STATE}", headers=provider.headers())
    assert got.status_code == 200 and got.json() == {"page": 3}
    assert got["ETag"].startswith('"') and got["Last-Modified"]

    # Concurrency in 2.0.0: replacing an existing document needs its ETag.
    assert provider.put("activities/state", {"page": 4}, STATE).status_code == 409
    assert (
        provider.put("activities/state", {"page": 4}, STATE, If_Match='"stale"').status_code == 412
    )
    assert (
        provider.put("activities/state", {"page": 4}, STATE, If_Match=got["ETag"]).status_code
        == 204
    )

    assert provider.post("activities/state", {"score": 80}, STATE).status_code == 204
    merged = provider.client.get(
        f"/xapi/activities/state{STATE}", headers=provider.headers()
    ).json()
    assert merged == {"page": 4, "score": 80}

    listed = provider.client.get(
        f"/xapi/activities/state?activityId={ACTIVITY}&agent={AGENT}", headers=provider.headers()
    )
    assert listed.json() == ["bookmark"]
    assert provider.delete("activities/state", STATE).status_code == 204
    missing = provider.client.get(f"/xapi/activities/state{STATE}", headers=provider.headers())
    assert missing.status_code == 404


def test_version_one_state_put_overwrites_without_etag(provider: Provider) -> None:
    provider.version = "1.0.3"
    assert provider.put("activities/state", {"page": 1}, STATE).status_code == 204
    assert provider.put("activities/state", {"page": 2}, STATE).status_code == 204
    got = provider.client.get(f"/xapi/activities/state{STATE}", headers=provider.headers())
    assert got.json() == {"page": 2}


def test_post_refuses_to_merge_what_is_not_a_json_object(provider: Provider) -> None:
    provider.put("activities/state", b"plain", STATE, content_type="text/plain")
    refused = provider.post("activities/state", {"a": 1}, STATE)
    assert refused.status_code == 400
    assert "merged" in refused.json()["error"]["message"]
    assert (
        provider.post(
            "activities/state", b"[1, 2]", "?" + STATE[1:].replace("bookmark", "other")
        ).status_code
        == 204
    )
    assert (
        provider.post("activities/state", {"a": 1}, STATE.replace("bookmark", "other")).status_code
        == 400
    )


def test_profiles_need_a_precondition_to_be_written(provider: Provider) -> None:
    assert provider.put("activities/profile", {"v": 1}, PROFILE).status_code == 400
    assert (
        provider.put("activities/profile", {"v": 1}, PROFILE, If_None_Match="*").status_code == 204
    )
    assert (
        provider.put("activities/profile", {"v": 2}, PROFILE, If_None_Match="*").status_code == 412
    )
    etag = provider.client.get(f"/xapi/activities/profile{PROFILE}", headers=provider.headers())[
        "ETag"
    ]
    assert provider.delete("activities/profile", PROFILE, If_Match='"nope"').status_code == 412
    assert provider.delete("activities/profile", PROFILE, If_Match=etag).status_code == 204

    agent_profile = f"?agent={AGENT}&profileId=prefs"
    assert provider.post("agents/profile", {"lang": "zh"}, agent_profile).status_code == 204
    got = provider.client.get(f"/xapi/agents/profile{agent_profile}", headers=provider.headers())
    assert got.json() == {"lang": "zh"}


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("activities/state", f"?agent={AGENT}&stateId=x", "activityId"),
        ("activities/state", f"?activityId={ACTIVITY}&stateId=x", "agent"),
        ("activities/state", f"?activityId=nope&agent={AGENT}&stateId=x", "IRI"),
        (
            "activities/state",
            f"?activityId={ACTIVITY}&agent={AGENT}&stateId=x&registration=r",
            "UUID",
        ),
        ("activities/state", f'?activityId={ACTIVITY}&agent={{"name":"x"}}&stateId=x', "Agent"),
        ("activities/state", f"?activityId={ACTIVITY}&agent={AGENT}", "stateId"),
        ("agents/profile", "?profileId=x", "agent"),
        ("activities/profile", f"{PROFILE}&colour=red", "colour"),
    ],
)
def test_malformed_document_requests(
    provider: Provider, path: str, params: str, named: str
) -> None:
    response = provider.put(path, {"v": 1}, params, If_None_Match="*")
    assert response.status_code == 400
    assert named in response.json()["error"]["message"]


def test_documents_are_private_to_their_credential(provider: Provider, tree: dict) -> None:
    provider.put("activities/state", {"page": 3}, STATE)
    other = issue(tree["C1"], "另一厂商")
    assert (
        other.client.get(f"/xapi/activities/state{STATE}", headers=other.headers()).status_code
        == 404
    )


def test_agents_resource_returns_a_person(provider: Provider) -> None:
    person = provider.get("agents", {"agent": AGENT}).json()
    assert person == {"objectType": "Person", "mbox": ["mailto:learner@example.com"]}
    assert provider.get("agents").status_code == 400
    assert provider.get("activities").status_code == 400
