"""The compliance list a page at a time (issue #11 item 2): a visible count, paging, sorting,
and the same rows whether they come from the stored snapshots or a live evaluation; units
shown by a name people recognise (item 3), requirements by their Chinese titles (item 6)."""

import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from civtrain.compliance.tests.ledger_builders import entry
from civtrain.core import clock
from civtrain.organisations.api import OrgNodeData
from civtrain.testing import make_person

PEOPLE = 60  # more than one page of 50


@pytest.fixture
def city(bound: dict[str, OrgNodeData], actors: dict[str, Any]) -> Client:
    """60 people of 重庆 in 2018, seen on 1 January 2019 (§8 "Deadlines": the year's amounts
    are missed from this day): a third met the 90 h (CQ-T1), a third fell short, a third of
    the law-enforcement staff lack the law hours (CQ-T4b)."""
    clock.freeze(clock.now().replace(year=2019, month=1, day=1))
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
