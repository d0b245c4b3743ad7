"""Recognition (资格认定, CQ-B1): an institution applies, a bureau refuses with a reason or
grants a period; only within that period may the institution run a class."""

import datetime as dt
from typing import Any

import pytest

from civtrain import testing
from civtrain.core.errors import ApplicationError, NotFound, ValidationFailed
from civtrain.institutions import selectors, services
from civtrain.institutions.data import ApplicationStatus

pytestmark = pytest.mark.django_db


def test_apply_refused_with_a_reason_then_granted_and_lapsed(
    tree: dict, actors: dict[str, Any]
) -> None:
    staff, city = actors["institution"], actors["city"]
    school = testing.make_institution(
        tree["C1"], name="新设培训中心", recognised_from=None, recognised_to=None
    )
    first = services.recognition_apply(
        actor=staff,
        institution_id=school.id,
        requested_from=dt.date(2026, 1, 1),
        requested_to=dt.date(2026, 12, 31),
        note="师资和场地已具备",
    )
    with pytest.raises(ValidationFailed):  # one pending application at a time
        services.recognition_apply(
            actor=staff,
            institution_id=school.id,
            requested_from=dt.date(2026, 1, 1),
            requested_to=dt.date(2026, 6, 30),
        )
    with pytest.raises(NotFound):  # the unit is no bureau
        services.recognition_decide(actor=actors["unit_hr"], application_id=first.pk, grant=True)
    with pytest.raises(ValidationFailed, match="须写明原因"):
        services.recognition_decide(actor=city, application_id=first.pk, grant=False)
    refused = services.recognition_decide(
        actor=city, application_id=first.pk, grant=False, reason="缺少教学场地证明"
    )
    assert (refused.status, refused.reason) == (ApplicationStatus.REFUSED, "缺少教学场地证明")
    with pytest.raises(ApplicationError) as err:  # still not recognised
        testing.make_class(city, tree["C1"], school.id)
    assert err.value.code == "institution_not_recognised"

    second = services.recognition_apply(
        actor=staff,
        institution_id=school.id,
        requested_from=dt.date(2026, 1, 1),
        requested_to=dt.date(2026, 3, 31),
    )
    services.recognition_decide(actor=city, application_id=second.pk, grant=True)
    assert testing.make_class(city, tree["C1"], school.id).institution_id == school.id
    # After the period has lapsed, the institution cannot open a class: a clear error.
    with pytest.raises(ApplicationError) as err:
        testing.make_class(
            city,
            tree["C1"],
            school.id,
            start_date=dt.date(2026, 5, 11),
            end_date=dt.date(2026, 5, 15),
        )
    assert err.value.message == (
        "施教机构“新设培训中心”在 2026-05-11 至 2026-05-15 不在资格认定期内"
        "（认定期：2026-01-01至2026-03-31），不能承办培训班"
    )
    statuses = [a.status for a in selectors.application_list(actor=city)]
    assert statuses == [ApplicationStatus.GRANTED, ApplicationStatus.REFUSED]
    assert selectors.application_list(actor=actors["other_city"]).count() == 0


def test_recognition_pages(tree: dict, actors: dict[str, Any], client: Any) -> None:
    school = testing.make_institution(tree["C1"], name="页面测试学院")
    client.force_login(actors["institution"])
    client.post(
        "/institutions/apply/",
        {"institution_id": school.id, "requested_from": "2027-01-01", "requested_to": "2029-12-31"},
    )
    client.force_login(actors["city"])
    page = client.get("/institutions/").content.decode()
    assert "页面测试学院" in page and "待审核" in page
    (application,) = selectors.application_list(actor=actors["city"])
    client.post(f"/institutions/applications/{application.pk}/decide/", {"decision": "grant"})
    assert selectors.access_institution_by_id(actors["city"], school.id).recognised_to == dt.date(
        2029, 12, 31
    )
