"""The annual plan endpoints (ZZ-O1, #16 item 7) at /api/v1/plans: a unit's system opens its
plan, adds classes and submits it; the bureau above returns it with a reason or files it and
reads the overdue list. Out of scope answers like missing (404); a learner is refused (403);
malformed input is a structured 4xx."""

import datetime as dt
from typing import Any

import pytest

from civtrain import testing
from civtrain.accounts.api import Role, User
from civtrain.core import clock
from civtrain.plans import services
from civtrain.testing import ApiCaller

pytestmark = pytest.mark.django_db

SPRING = dt.datetime(2026, 5, 10, 10, 0, tzinfo=clock.TZ)
AFTER_DEADLINE = dt.datetime(2026, 6, 28, 9, 0, tzinfo=clock.TZ)
LAW_CLASS = {
    "title": "依法行政专题班",
    "training_type": "thematic",
    "subjects": ["law"],
    "size": 50,
    "hours": "24",
    "budget": "30000.50",
    "audience": "行政执法人员",
}


@pytest.fixture
def world(tree: dict, actors: dict[str, Any]) -> dict[str, Any]:
    clock.freeze(SPRING)
    learner = User.objects.get(pk=testing.make_person(tree["U1"], name="学员甲").user_id)
    other_hr = testing.make_user(Role.UNIT_HR, tree["U3"])
    other = services.plan_open(actor=other_hr, org_id=tree["U3"].id, year=2026)
    return {"tree": tree, "learner": learner, "other": other, **actors}


def test_a_plan_goes_from_draft_to_filed_through_the_api(world: dict[str, Any]) -> None:
    hr, district = ApiCaller(world["unit_hr"]), ApiCaller(world["district"])
    status, plan = hr("POST", "/plans", {"org_id": world["tree"]["U1"].id, "year": 2026})
    assert status == 200 and (plan["status"], plan["year"]) == ("draft", 2026)
    assert plan["org_name"] == "渝中区人力社保局" and plan["deadline"] == "2026-06-27"
    assert plan["classes"] == [] and plan["can_edit"] is True and plan["can_review"] is False
    # Opening again gives the same plan, not a second one.
    assert (
        hr("POST", "/plans", {"org_id": world["tree"]["U1"].id, "year": 2026})[1]["id"]
        == (plan["id"])
    )
    status, err = hr("POST", f"/plans/{plan['id']}/submit")
    assert status == 422 and "还没有培训班" in err["error"]["message"]

    status, plan = hr("POST", f"/plans/{plan['id']}/classes", LAW_CLASS)
    assert status == 201
    [planned] = plan["classes"]
    assert (planned["title"], planned["subjects"], planned["hours"], planned["budget"]) == (
        "依法行政专题班",
        ["law"],
        24.0,
        30000.5,
    )
    status, plan = hr("POST", f"/plans/{plan['id']}/submit")
    assert status == 200 and plan["status"] == "submitted" and plan["can_edit"] is False

    # The district returns it with a reason; the unit amends and resubmits; it is filed.
    status, [listed] = district("GET", "/plans?year=2026")
    assert status == 200 and listed["id"] == plan["id"] and listed["status"] == "submitted"
    status, seen = district("GET", f"/plans/{plan['id']}")
    assert seen["can_review"] is True and seen["can_edit"] is False
    status, returned = district("POST", f"/plans/{plan['id']}/return", {"reason": "缺少公文写作班"})
    assert status == 200 and returned["status"] == "returned"
    assert [(r["action"], r["reason"]) for r in returned["reviews"]] == [
        ("submit", ""),
        ("return", "缺少公文写作班"),
    ]
    status, plan = hr("POST", f"/plans/{plan['id']}/classes", {**LAW_CLASS, "title": "公文写作班"})
    assert status == 201 and len(plan["classes"]) == 2
    assert hr("POST", f"/plans/{plan['id']}/submit")[1]["status"] == "submitted"
    status, filed = district("POST", f"/plans/{plan['id']}/file")
    assert status == 200 and filed["status"] == "filed" and filed["filed_at"]
    # Filed: nothing more is changed, by either side.
    status, err = hr("POST", f"/plans/{plan['id']}/classes", LAW_CLASS)
    assert status == 422 and err["error"]["code"] == "plan_not_editable"
    status, err = district("POST", f"/plans/{plan['id']}/file")
    assert status == 422 and err["error"]["code"] == "plan_bad_transition"


def test_a_planned_class_is_removed_while_the_plan_is_a_draft(world: dict[str, Any]) -> None:
    hr = ApiCaller(world["unit_hr"])
    plan = hr("POST", "/plans", {"org_id": world["tree"]["U1"].id, "year": 2026})[1]
    planned = hr("POST", f"/plans/{plan['id']}/classes", LAW_CLASS)[1]["classes"][0]
    gone = hr.client.delete(f"/api/v1/plans/{plan['id']}/classes/{planned['id']}")
    assert gone.status_code == 204
    assert hr("GET", f"/plans/{plan['id']}")[1]["classes"] == []
    assert hr("DELETE", f"/plans/{plan['id']}/classes/{planned['id']}")[0] == 404


