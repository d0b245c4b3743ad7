"""schemathesis over the WHOLE OpenAPI schema of /api/v1/ (#8 item 11, "must show"), as a
city bureau (the most powerful role) and as a learner, on the demo dataset in a real
database: no server error, every status code, content type and body as documented.

The schema is loaded from the served /api/v1/openapi.json through the WSGI app, and every
request goes through the same WSGI app with a bearer token: middleware, auth, scoping and the
error handlers all run. The demo data (60 people, the two cities, classes, ledger, rule sets)
is built once per module (per xdist worker) in an outer transaction; each operation's test
runs in a savepoint inside it, so its writes are undone before the next.

Bounded: a fixed number of examples per operation and phase, derandomised, so a run takes a
few minutes on two cores and a failure reproduces.
"""

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from civtrain.accounts.api import SYSTEM, api_token_create
from civtrain.core import clock
from civtrain.demo.steps import DemoContext, run_all
from config.wsgi import application

AS_OF = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=clock.TZ)

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "max-examples": 8,
            "deterministic": True,
            # A NUL is refused anywhere in a request, even in the name of a property the
            # endpoint ignores (config.api._json_guard, a documented 422); JSON Schema cannot
            # say that of undeclared keys, so positive data would "fail" on it.
            "allow-x00": False,
        },
        # The stateful phase chains operations by inferred links; the writes it would make
        # are covered by the fuzzing phase here, and it would multiply the run time.
        "phases": {"stateful": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)

# The API's own field-level refusals (a domain rule with the field named) carry the error
# code as the type; pydantic's carry its error types. "value_error" is one of our validators
# (an ID number's check digit, an unknown rank): a rule JSON Schema cannot state.
# "control_characters": the input guard refuses C0/C1 controls in every text field of every
# request (#8 item 6, web/input_guard.py, a documented 422), as config.api refuses a NUL.
DOMAIN_FIELD_TYPES = {"value_error", "validation_error", "assertion_error", "control_characters"}


def schema_describes_the_parser(ctx: Any, response: Any, case: Any) -> bool | None:
    """Data generated to be valid must never fail the request parser: a pydantic refusal
    (wrong type, length, format, number of digits) means the schema promised more than the
    API accepts ("valid requests rejected"). Refusals by the domain (a state, a rule across
    fields, a missing object) are answers, not schema errors."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    body = json.loads(response.content)
    fields = body["error"]["details"].get("fields", [])
    parser = [f for f in fields if f["type"] not in DOMAIN_FIELD_TYPES]
    assert not parser, f"schema-valid request refused by the parser: {parser}"
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def tokens(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, str]]:
    """The demo dataset and a bearer token for each role, for the whole module."""
    # Called as a WSGI app, Django closes "old" connections when a request ends, which would
    # end the outer transaction; Django's test client disconnects the same signal.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            clock.freeze(NOW)
            ctx = run_all(DemoContext(seed=1, people=60, as_of=AS_OF))
            users = get_user_model().objects
            learner = next(a.username for a in ctx.accounts if a.username.startswith("gwy"))
            yield {
                role: api_token_create(
                    actor=SYSTEM, user=users.get(username=username), name="schemathesis"
                )
                for role, username in (("city", "cq_city"), ("learner", learner))
            }
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _demo_day(settings: Any) -> None:
    # Jobs run inline: a job thread would not see the test transaction's rows.
    settings.CIVTRAIN_JOBS_INLINE = True
    clock.freeze(NOW)


@pytest.mark.parametrize("role", ["city", "learner"])
@schema.parametrize()
@settings(
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
def test_whole_api_conforms_to_its_schema(
    case: Any, role: str, tokens: dict[str, str], db: Any
) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {tokens[role]}"},
        checks=CHECKS,
        additional_checks=[schema_describes_the_parser],
    )
