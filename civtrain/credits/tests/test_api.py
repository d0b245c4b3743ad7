"""The ledger API through HTTP: per-person entries, single and bulk writes, reversal, scope."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import Role
from civtrain.credits import api as credits
from civtrain.credits.models import LedgerEntry


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def body(**kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "依法行政专题班",
        "date": "2026-04-30",
        "hours": "16",
        "training_type": "thematic",
        "mode": "off_the_job",
        "subject_hours": {"law": "8"},
        "source_ref": "oa:1001",
    }
    data.update(kw)
    return data


@pytest.fixture
def hr_client(hr: Any) -> Client:
    return client_for(hr)


def test_post_single_entry_then_list_it(hr_client: Client, people: dict) -> None:
    p = people["zhang"]
    r = hr_client.post("/api/v1/credits/entries", body(person_id=p.id), "application/json")
    assert r.status_code == 201, r.content
    created = r.json()
    # What was recorded, nothing converted (REQUIREMENTS §8, issue #10 item 6).
    assert (created["hours"], created["days"], created["year"], created["seq"]) == (
        "16.00",
        None,
        2026,
        1,
    )
    again = hr_client.post("/api/v1/credits/entries", body(person_id=p.id), "application/json")
    assert again.status_code == 200 and again.json()["id"] == created["id"]
    listed = hr_client.get(f"/api/v1/credits/people/{p.id}/entries").json()
    assert [(e["title"], e["subject_hours"], e["source_type"]) for e in listed] == [
        ("依法行政专题班", {"law": "8.00"}, "integration")
    ]
    # No rule set governs 2026 here: nothing to convert the days with.
    assert (listed[0]["hours_per_day"], listed[0]["converted_days"]) == (None, None)


def test_validation_errors_are_structured(hr_client: Client, people: dict) -> None:
    r = hr_client.post(
        "/api/v1/credits/entries",
        body(person_id=people["zhang"].id, hours="4", subject_hours={"law": "8"}),
        "application/json",
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "ledger_subject_hours_exceed"
    r = hr_client.post("/api/v1/credits/entries", {"title": "x"}, "application/json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"


def test_unit_hr_of_another_unit_gets_404_everywhere(tree: Any, people: dict, hr: Any) -> None:
    p = people["zhang"]
    entry = credits.credit_entry_record(
        actor=hr,
        person_id=p.id,
        title="初任培训",
        date=dt.date(2026, 2, 1),
        days=Decimal(12),
        training_type="initial",
        mode="off_the_job",
        source_type="manual",
        source_ref="m1",
    )
    other = client_for(testing.make_user(Role.UNIT_HR, tree["U2"]))
    assert other.get(f"/api/v1/credits/people/{p.id}/entries").status_code == 404
    r = other.post("/api/v1/credits/entries", body(person_id=p.id), "application/json")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = other.post(
        f"/api/v1/credits/entries/{entry.id}/reverse", {"reason": "错"}, "application/json"
    )
    assert r.status_code == 404
    assert LedgerEntry.objects.count() == 1


def test_learner_reads_own_record_but_cannot_write(people: dict, hr: Any) -> None:
    from civtrain.accounts.api import User

    p = people["zhang"]
    assert p.user_id is not None
    learner = client_for(User.objects.get(pk=p.user_id))
    assert learner.get(f"/api/v1/credits/people/{p.id}/entries").status_code == 200
    assert learner.get(f"/api/v1/credits/people/{people['li'].id}/entries").status_code == 404
    r = learner.post("/api/v1/credits/entries", body(person_id=p.id), "application/json")
    assert r.status_code == 403
    assert LedgerEntry.objects.count() == 0


def test_bulk_by_id_number_with_per_item_errors(hr_client: Client, tree: Any, people: dict) -> None:
    zhao_id = testing.make_id_number(serial=777)
    zhao = testing.make_person(tree["U1"], "赵六", id_number=zhao_id)
    items = [
        body(id_number=zhao_id, source_ref="oa:1"),
        body(person_id=people["li"].id, source_ref="oa:2", hours=None, days="2"),
        body(id_number="110101199001011237", source_ref="oa:3"),
        body(person_id=people["li"].id, source_ref="oa:4", training_type="nap"),
        body(person_id=people["wang"].id, source_ref="oa:5"),
    ]
    r = hr_client.post("/api/v1/credits/entries/bulk", {"entries": items}, "application/json")
    assert r.status_code == 200, r.content
    data = r.json()
    assert (data["created"], data["existing"], data["failed"]) == (2, 0, 3)
    assert [(i["index"], i["status"]) for i in data["items"]] == [
        (0, "created"),
        (1, "created"),
        (2, "error"),
        (3, "error"),
        (4, "error"),
    ]
    assert data["items"][3]["error"]["message"] == "培训类型“nap”无法识别"
    assert data["items"][4]["error"]["code"] == "not_found"
    assert LedgerEntry.objects.get(source_ref="oa:1").person_id == zhao.id
    li = LedgerEntry.objects.get(source_ref="oa:2")
    assert (li.hours, li.days) == (None, Decimal("2.00"))  # days only, as posted
    replay = hr_client.post(
        "/api/v1/credits/entries/bulk", {"entries": items[:2]}, "application/json"
    ).json()
    assert (replay["created"], replay["existing"]) == (0, 2)


def test_reverse_with_replacement_via_api(hr_client: Client, people: dict) -> None:
    p = people["zhang"]
    first = hr_client.post("/api/v1/credits/entries", body(person_id=p.id), "application/json")
    entry_id = first.json()["id"]
    r = hr_client.post(
        f"/api/v1/credits/entries/{entry_id}/reverse",
        {"reason": "学时应为12", "replacement": body(hours="12", source_ref="oa:1001:fix")},
        "application/json",
    )
    assert r.status_code == 200, r.content
    data = r.json()
    assert (data["reversal"]["hours"], data["replacement"]["hours"]) == ("-16.00", "12.00")
    listed = hr_client.get(f"/api/v1/credits/people/{p.id}/entries").json()
    assert [(e["id"], e["hours"], e["reversed_by_id"]) for e in listed] == [
        (entry_id, "16.00", data["reversal"]["id"]),
        (data["reversal"]["id"], "-16.00", None),
        (data["replacement"]["id"], "12.00", None),
    ]
    again = hr_client.post(
        f"/api/v1/credits/entries/{entry_id}/reverse", {"reason": "再冲"}, "application/json"
    )
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "ledger_entry_already_reversed"


def test_page_and_api_build_the_same_correction(hr: Any, hr_client: Client, people: dict) -> None:
    """#9 item 5: the corrected entry is built by one service (services/corrections.py) for
    the people page and the API; corrected to 12 hours either way, the entries are equal."""
    zhang, li = people["zhang"], people["li"]
    originals = {}
    for p in (zhang, li):
        sent = body(person_id=p.id, evidence="结业证书 2026-17", result="passed", score="91")
        r = hr_client.post("/api/v1/credits/entries", sent, "application/json")
        originals[p.id] = r.json()["id"]
    page = Client()
    page.force_login(hr)
    r = page.post(
        f"/credits/entries/{originals[zhang.id]}/reverse/", {"reason": "学时应为12", "hours": "12"}
    )
    assert r.status_code == 302
    li_original = originals[li.id]
    sent = {
        "title": "依法行政专题班",
        "date": "2026-04-30",
        "training_type": "thematic",
        "mode": "off_the_job",
        "source_ref": f"correction:{li_original}",
        "hours": "12",
    }
    r = hr_client.post(
        f"/api/v1/credits/entries/{li_original}/reverse",
        {"reason": "学时应为12", "replacement": sent},
        "application/json",
    )
    assert r.status_code == 200, r.content
    fields = (
        "title", "date", "start_date", "hours", "days", "training_type", "mode", "result",
        "score", "source_type", "reason", "evidence",
    )  # fmt: skip

    def corrected(person_id: int) -> tuple[dict, dict]:
        entry = LedgerEntry.objects.get(person_id=person_id, source_ref__startswith="correction:")
        assert entry.source_ref == f"correction:{originals[person_id]}"
        subjects = dict(entry.subjects.values_list("subject", "hours"))
        return {f: getattr(entry, f) for f in fields}, subjects

    assert corrected(zhang.id) == corrected(li.id)
    entry, subjects = corrected(li.id)
    # The correction's amounts as given: 12 学时, no days (nothing converted, §8, #10 item 6).
    assert (entry["hours"], entry["days"], entry["source_type"], entry["score"]) == (
        Decimal("12.00"),
        None,
        "manual",
        Decimal("91.00"),
    )
    assert subjects == {"law": Decimal("8.00")}
