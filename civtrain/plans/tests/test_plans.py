"""Annual training plans (ZZ-O1): drafted, submitted, returned with reasons, resubmitted and
filed; the overdue list and its command; ZZ-T2 targets checked while planning."""

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from civtrain import testing
from civtrain.accounts.api import Role
from civtrain.core import clock
from civtrain.core.errors import NotFound
from civtrain.plans import selectors, services
from civtrain.plans.data import PlanStatus
from civtrain.plans.errors import PlanError

pytestmark = pytest.mark.django_db

SPRING = dt.datetime(2026, 5, 10, 10, 0, tzinfo=clock.TZ)
AFTER_DEADLINE = dt.datetime(2026, 6, 28, 9, 0, tzinfo=clock.TZ)


def _draft(actor: Any, org: Any, year: int = 2026) -> Any:
    plan = services.plan_open(actor=actor, org_id=org.id, year=year)
    services.planned_class_add(
        actor=actor,
        plan_id=plan.pk,
        title="依法行政专题班",
        training_type="thematic",
        subjects=["law"],
        size=50,
        hours="24",
        budget="30000",
    )
    return plan


def test_a_plan_is_submitted_returned_with_reasons_resubmitted_and_filed(
    tree: dict, actors: dict[str, Any]
) -> None:
    clock.freeze(SPRING)
    hr, district, city = actors["unit_hr"], actors["district"], actors["city"]
    with pytest.raises(PlanError):  # nothing planned yet
        services.plan_submit(
            actor=hr, plan_id=services.plan_open(actor=hr, org_id=tree["U1"].id, year=2026).pk
        )
    plan = _draft(hr, tree["U1"])
    services.plan_submit(actor=hr, plan_id=plan.pk)
    with pytest.raises(PlanError):  # a submitted plan is not edited
        services.planned_class_add(
            actor=hr,
            plan_id=plan.pk,
            title="x",
            training_type="thematic",
            subjects=[],
            size=1,
            hours=1,
        )
    with pytest.raises(NotFound):  # a unit does not file its own plan
        services.plan_file(actor=hr, plan_id=plan.pk)
    with pytest.raises(NotFound):  # another city's bureau does not see it
        services.plan_return(actor=actors["other_city"], plan_id=plan.pk, reason="x")
    with pytest.raises(PlanError) as err:
        services.plan_return(actor=district, plan_id=plan.pk, reason="  ")
    assert err.value.code == "plan_return_reason_required"
    services.plan_return(actor=district, plan_id=plan.pk, reason="缺少公文写作培训")
    services.planned_class_add(
        actor=hr,
        plan_id=plan.pk,
        title="公文写作提升班",
        training_type="thematic",
        subjects=["writing"],
        size=40,
        hours=16,
    )
    services.plan_submit(actor=hr, plan_id=plan.pk)
    services.plan_file(actor=city, plan_id=plan.pk)
    plan = selectors.access_plan_by_id(hr, plan.pk)
    assert plan.status == PlanStatus.FILED
    history = [(r.action, r.reason) for r in selectors.reviews(plan)]
    assert history == [
        ("submit", ""),
        ("return", "缺少公文写作培训"),
        ("submit", ""),
        ("file", ""),
    ]
    from civtrain.inbox.api import messages_for

    assert [m.subject for m in messages_for(hr.pk, kind="plan")] == [
        "2026年度培训计划已备案",
        "2026年度培训计划被退回",
    ]


