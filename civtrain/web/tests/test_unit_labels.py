"""Units by the label people recognise on the class pages and the person page (#11 item 3):
a department with its unit ("渝中区人力社保局 · 办公室"), never its bare name, code or id."""

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import SYSTEM
from civtrain.classes.api import ClassStatus, class_transition
from civtrain.core import clock
from civtrain.enrolment.api import nominations_create
from civtrain.organisations.api import OrgKind, org_create

pytestmark = pytest.mark.django_db

OFFICE = "渝中区人力社保局 · 办公室"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _cells(html: str, css_class: str) -> list[str]:
    found = re.findall(rf'<td class="[^"]*\b{css_class}\b[^"]*">(.*?)</td>', html, re.S)
    return [re.sub(r"\s+", " ", c).strip() for c in found]


@pytest.fixture
def office_class(tree: dict, actors: dict[str, Any]) -> Any:
    """An open class organised by U1's 办公室 (a department) with one trainee of that 办公室."""
    clock.freeze(dt.datetime(2026, 2, 2, 9, 0, tzinfo=clock.TZ))
    institution = testing.make_institution(tree["C1"])
    tc = testing.make_class(actors["city"], tree["U1-1"], institution.id, title="办公室业务培训班")
    testing.make_class(actors["city"], tree["U2"], institution.id, title="司法业务培训班")
    class_transition(actor=actors["city"], class_id=tc.id, to=ClassStatus.OPEN)
    person = testing.make_person(tree["U1-1"], name="陈办公")
    nominations_create(actor=actors["unit_hr"], class_id=tc.id, person_ids=[person.id])
    return tc


def test_class_list_names_each_organiser_by_its_label(
    office_class: Any, actors: dict[str, Any]
) -> None:
    html = _client(actors["city"]).get("/classes/").content.decode()
    assert sorted(_cells(html, "class-organiser")) == sorted([OFFICE, "江北区司法局"])


def test_roster_and_nomination_name_the_trainees_units_by_their_labels(
    office_class: Any, actors: dict[str, Any]
) -> None:
    hr = _client(actors["unit_hr"])
    roster = hr.get(f"/enrolment/classes/{office_class.id}/roster/").content.decode()
    assert _cells(roster, "roster-unit") == [OFFICE]
    nominate = hr.get(f"/enrolment/classes/{office_class.id}/nominate/").content.decode()
    assert _cells(nominate, "nominee-unit") == [OFFICE]


def test_career_events_name_units_and_a_transfers_origin_by_their_labels(
    tree: dict, actors: dict[str, Any]
) -> None:
    org_create(actor=SYSTEM, code="U2-1", name="办公室", kind=OrgKind.DEPARTMENT, parent_code="U2")
    person = testing.make_person(tree["U1-1"], name="调动者")
    city = _client(actors["city"])
    response = city.post(
        f"/people/{person.id}/events/",
        {"kind": "transfer", "date": "2025-03-01", "unit": "U2-1"},
    )
    assert response.status_code == 302
    html = city.get(f"/people/{person.id}/").content.decode()
    events = html[html.index('id="career-events"') :]
    shown = [
        re.sub(r"\s+", " ", u).strip()
        for u in re.findall(r'class="event-unit">(.*?)</span>', events, re.S)
    ]
    # The transfer from one 办公室 to the other says which is which.
    assert f"{OFFICE} → 江北区司法局 · 办公室" in shown
    assert "U2-1" not in events and f">{tree['U1-1'].id}<" not in events
