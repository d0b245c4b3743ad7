"""The self-check endpoints (ZZ-O2, CQ-O1, #16 item 7) at /api/v1/plans/self-checks: a unit's
system submits its own report with its text; the bureau above lists and reads the reports in
its scope. Out of scope answers like missing (404); a learner is refused (403); malformed
input is a structured 4xx."""

import datetime as dt
from typing import Any

import pytest

from civtrain import testing
from civtrain.accounts.api import Role, User
from civtrain.core import clock
from civtrain.plans import selfchecks
from civtrain.testing import ApiCaller

pytestmark = pytest.mark.django_db

NEW_YEAR = dt.datetime(2027, 1, 10, 10, 0, tzinfo=clock.TZ)
TEXT = {"achievements": "完成年度计划", "problems": "实施率低", "measures": "加快实施"}


@pytest.fixture
def world(tree: dict, actors: dict[str, Any]) -> dict[str, Any]:
    """U1's annual self-check of 2026 (a draft) and 郑州's unit's, out of everyone's scope."""
    clock.freeze(NEW_YEAR)
    own = selfchecks.selfcheck_open(
        actor=actors["unit_hr"], org_id=tree["U1"].id, kind="annual", year_from=2026, year_to=2026
    )
    other_hr = testing.make_user(Role.UNIT_HR, tree["U3"])
    other = selfchecks.selfcheck_open(
        actor=other_hr, org_id=tree["U3"].id, kind="annual", year_from=2026, year_to=2026
    )
    learner = User.objects.get(pk=testing.make_person(tree["U1"], name="学员甲").user_id)
    return {"own": own, "other": other, "learner": learner, **actors}


def test_the_unit_submits_its_report_and_the_district_reads_it(world: dict[str, Any]) -> None:
    hr, district = ApiCaller(world["unit_hr"]), ApiCaller(world["district"])
    status, [listed] = hr("GET", "/plans/self-checks?year=2026")
    assert status == 200 and listed["org_name"] == "渝中区人力社保局"
    assert (listed["kind"], listed["status"]) == ("annual", "draft")
    status, detail = hr("GET", f"/plans/self-checks/{listed['id']}")
    assert status == 200 and detail["can_submit"] is True
    assert [f["year"] for f in detail["figures"]] == [2026]
    status, done = hr("POST", f"/plans/self-checks/{listed['id']}/submit", TEXT)
    assert status == 200 and done["status"] == "submitted" and done["can_submit"] is False
    assert done["problems"] == "实施率低" and done["submitted_at"]
    # The bureau above reads it, and may not submit it in the unit's place.
    status, [seen] = district("GET", "/plans/self-checks?year=2026")
    assert status == 200 and seen["status"] == "submitted"
    status, read = district("GET", f"/plans/self-checks/{listed['id']}")
    assert status == 200 and read["measures"] == "加快实施" and read["can_submit"] is False
    # Submitted once: a second submission is refused with the reason.
    status, err = hr("POST", f"/plans/self-checks/{listed['id']}/submit", TEXT)
    assert status == 422 and err["error"]["code"] == "plan_not_editable"


def test_a_bureau_cannot_submit_a_units_report(world: dict[str, Any]) -> None:
    status, err = ApiCaller(world["district"])(
        "POST", f"/plans/self-checks/{world['own'].pk}/submit", TEXT
    )
    assert status == 404 and err["error"]["code"] == "not_found"
    world["own"].refresh_from_db()
    assert world["own"].status == "draft" and world["own"].problems == ""


def test_out_of_scope_answers_like_missing(world: dict[str, Any]) -> None:
    other = world["other"].pk
    for caller in (ApiCaller(world["unit_hr"]), ApiCaller(world["city"])):
        status, listed = caller("GET", "/plans/self-checks?year=2026")
        assert status == 200 and other not in [c["id"] for c in listed]
        status, err = caller("GET", f"/plans/self-checks/{other}")
        assert status == 404 and err["error"]["code"] == "not_found"
        assert caller("POST", f"/plans/self-checks/{other}/submit", TEXT)[0] == 404
        assert caller("GET", "/plans/self-checks/987654")[0] == 404


def test_a_learner_is_refused(world: dict[str, Any]) -> None:
    learner = ApiCaller(world["learner"])
    own = world["own"].pk
    for method, path, body in (
        ("GET", "/plans/self-checks", None),
        ("GET", f"/plans/self-checks/{own}", None),
        ("POST", f"/plans/self-checks/{own}/submit", TEXT),
    ):
        status, err = learner(method, path, body)
        assert status == 403 and err["error"]["code"] == "permission_denied", path
    assert ApiCaller()("GET", "/plans/self-checks")[0] == 401


def test_malformed_input_is_a_structured_error(world: dict[str, Any]) -> None:
    hr = ApiCaller(world["unit_hr"])
    url = f"/plans/self-checks/{world['own'].pk}/submit"
    status, err = hr("POST", url, {"achievements": "有"})  # two parts missing
    assert status == 422 and err["error"]["code"] == "validation_error"
    assert sorted(f["field"] for f in err["error"]["details"]["fields"]) == [
        "measures",
        "problems",
    ]
    status, err = hr("POST", url, {**TEXT, "problems": "  "})  # blank: the service refuses
    assert status == 422 and err["error"]["code"] == "plan_invalid"
    world["own"].refresh_from_db()
    assert world["own"].status == "draft" and world["own"].achievements == ""  # nothing kept
    assert hr("GET", "/plans/self-checks?year=1")[0] == 422
    status, err = hr("POST", url, "[1, 2")
    assert 400 <= status < 500 and "error" in err
