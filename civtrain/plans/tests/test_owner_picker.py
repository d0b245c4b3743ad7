"""Whose annual plan or self-check is begun is picked by name (#11 item 3, ZZ-O1, ZZ-O2): a
type-ahead offering exactly the nodes the service lets the actor file for — an HR officer's
units, a bureau's own node — instead of a flat <select>."""

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import Role
from civtrain.core import clock
from civtrain.plans.models import AnnualPlan, SelfCheck

pytestmark = pytest.mark.django_db

SPRING = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.TZ)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _picks(client: Client, q: str) -> list[str]:
    response = client.get("/orgs/pick/", {"q": q, "purpose": "plan"})
    return [r["value"] for r in response.json()["results"]]


@pytest.mark.parametrize("page", ["/plans/", "/plans/self-checks/"])
def test_the_pages_draw_a_picker_not_a_list(page: str, tree: dict, actors: dict[str, Any]) -> None:
    clock.freeze(SPRING)
    html = _client(actors["unit_hr"]).get(page).content.decode()
    assert 'data-picker="/orgs/pick/?purpose=plan' in html
    assert re.search(r'<input[^>]*name="org_id"', html)
    assert not re.search(r'<select[^>]*name="org_id"', html)


def test_the_picker_offers_what_the_actor_files_for(tree: dict, actors: dict[str, Any]) -> None:
    hr = _client(actors["unit_hr"])  # bound to U1, which has the department U1-1
    assert _picks(hr, "") == ["U1"]  # the unit, not its department
    assert _picks(hr, "办公室") == []
    district = _client(actors["district"])  # bound to D1
    assert _picks(district, "渝中") == ["D1"]  # its own node, not the units it reviews
    assert _picks(_client(actors["city"]), "") == ["C1"]
    assert _picks(_client(actors["institution"]), "") == []
    assert _picks(_client(testing.make_user(Role.LEARNER, tree["U1"])), "") == []


def test_a_plan_is_begun_for_a_unit_named_and_refused_outside(
    tree: dict, actors: dict[str, Any]
) -> None:
    clock.freeze(SPRING)
    hr = _client(actors["unit_hr"])
    # Without JavaScript the box submits what was typed: the unit's exact name does.
    response = hr.post("/plans/open/", {"org_id": "渝中区人力社保局", "year": "2026"})
    plan = AnnualPlan.objects.get(year=2026)
    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.pk}/"
    assert plan.org_id == tree["U1"].id

    district = _client(actors["district"])
    page = district.post("/plans/open/", {"org_id": "U1", "year": "2027"}, follow=True)
    assert "该单位不存在或不在您的管辖范围内" in page.content.decode()
    assert not AnnualPlan.objects.filter(year=2027).exists()
    page = district.post("/plans/open/", {"org_id": "", "year": "2027"}, follow=True)
    assert page.status_code == 200 and not AnnualPlan.objects.filter(year=2027).exists()
    response = district.post("/plans/open/", {"org_id": "D1", "year": "2027"})
    assert AnnualPlan.objects.get(year=2027).org_id == tree["D1"].id


def test_a_self_check_is_begun_for_a_unit_named(tree: dict, actors: dict[str, Any]) -> None:
    clock.freeze(SPRING)
    hr = _client(actors["unit_hr"])
    response = hr.post(
        "/plans/self-checks/?year=2026",
        {"org_id": "U1", "kind": "annual", "year_from": "2026"},
    )
    check = SelfCheck.objects.get()
    assert response["Location"] == f"/plans/self-checks/{check.pk}/"
    assert check.org_id == tree["U1"].id
    page = _client(actors["district"]).post(
        "/plans/self-checks/?year=2026",
        {"org_id": "U1", "kind": "annual", "year_from": "2026"},
        follow=True,
    )
    assert "该单位不存在或不在您的管辖范围内" in page.content.decode()
    assert SelfCheck.objects.count() == 1
