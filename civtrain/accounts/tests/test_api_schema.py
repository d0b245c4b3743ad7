"""Property-based run of schemathesis over /api/v1/openapi.json: whatever a client sends to
the org, people and /me endpoints, the answer is never a 5xx and every error is structured."""

import json
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from civtrain import testing
from civtrain.accounts.api import SYSTEM, Role, api_token_create
from config.api import api
from config.wsgi import application

schema = schemathesis.openapi.from_dict(api.get_openapi_schema()).include(
    path_regex=r"^/api/v1/(orgs|people|me)"
)


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Any:
    """The WSGI app starts and ends each request by closing "old" connections, which would drop the
    test's open transaction on PostgreSQL; Django's own test client suspends that too."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def token(tree: Any) -> str:
    """A city bureau of C1 with people in its subtree, so detail endpoints find rows."""
    testing.make_person(tree["U1"], name="张三")
    testing.make_person(tree["U2"], name="李四")
    user = testing.make_user(Role.CITY_BUREAU, tree["C1"])
    return api_token_create(actor=SYSTEM, user=user, name="fuzz")


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_server_errors(case: Any, token: str) -> None:
    response = case.call(app=application, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/json"), (
            response.status_code,
            case.method,
            case.formatted_path,
            response.text[:300],
        )
        body = json.loads(response.text)
        assert set(body["error"]) == {"code", "message", "details"}
