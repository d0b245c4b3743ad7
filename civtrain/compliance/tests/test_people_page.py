"""The compliance list a page at a time (issue #11 item 2): a visible count, paging, sorting,
and the same rows whether they come from the stored snapshots or a live evaluation; units
shown by a name people recognise (item 3), requirements by their Chinese titles (item 6)."""

import datetime as dt
import io
import re
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client

from civtrain.compliance.tests.ledger_builders import entry
from civtrain.core import clock, exports
from civtrain.core.models import AuditEvent
from civtrain.organisations.api import OrgNodeData
from civtrain.testing import make_person

PEOPLE = 60  # more than one page of 50


@pytest.fixture
def city(bound: dict[str, OrgNodeData], actors: dict[str, Any]) -> Client:
    """60 people of 重庆 in 2018, seen on 1 January 2019 (§8 "Deadlines": the year's amounts
    are missed from this day): a third met the 90 h (CQ-T1), a third fell short, a third of
    the law-enforcement staff lack the law hours (CQ-T4b)."""
    clock.freeze(dt.datetime(2019, 1, 1, 10, 0, tzinfo=clock.TZ))
    units = [bound["U1"], bound["U1-1"], bound["U2"]]
    for i in range(PEOPLE):
        person = make_person(units[i % 3], name=f"人员{i:02d}", law_enforcement=i % 3 == 2)
        hours = (95, 40, 92)[i % 3]
        entry(person.id, "2018-04-01", hours=hours, subjects={"ethics": 2})
    client = Client()
    client.force_login(actors["city"])
    return client


def _store() -> None:
    call_command("compliance", "--year", "2018", "--as-of", "2019-01-01", "--store",
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip


def _people(body: str) -> list[str]:
    return re.findall(r'<tr data-person="(\d+)">', body)


def _get(client: Client, query: str) -> str:
    response = client.get(f"/compliance/?year=2018&unit=C1{query}")
    assert response.status_code == 200
    return response.content.decode()


def _all_rows(client: Client, query: str) -> list[str]:
    """Every row of every page, in order, following the pager's 下一页 link."""
    rows: list[str] = []
    page = 1
    while True:
        body = _get(client, f"{query}&page={page}")
        rows += _people(body)
        if "下一页" not in body:
            return rows
        page += 1


def test_the_list_is_paged_with_a_visible_count(city: Client) -> None:
    _store()
    first, second = _get(city, ""), _get(city, "&page=2")
    assert "共 60 人" in first
    assert "第 1–50 条，共 60 条" in first and "第 51–60 条，共 60 条" in second
    assert len(_people(first)) == 50 and len(_people(second)) == 10
    assert len(set(_people(first)) | set(_people(second))) == PEOPLE


QUERIES = [
    "",
    "&sort=name",
    "&sort=unit",
    "&risk=missed",
    "&risk=complete",
    "&risk=not_excellent",
    "&risk=missed&sort=name",
    "&clause=CQ-T4b",
    "&q=人员1",
]


def test_stored_and_live_rows_agree_for_every_filter_and_sort(city: Client) -> None:
    live = {q: _all_rows(city, q) for q in QUERIES}
    _store()
    stored = {q: _all_rows(city, q) for q in QUERIES}
    assert stored == live
    assert len(live[""]) == PEOPLE
    assert 0 < len(live["&risk=missed"]) < PEOPLE and 0 < len(live["&risk=complete"]) < PEOPLE
    assert len(live["&clause=CQ-T4b"]) == PEOPLE // 3  # only law-enforcement staff owe it
    assert len(live["&q=人员1"]) == 10


def test_sorted_by_name_and_by_risk(city: Client) -> None:
    _store()
    by_name = _get(city, "&sort=name")
    names = re.findall(r'people/\d+/">(人员\d\d)</a>', by_name)
    assert names == sorted(names) and names[0] == "人员00"
    by_risk = _get(city, "")  # the default: who missed most comes first
    first_row = by_risk[by_risk.index("<tr data-person") :].split("</tr>")[0]
    assert "未按期完成" in first_row


def test_units_by_name_with_their_unit_and_requirements_by_title(city: Client) -> None:
    _store()
    body = _get(city, "&sort=unit")
    assert "渝中区人力社保局 · 办公室" in body  # the department, with its unit
    assert "江北区司法局" in body
    assert re.search(r'title="CQ-T4b">行政执法人员法律知识培训<', body)  # title; clause on hover


def _sheet(content: bytes) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(row) for row in workbook.active.iter_rows(values_only=True)]


