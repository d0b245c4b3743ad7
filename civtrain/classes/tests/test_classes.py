"""Classes: recognition check, subject hours, status machine, scoping (CQ-B1, CQ-T4a)."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from civtrain import testing
from civtrain.accounts.api import Role
from civtrain.classes.api import (
    ClassStatus,
    SessionInput,
    access_class,
    class_transition,
    session_create,
)
from civtrain.classes.errors import ClassError
from civtrain.classes.selectors import class_list
from civtrain.core.errors import NotFound

pytestmark = pytest.mark.django_db


def test_unrecognised_institution_cannot_run_a_class(tree: dict, actors: dict[str, Any]) -> None:
    # implements CQ-B1
    lapsed = testing.make_institution(
        tree["C1"], name="过期培训基地", recognised_to=dt.date(2026, 3, 4)
    )
    with pytest.raises(ClassError) as err:
        testing.make_class(actors["city"], tree["C1"], lapsed.id)
    assert err.value.code == "institution_not_recognised"
    assert err.value.message == (
        "施教机构“过期培训基地”在 2026-03-02 至 2026-03-06 不在资格认定期内"
        "（认定期：2026-01-01至2026-03-04），不能承办培训班"
    )
    never = testing.make_institution(
        tree["C1"], name="未认定机构", recognised_from=None, recognised_to=None
    )
    with pytest.raises(ClassError, match="认定期：未认定"):
        testing.make_class(actors["city"], tree["C1"], never.id)


def test_subject_hours_may_not_exceed_total(tree: dict, actors: dict[str, Any]) -> None:
    # implements CQ-T4a
    inst = testing.make_institution(tree["C1"])
    with pytest.raises(ClassError) as err:
        testing.make_class(
            actors["city"],
            tree["C1"],
            inst.id,
            total_hours=Decimal(6),
            subject_hours={"law": Decimal(4), "ethics": Decimal(3)},
        )
    assert err.value.code == "subject_hours_exceed_total"
    assert err.value.message == "各科目学时合计 7 超过总学时 6"
    tc = testing.make_class(actors["city"], tree["C1"], inst.id)
    assert tc.subject_hours == {"law": Decimal("4.0"), "ethics": Decimal("2.0")}


def test_status_machine_allows_only_forward_steps(tree: dict, actors: dict[str, Any]) -> None:
    city = actors["city"]
    tc = testing.make_class(city, tree["C1"], testing.make_institution(tree["C1"]).id)
    with pytest.raises(ClassError, match="不能从“计划中”改为“进行中”"):
        class_transition(actor=city, class_id=tc.id, to=ClassStatus.RUNNING)
    assert class_transition(actor=city, class_id=tc.id, to=ClassStatus.OPEN).status == "open"
    assert class_transition(actor=city, class_id=tc.id, to=ClassStatus.RUNNING).status == "running"
    # Results become final only through the results service (it also feeds units, ZZ-M2).
    with pytest.raises(ClassError, match="请在成绩录入页面确认成绩"):
        class_transition(actor=city, class_id=tc.id, to=ClassStatus.RESULTS_FINAL)
    with pytest.raises(ClassError, match="不能从“进行中”改为“计划中”"):
        class_transition(actor=city, class_id=tc.id, to=ClassStatus.PLANNED)
    assert access_class(city, tc.id).status == ClassStatus.RUNNING


def test_session_hours_and_dates_are_checked(tree: dict, actors: dict[str, Any]) -> None:
    staff = actors["institution"]
    tc = testing.make_class(
        actors["city"], tree["C1"], testing.make_institution(tree["C1"]).id, total_hours=Decimal(8)
    )
    base = {"start_time": dt.time(9), "end_time": dt.time(12), "topic": "宪法"}
    session_create(
        actor=staff,
        class_id=tc.id,
        data=SessionInput(date=dt.date(2026, 3, 2), hours=Decimal(6), **base),
    )
    with pytest.raises(ClassError, match="课次学时合计将达 10，超过培训班总学时 8"):
        session_create(
            actor=staff,
            class_id=tc.id,
            data=SessionInput(date=dt.date(2026, 3, 3), hours=Decimal(4), **base),
        )
    with pytest.raises(ClassError, match="课次日期须在 2026-03-02 至 2026-03-06 之间"):
        session_create(
            actor=staff,
            class_id=tc.id,
            data=SessionInput(date=dt.date(2026, 3, 9), hours=Decimal(1), **base),
        )


def test_institution_staff_see_only_their_institutions_classes(
    tree: dict, actors: dict[str, Any]
) -> None:
    ours = testing.make_institution(tree["D1"], name="渝中区委党校")
    theirs = testing.make_institution(tree["D2"], name="江北区委党校")
    city = actors["city"]
    a = testing.make_class(city, tree["C1"], ours.id, title="甲班")
    b = testing.make_class(city, tree["C1"], theirs.id, title="乙班")
    staff_d1 = testing.make_user(Role.INSTITUTION, tree["D1"])
    assert [c.title for c in class_list(actor=staff_d1)] == ["甲班"]
    assert access_class(staff_d1, a.id, run=True).id == a.id
    with pytest.raises(NotFound):
        access_class(staff_d1, b.id)
    # Nor may they open the other school's class.
    with pytest.raises(NotFound):
        class_transition(actor=staff_d1, class_id=b.id, to=ClassStatus.OPEN)
    # A unit sees a class of the city only once it is open for nomination.
    hr = actors["unit_hr"]
    with pytest.raises(NotFound):
        access_class(hr, a.id)
    class_transition(actor=city, class_id=a.id, to=ClassStatus.OPEN)
    assert access_class(hr, a.id).title == "甲班"
    # Another city's bureau never sees it.
    with pytest.raises(NotFound):
        access_class(actors["other_city"], a.id)
