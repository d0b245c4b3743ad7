"""The half-year notice (半年通报, ZZ-N2; issue #12 item 5): a unit of learners, some behind —
the figures per person and per unit, the drill-down from the district, the export's rows,
and the reminder sent to the laggards once."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.core import clock
from civtrain.core.errors import NotFound
from civtrain.learning import api as learning_api
from civtrain.learning import supervision
from civtrain.learning.supervision import Half

pytestmark = pytest.mark.django_db
H1 = Half(2026, 1)


@pytest.fixture
def unit(tree: Any, actors: Any) -> dict[str, Any]:
    """U1: 王 finished the required course and an elective in May; 李 only the elective;
    赵 nothing; 钱 finished the required course in August (after the first half)."""
    clock.freeze(dt.datetime(2026, 5, 10, 10, 0, tzinfo=clock.TZ))
    city = actors["city"]
    required = learning_api.course_create(
        actor=city, title="宪法学习", org_code="C1", kind="video", hours=Decimal("2"), required=True
    )
    elective = learning_api.course_create(
        actor=city, title="公文写作", org_code="C1", kind="video", hours=Decimal("1")
    )
    people = {n: testing.make_person(tree["U1"], name=n) for n in ("王一", "李二", "赵三", "钱四")}
    for name, course in (("王一", required), ("王一", elective), ("李二", elective)):
        learning_api.course_complete(
            actor=city, person_id=people[name].id, course_id=course.id, source="heartbeat"
        )
    clock.freeze(dt.datetime(2026, 8, 3, 10, 0, tzinfo=clock.TZ))
    learning_api.course_complete(
        actor=city, person_id=people["钱四"].id, course_id=required.id, source="heartbeat"
    )
    return people


def test_the_units_people_with_their_figures(tree: Any, actors: Any, unit: Any) -> None:
    notice = supervision.notice(actor=actors["unit_hr"], half=H1, org_id=tree["U1"].id)
    rows = {
        f.person.name: (f.online_hours, f.courses_finished, f.missing, f.laggard)
        for f in notice.people
    }
    assert rows == {
        "王一": (Decimal("3.0"), 2, (), False),
        "李二": (Decimal("1.0"), 1, ("宪法学习",), True),
        "赵三": (Decimal("0"), 0, ("宪法学习",), True),
        "钱四": (Decimal("0"), 0, ("宪法学习",), True),  # finished in August: not by June 30
    }
    assert [f.laggard for f in notice.people] == [True, True, True, False]  # laggards first
    # The second half counts 钱四's August completion.
    later = supervision.notice(actor=actors["unit_hr"], half=Half(2026, 2), org_id=tree["U1"].id)
    assert {f.person.name: f.online_hours for f in later.people}["钱四"] == Decimal("2.0")


def test_drill_down_from_the_district_to_its_units(tree: Any, actors: Any, unit: Any) -> None:
    notice = supervision.notice(actor=actors["district"], half=H1)
    assert notice.org.code == "D1"
    assert [(n.org.code, n.people, n.online_hours, n.courses_finished, n.missing_people,
             n.laggards, n.laggard_percent) for n in notice.children] == [
        ("U1", 4, Decimal("4.0"), 3, 3, 3, 75)
    ]  # fmt: skip
    city = supervision.notice(actor=actors["city"], half=H1)
    assert [(n.org.code, n.laggards) for n in city.children] == [("D1", 3)]  # D2 has nobody
    with pytest.raises(NotFound):
        supervision.notice(actor=actors["district"], half=H1, org_id=tree["U2"].id)
    with pytest.raises(NotFound):
        supervision.notice(actor=actors["other_city"], half=H1, org_id=tree["U1"].id)


def test_the_export_has_one_row_per_person(tree: Any, actors: Any, unit: Any) -> None:
    table = supervision.notice_table(actors["district"], {"year": 2026, "half": 1, "org": None})
    assert table.title == "渝中区2026 年上半年在线学习通报"
    assert list(table.headers) == [
        "单位", "姓名", "在线学时", "完成课程数", "必修课程数", "未完成必修课", "是否滞后",
    ]  # fmt: skip
    rows = sorted(tuple(r) for r in table.rows)
    assert rows == sorted([
        ("渝中区人力社保局", "王一", Decimal("3.0"), 2, 1, "", "否"),
        ("渝中区人力社保局", "李二", Decimal("1.0"), 1, 1, "宪法学习", "是"),
        ("渝中区人力社保局", "赵三", Decimal("0"), 0, 1, "宪法学习", "是"),
        ("渝中区人力社保局", "钱四", Decimal("0"), 0, 1, "宪法学习", "是"),
    ])  # fmt: skip


def test_the_reminder_reaches_each_laggard_once(
    tree: Any, actors: Any, unit: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert supervision.laggards_remind(actor=actors["district"], half=H1) == 3
        assert supervision.laggards_remind(actor=actors["district"], half=H1) == 0
        assert supervision.laggards_remind(actor=actors["district"], half=Half(2026, 2)) == 2


def test_the_page_and_its_export(tree: Any, actors: Any, unit: Any) -> None:
    client = Client()
    client.force_login(actors["district"])
    page = client.get("/learning/supervision/?year=2026&half=1")
    assert page.status_code == 200
    html = page.content.decode()
    assert "渝中区在线学习半年通报" in html and "渝中区人力社保局" in html
    unit_page = client.get(f"/learning/supervision/?year=2026&half=1&org={tree['U1'].id}")
    assert "赵三" in unit_page.content.decode()
    export = client.get("/learning/supervision/export?year=2026&half=1")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(f"/learning/supervision/?org={tree['U2'].id}").status_code == 404