def test_the_filtered_list_exports_to_excel_at_once_when_small(city: Client) -> None:
    _store()
    shown = _all_rows(city, "&risk=missed&sort=name")
    response = city.post(
        "/compliance/export/", {"year": 2018, "unit": "C1", "risk": "missed", "sort": "name"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet(response.content)
    assert rows[0][:4] == ("姓名", "身份证号（脱敏）", "单位", "状态")
    assert len(rows) - 1 == len(shown)  # every page of the list, not only the first
    names = [r[0] for r in rows[1:]]
    assert names == sorted(names)
    assert all(r[3] == "逾期未完成" and re.fullmatch(r"\d\d\*{16}", r[1]) for r in rows[1:])
    assert AuditEvent.objects.filter(action="table.export").count() == 1


def test_a_large_export_runs_as_a_job_that_only_its_owner_downloads(
    city: Client,
    actors: dict[str, Any],
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.CIVTRAIN_JOBS_INLINE = True
    monkeypatch.setattr(exports, "IMMEDIATE_MAX", 10)
    _store()
    with django_capture_on_commit_callbacks(execute=True):  # the job starts after commit
        started = city.post("/compliance/export/", {"year": 2018, "unit": "C1"})
    assert started.status_code == 302
    job_page = started["Location"]
    assert re.fullmatch(r"/exports/\d+/", job_page)
    body = city.get(job_page).content.decode()
    assert "已导出 60 行" in body
    download = city.get(f"{job_page}download/")
    assert len(_sheet(b"".join(download.streaming_content))) == PEOPLE + 1
    other = Client()
    other.force_login(actors["district"])
    assert other.get(job_page).status_code == 404
    assert other.get(f"{job_page}download/").status_code == 404
    assert AuditEvent.objects.filter(action="table.export_download").count() == 1


def test_no_export_of_a_unit_outside_the_scope(
    bound: dict[str, OrgNodeData], actors: dict[str, Any]
) -> None:
    district = Client()
    district.force_login(actors["district"])  # D1 only
    assert district.post("/compliance/export/", {"year": 2018, "unit": "U2"}).status_code == 404
    assert not AuditEvent.objects.filter(action="table.export").exists()


def test_the_units_page_exports_its_table(city: Client) -> None:
    _store()
    page = city.get("/compliance/units/?unit=C1&year=2018").content.decode()
    shown = re.findall(r"<tr>\s*<td>([^<]+?)(?: <span|</td>)", page)
    response = city.post("/compliance/units/export/", {"year": 2018, "unit": "C1"})
    rows = _sheet(response.content)
    assert rows[0] == ("单位", "人数", "已完成", "完成率（%）", "暂缓确定等次")
    names = [r[0] for r in rows[1:]]
    assert names == [name.strip() for name in shown] == ["江北区", "渝中区"]  # lowest rate first
    assert sum(r[1] for r in rows[1:]) == PEOPLE


def test_hr_home_says_who_is_behind_and_links_to_them(city: Client, actors: dict[str, Any]) -> None:
    clock.freeze(dt.datetime(2018, 12, 31, 10, 0, tzinfo=clock.TZ))  # the deadline's own day
    call_command("compliance", "--year", "2018", "--as-of", "2018-12-31", "--store",
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    hr = Client()
    hr.force_login(actors["unit_hr"])  # U1, with its 办公室
    home = hr.get("/").content.decode()
    tasks = home[home.index('id="tasks-U1"') :]
    # U1's 20 people met the 90 h; its 办公室's 20 have 40 h, not yet missed (§8 "Deadlines").
    assert "20 人本年度还有培训要求未完成" in tasks
    assert "逾期未完成" not in tasks
    link = re.search(r'href="(/compliance/\?unit=U1&amp;year=2018&amp;risk=not_yet)"', tasks)
    assert link is not None
    listed = hr.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert "共 20 人" in listed