def test_units_that_have_not_filed_by_the_deadline_are_overdue(
    tree: dict, actors: dict[str, Any]
) -> None:
    clock.freeze(SPRING)
    hr, city = actors["unit_hr"], actors["city"]
    plan = _draft(hr, tree["U1"])
    services.plan_submit(actor=hr, plan_id=plan.pk)
    services.plan_file(actor=city, plan_id=plan.pk)
    u2_hr = testing.make_user(Role.UNIT_HR, tree["U2"])
    _draft(u2_hr, tree["U2"])  # drafted, never submitted

    def overdue(today: dt.date) -> list[tuple[str, str, dt.date]]:
        rows = selectors.overdue_units(year=2026, root_paths=[tree["C1"].path], today=today)
        return [(r.code, r.status, r.deadline) for r in rows]

    assert overdue(dt.date(2026, 6, 27)) == []  # 27 June itself is in time
    assert overdue(dt.date(2026, 6, 28)) == [("U2", "draft", dt.date(2026, 6, 27))]
    clock.freeze(AFTER_DEADLINE)
    out = StringIO()
    call_command(
        "plans", "overdue", "--year", "2026", "--org", "C1", "--format", "json", stdout=out
    )
    assert json.loads(out.getvalue()) == [
        {"code": "U2", "name": "江北区司法局", "status": "draft", "deadline": "2026-06-27"}
    ]
    # Every city's units, with no --org: 郑州's U3 has no plan at all.
    out = StringIO()
    call_command("plans", "overdue", "--year", "2026", "--format", "json", stdout=out)
    assert [(r["code"], r["status"]) for r in json.loads(out.getvalue())] == [
        ("U2", "draft"),
        ("U3", "none"),
    ]
    # The reminder reaches U2's HR officer once a day.
    assert services.overdue_remind(actor=city, year=2026, root_paths=[tree["C1"].path]) == 1
    assert services.overdue_remind(actor=city, year=2026, root_paths=[tree["C1"].path]) == 0
    # The city moves the deadline: nobody is overdue until it passes.
    services.deadline_set(
        actor=city, city_id=tree["C1"].id, year=2026, deadline=dt.date(2026, 6, 30)
    )
    assert overdue(dt.date(2026, 6, 28)) == []
    with pytest.raises(NotFound):
        services.deadline_set(
            actor=actors["district"], city_id=tree["C1"].id, year=2026, deadline=dt.date(2026, 7, 1)
        )


def test_zz_t2_targets_are_checked_while_planning(tree: dict, actors: dict[str, Any]) -> None:
    # implements ZZ-T2 against ZZ-O1: a 郑州 city unit plans its classes.
    from civtrain.compliance.api import conversions_cache_clear, rulesets_install, unit_targets

    rulesets_install(
        actor=None,
        bindings=[("zhengzhou-2014", "C2", dt.date(2014, 1, 1), dt.date(2016, 12, 31))],
    )
    conversions_cache_clear()
    clock.freeze(SPRING)
    hr = testing.make_user(Role.UNIT_HR, tree["U3"])
    plan = _draft(hr, tree["U3"], year=2016)
    services.planned_class_add(
        actor=hr,
        plan_id=plan.pk,
        title="理论学习班",
        training_type="thematic",
        subjects=["theory"],
        size=30,
        hours=8,
    )
    targets = [
        (t.clause, t.title, t.subject, t.min_count) for t in unit_targets(tree["U3"].id, 2016)
    ]
    checks = selectors.target_checks(plan, targets)
    assert [(c.subject, c.planned, c.required, c.met) for c in checks] == [
        ("theory", 1, 5, False),
        ("writing", 0, 3, False),
        ("lecture_series", 0, 1, False),
    ]
    assert unit_targets(tree["U1"].id, 2016) == []  # 重庆 has no set bound here


def test_plan_pages_for_the_unit_and_the_bureau(
    tree: dict, actors: dict[str, Any], client: Any
) -> None:
    clock.freeze(SPRING)
    hr = actors["unit_hr"]
    client.force_login(hr)
    response = client.post("/plans/open/", {"org_id": tree["U1"].id, "year": 2026})
    assert response.status_code == 302
    plan_url = response["Location"]
    client.post(
        plan_url + "classes/",
        {
            "title": "法治专题班",
            "training_type": "thematic",
            "subjects": ["law"],
            "size": "30",
            "hours": "12",
        },
    )
    client.post(plan_url + "submit/")
    assert "已报送" in client.get(plan_url).content.decode()
    client.force_login(actors["district"])
    client.post(plan_url + "return/", {"reason": "请补充预算"})
    assert "请补充预算" in client.get(plan_url).content.decode()
    client.force_login(actors["city"])
    assert client.get("/plans/overdue/?year=2026").status_code == 200
    assert client.get("/plans/?year=2026").status_code == 200
    client.force_login(actors["other_city"])
    assert client.get(plan_url).status_code == 404
