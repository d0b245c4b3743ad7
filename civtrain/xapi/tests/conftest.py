"""An activity provider talking to /xapi/ through the test client (#13)."""

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from civtrain.accounts.api import SYSTEM
from civtrain.organisations.api import OrgNodeData
from civtrain.xapi import api
from civtrain.xapi.selectors import cache_clear

VERB_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VERB_ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"


class Provider:
    """HTTP Basic as one credential, X-Experience-API-Version as `version`."""

    def __init__(self, key: str, secret: str, version: str = "2.0.0") -> None:
        self.client = Client()
        self.auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
        self.version = version
        self.key = key

    def headers(self, **extra: str) -> dict[str, str]:
        headers = {"Authorization": self.auth, "X-Experience-API-Version": self.version}
        headers.update(extra)
        return headers

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(f"/xapi/{path}", params or {}, headers=self.headers(**headers))

    def post(
        self,
        path: str,
        body: Any,
        params: str = "",
        content_type: str = "application/json",
        **headers: str,
    ) -> Any:
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        return self.client.post(
            f"/xapi/{path}{params}",
            data,
            content_type=content_type,
            headers=self.headers(**headers),
        )

    def put(
        self,
        path: str,
        body: Any,
        params: str = "",
        content_type: str = "application/json",
        **headers: str,
    ) -> Any:
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        return self.client.put(
            f"/xapi/{path}{params}",
            data,
            content_type=content_type,
            headers=self.headers(**headers),
        )

    def delete(self, path: str, params: str = "", **headers: str) -> Any:
        return self.client.delete(f"/xapi/{path}{params}", headers=self.headers(**headers))


def statement(
    verb: str = VERB_ATTEMPTED, activity: str = "http://example.com/a/1", **fields: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "actor": {"objectType": "Agent", "mbox": "mailto:learner@example.com", "name": "某学员"},
        "verb": {"id": verb, "display": {"zh-CN": "动作", "en-US": "verb"}},
        "object": {"objectType": "Activity", "id": activity},
    }
    body.update(fields)
    return body


def issue(org: OrgNodeData, name: str = "课件厂商") -> Provider:
    issued = api.credential_create(actor=SYSTEM, name=name, org_code=org.code)
    return Provider(issued.credential.key, issued.secret)


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    cache_clear()
    yield
    cache_clear()


@pytest.fixture
def provider(tree: dict[str, OrgNodeData]) -> Provider:
    return issue(tree["C1"])
