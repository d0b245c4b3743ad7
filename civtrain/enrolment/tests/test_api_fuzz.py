"""Schemathesis over the class endpoints: whatever a client sends, never a 5xx, and every
error is structured {"error": {"code", "message", "details"}}."""

import json
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, settings

from civtrain import testing
from civtrain.accounts.api import SYSTEM, api_token_create
from config.api import api
from config.wsgi import application

schema = schemathesis.openapi.from_dict(api.get_openapi_schema()).include(
    path_regex=r"^/api/v1/(catalogue|institutions|teachers|classes|enrolment)"
)


@pytest.fixture(autouse=True)
def _keep_connection() -> Any:
    # Called as a WSGI app, Django closes "old" connections at each request's end, which on
    # PostgreSQL kills the test's transaction; Django's own test client disconnects the same.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(tree: Any, actors: Any) -> str:
    """A city bureau of C1 that organises one class, so detail endpoints find rows."""
    inst = testing.make_institution(tree["C1"])
    testing.make_class(actors["city"], tree["C1"], inst.id)
    testing.make_person(tree["U1"], name="张三")
    return api_token_create(actor=SYSTEM, user=actors["city"], name="fuzz")


def _routed(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


@schema.parametrize()
@settings(
    max_examples=15,
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
    if response.status_code == 404 and not _routed(case.formatted_path):
        return  # a malformed id never reaches the API (Django's own 404 page answers)
    if response.status_code == 405:
        return  # ninja answers a wrong method itself, with an empty body and an Allow header
    if response.status_code >= 400:
        body = json.loads(response.text)
        assert set(body["error"]) == {"code", "message", "details"}
