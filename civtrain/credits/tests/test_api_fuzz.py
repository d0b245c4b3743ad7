"""Schemathesis over the ledger endpoints: whatever a client sends, never a 5xx, and every
error is structured {"error": {"code", "message", "details"}}."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from civtrain import testing
from civtrain.accounts.api import SYSTEM, api_token_create
from civtrain.credits import api as credits
from config.api import api
from config.wsgi import application

schema = schemathesis.openapi.from_dict(api.get_openapi_schema()).include(
    path_regex=r"^/api/v1/credits"
)


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Any:
    """Calling the WSGI app directly fires request_finished, whose close_old_connections
    would close the test transaction's connection on PostgreSQL; Django's test Client
    disconnects it the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(tree: Any, actors: Any) -> str:
    """A city bureau of C1 with one person holding one entry, so id paths can hit rows."""
    person = testing.make_person(tree["U1"], name="张三")
    credits.credit_entry_record(
        actor=actors["city"],
        person_id=person.id,
        title="初任培训",
        date=dt.date(2026, 1, 5),
        hours=Decimal(8),
        training_type="initial",
        mode="off_the_job",
        source_type="manual",
        source_ref="fuzz",
    )
    return api_token_create(actor=SYSTEM, user=actors["city"], name="fuzz")


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
    # 405 (a method the path does not have) is answered by ninja's router with no body.
    if response.status_code >= 400 and response.status_code != 405:
        body = json.loads(response.text)
        assert set(body["error"]) == {"code", "message", "details"}
