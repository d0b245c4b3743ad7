"""Issue 8 item 2: the entry endpoints answer alike for an ID number registered outside the
caller's scope and one registered nowhere (status, code, message, details)."""

from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.credits.models import LedgerEntry
from civtrain.credits.tests.test_api import body, client_for

UNKNOWN = testing.make_id_number(serial=901)


@pytest.fixture
def foreign(tree: Any) -> str:
    """An ID number registered in U2 (江北区), outside the U1 officer's scope."""
    number = testing.make_id_number(serial=902)
    testing.make_person(tree["U2"], "江北某", id_number=number)
    return number


@pytest.mark.parametrize(
    "extra",
    [
        {},  # a valid record
        {"hours": "4", "subject_hours": {"law": "8"}},  # and one the ledger would refuse
    ],
)
def test_single_entry_answers_alike(hr: Any, foreign: str, extra: dict[str, Any]) -> None:
    client: Client = client_for(hr)
    answers = [
        client.post("/api/v1/credits/entries", body(id_number=number, **extra), "application/json")
        for number in (foreign, UNKNOWN)
    ]
    assert [a.status_code for a in answers] == [404, 404]
    assert (
        answers[0].json()
        == answers[1].json()
        == {
            "error": {
                "code": "not_found",
                "message": "人员不存在或不在您的管辖范围内",
                "details": {},
            }
        }
    )
    assert LedgerEntry.objects.count() == 0


def test_bulk_items_answer_alike(hr: Any, tree: Any, foreign: str) -> None:
    wang = testing.make_person(tree["U2"], "王五")
    items = [
        body(id_number=foreign, source_ref="oa:1"),
        body(id_number=UNKNOWN, source_ref="oa:2"),
        body(person_id=wang.id, source_ref="oa:3"),  # out of scope by person id
    ]
    r = client_for(hr).post("/api/v1/credits/entries/bulk", {"entries": items}, "application/json")
    assert r.status_code == 200, r.content
    data = r.json()
    assert (data["created"], data["failed"]) == (0, 3)
    errors = [(i["status"], i["error"]) for i in data["items"]]
    assert (
        errors
        == [("error", {"code": "not_found", "message": "人员不存在或不在您的管辖范围内"})] * 3
    )
    assert LedgerEntry.objects.count() == 0
