"""Career-event import (issue 2 item 4, CQ-T6): events written, current state re-derived."""

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civtrain.accounts.api import SYSTEM
from civtrain.core.models import AuditEvent
from civtrain.people.imports import events_import
from civtrain.people.models import CareerEvent, Person
from civtrain.testing import make_id_number, make_person

HEADERS = "身份证号,事件类型,日期,职务层次,职级,单位编码"


def csv_file(*lines: str) -> bytes:
    return "\n".join([HEADERS, *lines]).encode("utf-8")


@pytest.mark.django_db
def test_events_are_written_and_the_current_state_derived(tree: Any) -> None:
    id_a = make_id_number(dt.date(1980, 3, 4), serial=301)
    person = make_person(tree["U1"], "王五", id_number=id_a)
    data = csv_file(
        f"{id_a},晋升,2019年11月5日,县处级副职,,",  # promoted in November (CQ-T6b)
        f"{id_a},录用,2005/7/1,,一级科员,U1",  # earlier in time, later in the file
        f"{id_a},调动,2021-03-01,,,U2",
        f"{id_a},职级调整,2022.1.1,,四级调研员,",
    )
    report, _ = events_import(data, actor=SYSTEM, filename="events.csv")
    assert (report.errors, report.created, report.written) == ([], 4, True)
    p = Person.objects.get(pk=person.id)
    assert (p.leadership_level, p.rank, p.unit.code, p.status) == (
        "division_deputy",
        "四级调研员",
        "U2",
        "active",
    )
    assert p.reporting_date == dt.date(2005, 7, 1)
    assert list(p.career_events.values_list("kind", "date")) == [
        ("hired", dt.date(2005, 7, 1)),
        ("promoted", dt.date(2019, 11, 5)),
        ("transfer", dt.date(2021, 3, 1)),
        ("rank_change", dt.date(2022, 1, 1)),
    ]
    # Importing the same file again records nothing new.
    again, _ = events_import(data, actor=SYSTEM, filename="events.csv")
    assert (again.created, again.unchanged) == (0, 4)
    assert CareerEvent.objects.count() == 4


@pytest.mark.django_db
def test_retirement_sets_the_status(tree: Any) -> None:
    id_a = make_id_number(dt.date(1960, 1, 1), serial=302)
    make_person(tree["U1"], "老张", id_number=id_a)
    report, _ = events_import(
        csv_file(f"{id_a},退休,2020-01-31,,,"), actor=SYSTEM, filename="e.csv"
    )
    assert report.errors == []
    assert Person.objects.get().status == "retired"


@pytest.mark.django_db
def test_bad_event_rows_are_named_and_nothing_is_written(tree: Any) -> None:
    id_a = make_id_number(dt.date(1980, 3, 4), serial=303)
    make_person(tree["U1"], "王五", id_number=id_a)
    unknown = make_id_number(dt.date(1981, 1, 1), serial=304)
    data = csv_file(
        f"{id_a},录用,2005-07-01,,,U1",  # row 2: fine
        f"{unknown},录用,2005-07-01,,,U1",  # row 3: not registered
        f"{id_a},升职,2019-01-01,,,",  # row 4: unknown kind
        f"{id_a},晋升,2019-02-30,,,",  # row 5: impossible date, and no level
        f"{id_a},调动,2020-01-01,,,",  # row 6: transfer without unit
        f"{id_a},录用,2005-07-01,,,U1",  # row 7: same event as row 2
    )
    report, _ = events_import(data, actor=SYSTEM, filename="e.csv")
    assert sorted((e.row, e.column, e.reason) for e in report.errors) == [
        (3, "身份证号", "该身份证号未登记或不在您的管辖范围内"),
        (4, "事件类型", "事件类型应为 录用/晋升/职级调整/调动/退休/类别调整，而不是“升职”"),
        (5, "日期", "日期不存在：2019年2月30日"),
        (5, "职务层次", "晋升事件必须注明职务层次"),
        (6, "单位编码", "调动事件必须注明调入单位"),
        (7, "日期", "与第 2 行是同一人同一天的同类事件"),
    ]
    assert CareerEvent.objects.count() == 0


@pytest.mark.django_db
def test_people_outside_the_actors_scope_read_as_unknown(tree: Any, actors: dict[str, Any]) -> None:
    id_a = make_id_number(dt.date(1980, 3, 4), serial=305)
    make_person(tree["U2"], "李四", id_number=id_a)
    report, _ = events_import(
        csv_file(f"{id_a},职级调整,2022-01-01,,一级主任科员,"),
        actor=actors["unit_hr"],
        filename="e.csv",
    )
    assert [(e.row, e.reason) for e in report.errors] == [
        (2, "该身份证号未登记或不在您的管辖范围内")
    ]


@pytest.mark.django_db
def test_cli_import_events(tree: Any, tmp_path: Any) -> None:
    id_a = make_id_number(dt.date(1980, 3, 4), serial=306)
    person = make_person(tree["U1"], "王五", id_number=id_a)
    src = tmp_path / "events.csv"
    src.write_bytes(csv_file(f"{id_a},晋升,2019-11-05,正科,,"))
    out = io.StringIO()
    call_command("import_events", str(src), stdout=out, stderr=out)
    assert "已写入：新增 1" in out.getvalue()
    assert Person.objects.get(pk=person.id).leadership_level == "section_chief"
    assert AuditEvent.objects.filter(action="career_event.import").count() == 1
    src.write_bytes(csv_file("123,晋升,2019-11-05,正科,,"))
    with pytest.raises(CommandError):
        call_command("import_events", str(src), stdout=out, stderr=out)


@pytest.mark.django_db
def test_the_shipped_events_template_imports_cleanly(tree: Any) -> None:
    from pathlib import Path

    from django.conf import settings

    docs = Path(settings.BASE_DIR) / "docs" / "templates"
    make_person(tree["U1"], "张三", id_number="500101199005170019")
    data = (docs / "events-template.csv").read_bytes()
    report, _ = events_import(data, actor=SYSTEM, filename="events-template.csv")
    assert (report.errors, report.created) == ([], 4)
    p = Person.objects.get()
    assert (p.unit.code, p.leadership_level) == ("U1-1", "section_deputy")
    # issue #10 items 4–5: the flags the events set, the origin the transfer names
    assert (p.basic_post, p.law_enforcement) == (True, True)
    assert p.career_events.get(kind="transfer").from_unit.code == "U1"
