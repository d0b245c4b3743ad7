"""Self-checks (ZZ-O2, CQ-O1): a unit's annual self-check pre-filled with its figures,
completed, submitted, returned with a reason, resubmitted and accepted by the bureau above;
a programme period's final evaluation; the overdue list; the Word-compatible export."""

import datetime as dt
from typing import Any

import pytest

from civtrain.core import clock
from civtrain.core.errors import NotFound
from civtrain.plans import selfchecks, services
from civtrain.plans.errors import PlanError

pytestmark = pytest.mark.django_db

NEW_YEAR = dt.datetime(2027, 1, 10, 10, 0, tzinfo=clock.TZ)
FEBRUARY = dt.datetime(2027, 2, 3, 10, 0, tzinfo=clock.TZ)


def _plan_with_two_classes(hr: Any, district: Any, unit: Any) -> None:
    plan = services.plan_open(actor=hr, org_id=unit.id, year=2026)
    for title in ("依法行政专题班", "公文写作班"):
        services.planned_class_add(
            actor=hr,
            plan_id=plan.pk,
            title=title,
            training_type="thematic",
            subjects=["law"],
            size=30,
            hours="16",
        )
    services.plan_submit(actor=hr, plan_id=plan.pk)
    services.plan_file(actor=district, plan_id=plan.pk)


def test_an_annual_self_check_is_prefilled_returned_and_accepted(
    tree: dict, actors: dict[str, Any]
) -> None:
    clock.freeze(dt.datetime(2026, 5, 1, 10, 0, tzinfo=clock.TZ))
    hr, district, other = actors["unit_hr"], actors["district"], actors["other_city"]
    _plan_with_two_classes(hr, district, tree["U1"])
    clock.freeze(NEW_YEAR)
    check = selfchecks.selfcheck_open(
        actor=hr, org_id=tree["U1"].id, kind="annual", year_from=2020, year_to=2026
    )
    assert (check.year_from, check.year_to) == (2026, 2026)  # annual: one year
    [figures] = check.figures
    assert (figures["plan_status"], figures["planned_classes"]) == ("filed", 2)
    assert figures["delivered_classes"] == 0
    with pytest.raises(PlanError):  # the three parts are required
        selfchecks.selfcheck_submit(actor=hr, check_id=check.pk)
    selfchecks.selfcheck_save(
        actor=hr,
        check_id=check.pk,
        achievements="完成年度计划",
        problems="实施率低",
        measures="加快实施",
    )
    selfchecks.selfcheck_submit(actor=hr, check_id=check.pk)
    with pytest.raises(NotFound):  # nobody reviews their own
        selfchecks.selfcheck_review(actor=hr, check_id=check.pk, accept=True)
    with pytest.raises(NotFound):
        selfchecks.access_selfcheck_by_id(other, check.pk)
    with pytest.raises(PlanError):
        selfchecks.selfcheck_review(actor=district, check_id=check.pk, accept=False)
    selfchecks.selfcheck_review(actor=district, check_id=check.pk, accept=False, reason="补充数据")
    check.refresh_from_db()
    assert (check.status, check.reason) == ("returned", "补充数据")
    selfchecks.selfcheck_submit(actor=hr, check_id=check.pk)
    check = selfchecks.selfcheck_review(actor=district, check_id=check.pk, accept=True)
    assert check.status == "accepted"
    text = selfchecks.export_text(check, "年度自查", "已审核")
    assert "2026年：计划培训班 2 个，已实施 0 个" in text and "三、存在的问题\r\n实施率低" in text


def test_the_overdue_list_and_a_programme_final_evaluation(
    tree: dict, actors: dict[str, Any], client: Any
) -> None:
    clock.freeze(NEW_YEAR)
    hr, district, city = actors["unit_hr"], actors["district"], actors["city"]
    roots = [tree["C1"].path]
    # Before 31 January nobody is overdue; after it, U1 and U2 (no self-check submitted).
    assert selfchecks.overdue_selfchecks(year=2026, root_paths=roots, today=clock.today()) == []
    check = selfchecks.selfcheck_open(
        actor=hr, org_id=tree["U1"].id, kind="annual", year_from=2026, year_to=2026
    )
    clock.freeze(FEBRUARY)
    late = selfchecks.overdue_selfchecks(year=2026, root_paths=roots, today=clock.today())
    assert [(u.code, u.status) for u in late] == [("U1", "draft"), ("U2", "none")]

    final = selfchecks.selfcheck_open(
        actor=district, org_id=tree["D1"].id, kind="final", year_from=2021, year_to=2025
    )
    assert [f["year"] for f in final.figures] == [2021, 2022, 2023, 2024, 2025]
    with pytest.raises(NotFound):  # a district does not write its unit's report
        selfchecks.selfcheck_open(
            actor=district, org_id=tree["U1"].id, kind="annual", year_from=2026, year_to=2026
        )

    client.force_login(hr)
    page = client.get(f"/plans/self-checks/{check.pk}/").content.decode()
    assert 'id="selfcheck-figures"' in page and "报送" in page
    client.post(
        f"/plans/self-checks/{check.pk}/",
        {"action": "submit", "achievements": "甲", "problems": "乙", "measures": "丙"},
    )
    client.force_login(city)
    overdue = client.get("/plans/self-checks/overdue/?year=2026").content.decode()
    assert "U2" in overdue and ">U1<" not in overdue
    export = client.get(f"/plans/self-checks/{check.pk}/export.txt")
    assert export.content.decode("utf-8-sig").startswith("渝中区人力社保局 2026–2026 年度自查")
