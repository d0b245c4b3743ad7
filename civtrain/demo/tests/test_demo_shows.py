"""What the demo shows a visitor (issue #11 item 8): each city's own rule set over its own
period with people who met it and people who missed it for a stated reason, the national
set this year with requirements still open, and one headcount per unit on every page."""

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import Role
from civtrain.core import clock
from civtrain.demo.accounts import STAFF
from civtrain.demo.people import SHOWCASE_UNITS, plan_people, showcase_size
from civtrain.demo.steps import DemoContext, run_all
from civtrain.organisations.api import org_by_codes

AS_OF = dt.date(2026, 11, 23)
PASSWORDS = {s[1]: s[2] for s in STAFF}
# The rule titles of each set (its YAML files), as the compliance list names them.
CQ_TITLES = (
    "年度培训", "行政执法人员法律知识培训", "双基人员脱产培训", "职业道德培训", "任职培训",
    "初任培训",
)  # fmt: skip
ZZ_TITLES = ("年度学习学时", "年终网上学习效果测试")
NAT_TITLES = (
    "试用期内初任培训", "任职培训", "乡科级及以下年度集中培训", "县处级以上五年累计培训",
    "年度网络培训",
)  # fmt: skip


@pytest.fixture
def demo(db: Any) -> DemoContext:
    clock.freeze(dt.datetime(2026, 11, 23, 10, 0, tzinfo=clock.TZ))
    return run_all(DemoContext(seed=1, people=300, as_of=AS_OF))


def _client(username: str) -> Client:
    client = Client()
    response = testing.login_through_pages(client, username, PASSWORDS[username])
    assert response.status_code == 302 and response["Location"] == "/", response
    return client


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _list(client: Client, **params: Any) -> tuple[int, list[str]]:
    """The compliance list's count ("共 N 人") and the text of each row on its first page."""
    html = client.get("/compliance/", params).content.decode()
    count = re.search(r'id="compliance-count">共 (\d+) 人', html)
    assert count, html[:2000]
    body = html.split('id="compliance-people"', 1)[1].split("</tbody>", 1)[0]
    rows = [_text(r) for r in re.findall(r"<tr data-person.*?</tr>", body, flags=re.S)]
    return int(count.group(1)), rows


@pytest.mark.parametrize(
    ("username", "city", "year", "titles"),
    [("cq_city", "500000", 2018, CQ_TITLES), ("zz_city", "410100", 2015, ZZ_TITLES)],
)
def test_each_city_met_and_missed_its_own_set_in_its_period_with_the_reasons_listed(
    demo: DemoContext, username: str, city: str, year: int, titles: tuple[str, ...]
) -> None:
    client = _client(username)
    total, _ = _list(client, unit=city, year=year)
    met, _ = _list(client, unit=city, year=year, risk="complete")
    missed, rows = _list(client, unit=city, year=year, risk="missed")
    assert 0 < missed < met < total  # most met the city's set; some missed it
    assert met + missed == total  # a closed year: nothing is still open
    for row in rows:
        # Each row names the missed requirement of this city's set and what was lacking.
        assert any(t in row for t in titles), row
        assert not any(t in row for t in NAT_TITLES if t != "任职培训"), row
        assert "还差" in row or "未" in row, row
    # Reasons of more than one kind: the spread the demo plans (hours, law, tests, …).
    assert len({t for t in titles for row in rows if t in row}) >= 2


@pytest.mark.parametrize(("username", "city"), [("cq_city", "500000"), ("zz_city", "410100")])
def test_this_year_the_national_set_shows_met_still_open_and_missed(
    demo: DemoContext, username: str, city: str
) -> None:
    client = _client(username)
    total, _ = _list(client, unit=city, year=AS_OF.year)
    met, _ = _list(client, unit=city, year=AS_OF.year, risk="complete")
    still_open, open_rows = _list(client, unit=city, year=AS_OF.year, risk="not_yet")
    missed, missed_rows = _list(client, unit=city, year=AS_OF.year, risk="missed")
    assert 0 < still_open < total and 0 < met < total
    assert all("截止" in row or "满 5 年前完成" in row or "起）" in row for row in open_rows)
    # Missed before the year is out: an initial or appointment training whose deadline passed.
    assert missed > 0
    assert all("初任培训" in row or "任职培训" in row for row in missed_rows), missed_rows


def _count(pattern: str, html: str) -> int:
    found = re.search(pattern, html, flags=re.S)
    assert found, pattern
    return int(found.group(1))


