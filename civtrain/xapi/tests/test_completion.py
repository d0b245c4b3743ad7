"""A course bound to an activity IRI is completed by `completed`/`passed` statements through
the one completion path (#13 item 3): exactly one ledger entry however often the statement is
re-sent, hours from the course and never from the statement's claims."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.core import clock
from civtrain.credits.api import entry_rows
from civtrain.learning import api as learning_api
from civtrain.xapi.tests.conftest import VERB_ATTEMPTED, VERB_COMPLETED, issue, statement

pytestmark = pytest.mark.django_db

IRI = "https://vendor.example/xapi/courses/constitution"
PASSED = "http://adlnet.gov/expapi/verbs/passed"


@pytest.fixture
def learner(tree: Any) -> dict[str, Any]:
    clock.freeze(dt.datetime(2026, 6, 1, 10, 0, tzinfo=clock.TZ))
    person = testing.make_person(tree["U1"], name="王五")
    login = User.objects.get(pk=person.user_id).username
    return {
        "person": person,
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "https://civtrain.gov.cn/", "name": login},
        },
    }


def _bound_course(actors: dict[str, Any]) -> Any:
    return learning_api.course_create(
        actor=actors["city"], title="宪法学习（外部课件）", org_code="C1", kind="xapi",
        hours=Decimal("2"), activity_iri=IRI,
    )  # fmt: skip


def test_completed_statement_writes_one_ledger_entry_with_the_courses_hours(
    tree: Any, actors: dict[str, Any], learner: dict[str, Any]
) -> None:
    _bound_course(actors)
    provider = issue(tree["D1"])
    claim = statement(verb=VERB_COMPLETED, activity=IRI, actor=learner["actor"])
    claim["result"] = {"completion": True, "duration": "PT40H"}  # claims 40 hours
    for _ in range(3):
        assert provider.post("statements", claim).status_code == 200
    assert provider.post("statements", dict(claim, verb={"id": PASSED})).status_code == 200

    entries = list(entry_rows().filter(person_id=learner["person"].id).values("hours", "mode"))
    assert entries == [{"hours": Decimal("2.0"), "mode": "online"}]


def test_other_verbs_unbound_activities_and_unknown_actors_credit_nothing(
    tree: Any, actors: dict[str, Any], learner: dict[str, Any]
) -> None:
    _bound_course(actors)
    provider = issue(tree["D1"])
    provider.post(
        "statements", statement(verb=VERB_ATTEMPTED, activity=IRI, actor=learner["actor"])
    )
    provider.post(
        "statements",
        statement(
            verb=VERB_COMPLETED, activity="https://vendor.example/other", actor=learner["actor"]
        ),
    )
    provider.post("statements", statement(verb=VERB_COMPLETED, activity=IRI))  # unknown actor
    assert entry_rows().filter(person_id=learner["person"].id).count() == 0


def test_mapping_an_unknown_actor_completes_the_courses_it_finished(
    tree: Any, actors: dict[str, Any], learner: dict[str, Any]
) -> None:
    from civtrain.xapi import selectors, services

    _bound_course(actors)
    provider = issue(tree["D1"])
    stranger = {
        "objectType": "Agent",
        "account": {"homePage": "https://vendor.example/", "name": "w5"},
    }
    provider.post("statements", statement(verb=VERB_COMPLETED, activity=IRI, actor=stranger))
    assert entry_rows().filter(person_id=learner["person"].id).count() == 0
    [row] = selectors.unknown_actor_list(actor=actors["district"])
    services.actor_map(actor=actors["district"], unknown_id=row.id, person_id=learner["person"].id)
    assert entry_rows().filter(person_id=learner["person"].id).count() == 1
