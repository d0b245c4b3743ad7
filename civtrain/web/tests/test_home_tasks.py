"""Home pages that say what to do next (issue #11 item 7): the institution's classes whose
results wait, the learner's classes open for registration, no promise of features to come."""

import datetime as dt
import re
from typing import Any

from django.test import Client

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.classes.api import ClassStatus, class_transition
from civtrain.core import clock


def _home(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.get("/").content.decode()


def test_institution_home_lists_the_classes_whose_results_wait(
    tree: dict, actors: dict[str, Any]
) -> None:
    city, staff = actors["city"], actors["institution"]
    institution = testing.make_institution(tree["C1"], name="重庆市委党校")
    ended = testing.make_class(city, tree["C1"], institution.id, title="已结束的培训班")
    testing.make_class(city, tree["C1"], institution.id, title="还在上课的培训班",
                       end_date=dt.date(2026, 3, 20))  # fmt: skip
    for tc in (ended,):
        class_transition(actor=city, class_id=tc.id, to=ClassStatus.OPEN)
        class_transition(actor=staff, class_id=tc.id, to=ClassStatus.RUNNING)
    clock.freeze(dt.datetime(2026, 3, 9, 9, 0, tzinfo=clock.TZ))
    body = _home(staff)
    tasks = body[body.index('id="tasks-institution"') :]
    assert f'href="/enrolment/classes/{ended.id}/results/"' in tasks
    assert "“已结束的培训班”已于 2026-03-06 结束，成绩待确认" in tasks
    assert "还在上课的培训班" not in tasks


def test_institution_with_nothing_waiting_says_so(tree: dict, actors: dict[str, Any]) -> None:
    body = _home(actors["institution"])
    assert "暂无待办事项" in body


def test_learner_home_offers_the_classes_open_for_registration(
    tree: dict, actors: dict[str, Any]
) -> None:
    city = actors["city"]
    institution = testing.make_institution(tree["C1"])
    tc = testing.make_class(city, tree["C1"], institution.id, title="法治专题培训班",
                            self_registration=True)  # fmt: skip
    class_transition(actor=city, class_id=tc.id, to=ClassStatus.OPEN)
    person = testing.make_person(tree["U1"], name="王五")
    body = _home(User.objects.get(pk=person.user_id))
    section = body[body.index('id="learner-open-classes"') :]
    assert re.search(rf'href="/classes/{tc.id}/">法治专题培训班', section)


def test_no_home_page_promises_features_to_come(tree: dict, actors: dict[str, Any]) -> None:
    for user in actors.values():
        assert "上线后" not in _home(user)