@pytest.mark.parametrize(
    ("username", "district"), [("cq_yuzhong", "500103"), ("zz_jinshui", "410105")]
)
def test_one_headcount_per_unit_on_every_page(
    demo: DemoContext, username: str, district: str
) -> None:
    unit_code = next(s[3] for s in STAFF if s[0] == Role.UNIT_HR and s[3].startswith(district))
    nodes = org_by_codes([district, unit_code])
    unit, parent = nodes[unit_code], nodes[district]
    client = _client(username)
    people = _count(r"共 (\d+) 人", client.get("/people/", {"unit": unit.id}).content.decode())
    detail = client.get(f"/orgs/{unit.id}/").content.decode()
    tree = client.get(f"/orgs/{parent.id}/children/").content.decode()
    in_tree = _count(rf'href="/orgs/{unit.id}/".*?org-people".*?</i>(\d+)', tree)
    compliance = client.get("/compliance/", {"unit": unit_code}).content.decode()
    units = client.get("/compliance/units/", {"unit": district}).content.decode()
    in_units = _count(rf"{unit.name}</td>\s*<td[^>]*>(\d+)</td>", units)
    counts = {
        "people list": people,
        "org detail": _count(r'id="node-people">(\d+)<', detail),
        "org tree": in_tree,
        "compliance list": _count(r'id="compliance-count">共 (\d+) 人', compliance),
        "compliance summary": _count(r"完成 \d+ / (\d+) 人", compliance),
        "units page": in_units,
    }
    hr = _client(next(s[1] for s in STAFF if s[3] == unit_code))
    counts["HR home page"] = _count(r'stat-people">(\d+)<', hr.get("/").content.decode())
    assert len(set(counts.values())) == 1, counts
    assert counts["people list"] >= 10  # the HR unit holds a realistic number of people


def test_the_demo_hr_units_hold_dozens_in_the_full_demo_and_ten_in_a_small_one() -> None:
    assert showcase_size(2000) == 40 and showcase_size(60) == 10
    plans = plan_people(DemoContext(1, 2000, AS_OF).rng("people"), 2000, AS_OF)
    for code in SHOWCASE_UNITS.values():
        staff = [p for p in plans if p.unit_code.startswith(code)]
        assert len(staff) >= 40
        # A visible mix: law-enforcement officers and others, leaders, a recent hire.
        assert any(p.law_enforcement for p in staff) or code == SHOWCASE_UNITS["410100"]
        assert any(p.leadership_level for p in staff)
        assert any(p.reporting_date > AS_OF - dt.timedelta(days=365) for p in staff)


def test_the_hr_officer_sees_people_behind_with_reasons(demo: DemoContext) -> None:
    client = _client("cq_unit_hr")
    home = _text(client.get("/").content.decode())
    assert re.search(r"\d+ 人有培训要求逾期未完成", home), home
    total, _ = _list(client, unit=SHOWCASE_UNITS["500000"], year=AS_OF.year)
    missed, rows = _list(client, unit=SHOWCASE_UNITS["500000"], year=AS_OF.year, risk="missed")
    assert 0 < missed < total
    assert any("初任培训" in row and "不能任职定级" in row for row in rows), rows


def _classes(client: Client) -> list[tuple[str, str, str, int]]:
    """(title, dates, status, id) of each row of the class list."""
    html = client.get("/classes/").content.decode()
    body = html.split('id="class-table"', 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr><td.*?</tr>", body, flags=re.S):
        cells = [_text(c).strip() for c in re.findall(r"<td.*?</td>", row, flags=re.S)]
        pk = int(re.search(r'href="/classes/(\d+)/"', row).group(1))  # type: ignore[union-attr]
        rows.append((cells[0], cells[2], cells[-1], pk))
    return rows


SEASON_MONTHS = {"春季": (3, 4, 5), "夏季": (6, 7, 8), "秋季": (9, 10, 11), "冬季": (12, 1, 2)}


def test_one_class_in_every_state_named_after_its_dates(demo: DemoContext) -> None:
    client = _client("cq_city")
    rows = _classes(client)
    states = [r[2] for r in rows]
    for label in ("计划中", "报名中", "进行中", "成绩已确认", "已归档"):
        assert label in states, (label, rows)
    # Two open: one still taking nominations, one full with a waitlist; two running: one in
    # progress, one whose sessions are over and whose results wait to be made final.
    assert states.count("报名中") == 2 and states.count("进行中") == 2
    rosters = [
        _text(client.get(f"/enrolment/classes/{r[3]}/roster/").content.decode())
        for r in rows
        if r[2] == "报名中"
    ]
    assert any(re.search(r"候补 [1-9]\d* 人", t) for t in rosters), rosters
    assert any("候补 0 人" in t for t in rosters), rosters
    for title, start, _, _ in rows:
        day = dt.date.fromisoformat(re.search(r"\d{4}-\d{2}-\d{2}", start).group(0))  # type: ignore[union-attr]
        assert title.startswith(f"{day.year}年"), (title, day)
        season = next((s for s in SEASON_MONTHS if s in title), None)
        assert season is None or day.month in SEASON_MONTHS[season], (title, day)