def test_the_unit_does_not_file_its_own_plan_nor_the_bureau_edit_it(
    world: dict[str, Any],
) -> None:
    hr, district = ApiCaller(world["unit_hr"]), ApiCaller(world["district"])
    plan = hr("POST", "/plans", {"org_id": world["tree"]["U1"].id, "year": 2026})[1]
    hr("POST", f"/plans/{plan['id']}/classes", LAW_CLASS)
    hr("POST", f"/plans/{plan['id']}/submit")
    assert hr("POST", f"/plans/{plan['id']}/file")[0] == 404
    assert hr("POST", f"/plans/{plan['id']}/return", {"reason": "自己退回"})[0] == 404
    assert district("POST", f"/plans/{plan['id']}/classes", LAW_CLASS)[0] == 404
    assert hr("GET", f"/plans/{plan['id']}")[1]["status"] == "submitted"


def test_the_overdue_list_after_the_deadline(world: dict[str, Any]) -> None:
    clock.freeze(AFTER_DEADLINE)
    district, hr = ApiCaller(world["district"]), ApiCaller(world["unit_hr"])
    status, rows = district("GET", "/plans/overdue?year=2026")
    assert status == 200
    by_code = {r["code"]: r for r in rows}
    assert by_code[world["tree"]["U1"].code]["status"] == "none"
    assert by_code[world["tree"]["U1"].code]["deadline"] == "2026-06-27"
    assert world["tree"]["U3"].code not in by_code  # another district's unit
    status, err = hr("GET", "/plans/overdue?year=2026")
    assert status == 403 and err["error"]["code"] == "permission_denied"


def test_out_of_scope_answers_like_missing(world: dict[str, Any]) -> None:
    other = world["other"].pk
    for caller in (ApiCaller(world["unit_hr"]), ApiCaller(world["district"])):
        status, listed = caller("GET", "/plans?year=2026")
        assert status == 200 and other not in [p["id"] for p in listed]
        for method, path, body in (
            ("GET", f"/plans/{other}", None),
            ("POST", f"/plans/{other}/classes", LAW_CLASS),
            ("POST", f"/plans/{other}/submit", None),
            ("POST", f"/plans/{other}/return", {"reason": "越权"}),
            ("POST", f"/plans/{other}/file", None),
            ("GET", "/plans/987654", None),
        ):
            status, err = caller(method, path, body)
            assert status == 404 and err["error"]["code"] == "not_found", path
    status, err = ApiCaller(world["unit_hr"])(
        "POST", "/plans", {"org_id": world["tree"]["U3"].id, "year": 2026}
    )
    assert status == 404 and err["error"]["code"] == "not_found"
    world["other"].refresh_from_db()
    assert world["other"].status == "draft" and not world["other"].classes.exists()


def test_a_learner_is_refused(world: dict[str, Any]) -> None:
    learner = ApiCaller(world["learner"])
    for method, path, body in (
        ("GET", "/plans", None),
        ("POST", "/plans", {"org_id": world["tree"]["U1"].id, "year": 2026}),
        ("GET", "/plans/overdue", None),
        ("GET", f"/plans/{world['other'].pk}", None),
    ):
        status, err = learner(method, path, body)
        assert status == 403 and err["error"]["code"] == "permission_denied", path
    assert ApiCaller()("GET", "/plans")[0] == 401


def test_malformed_input_is_a_structured_error(world: dict[str, Any]) -> None:
    hr = ApiCaller(world["unit_hr"])
    plan = hr("POST", "/plans", {"org_id": world["tree"]["U1"].id, "year": 2026})[1]
    url = f"/plans/{plan['id']}/classes"
    status, err = hr("POST", url, {**LAW_CLASS, "hours": "-3", "size": 0})
    assert status == 422 and err["error"]["code"] == "validation_error"
    assert sorted(f["field"] for f in err["error"]["details"]["fields"]) == ["hours", "size"]
    status, err = hr("POST", url, {**LAW_CLASS, "training_type": "picnic"})
    assert status == 422 and "未知的培训类型" in err["error"]["message"]
    status, err = hr("POST", url, {**LAW_CLASS, "subjects": ["astrology"]})
    assert status == 422 and "未知的科目" in err["error"]["message"]
    assert hr("GET", f"/plans/{plan['id']}")[1]["classes"] == []  # nothing kept
    status, err = hr("POST", "/plans", {"org_id": world["tree"]["U1"].id, "year": 1})
    assert status == 422 and err["error"]["code"] == "validation_error"
    status, err = hr("POST", url, "[1, 2")
    assert 400 <= status < 500 and "error" in err
    hr("POST", url, LAW_CLASS)
    hr("POST", f"/plans/{plan['id']}/submit")
    status, err = ApiCaller(world["district"])("POST", f"/plans/{plan['id']}/return", {})
    assert status == 422 and err["error"]["code"] == "validation_error"
