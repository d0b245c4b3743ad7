"""The demo's management loop (issue #16): each page of survey → plan → classes → evaluation
→ ratings → self-check shows something on the demo data, and the same seed gives the same
loop. Pages are read as their users would (text on the page), never by database ids."""

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from civtrain.accounts.api import User
from civtrain.core import clock
from civtrain.demo.steps import DemoContext, run_all

AS_OF = dt.date(2026, 11, 23)


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _as(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return _text(response.content.decode())


def _links(client: Client, url: str, pattern: str) -> list[str]:
    html = client.get(url).content.decode()
    return sorted(set(re.findall(rf'href="({pattern})"', html)))


@pytest.fixture
def demo(db: Any) -> Iterator[DemoContext]:
    clock.freeze(dt.datetime(2026, 11, 23, 10, 0, tzinfo=clock.TZ))
    yield run_all(DemoContext(seed=1, people=300, as_of=AS_OF))
    clock.freeze(None)


def test_the_bureau_sees_evaluated_classes_ratings_and_alerts(demo: DemoContext) -> None:
    # The step set the clock to each past event's day and put it back as it found it.
    assert clock.now() == dt.datetime(2026, 11, 23, 10, 0, tzinfo=clock.TZ)
    # CQ-M4: every ended class has its form; response rates; a low teacher on the alerts.
    city = _as("cq_city")
    forms = _page(city, "/evaluation/?year=2026")
    assert "行政执法能力提升培训班" in forms and "基层治理专题研讨班" in forms
    assert re.search(r"7 / 9 \d+\.\d 已结束", forms), forms  # response rate, mean
    assert re.search(r"4 / 8 \d+\.\d 评估中", forms), forms  # still open
    assert "公文写作与信息报送培训班" in _page(city, "/evaluation/?year=2025")  # last year's
    scores = _page(city, "/evaluation/scores/?year=2026")
    assert "周立新" in scores and "刘敏" in scores and "陈建国" in scores
    alerts = _page(city, "/evaluation/alerts/?year=2026")
    assert "陈建国" in alerts and "周立新" not in alerts
    assert "基层治理专题研讨班" in alerts  # this year's last class is rated below 70
    # The third-party evaluator: two classes commissioned, the report of one written.
    evaluator = _as("cq_evaluator")
    forms = _links(evaluator, "/evaluation/", r"/evaluation/\d+/")
    assert len(forms) == 2
    printed = [
        link
        for form in forms
        for link in _links(evaluator, form, r"/evaluation/\d+/report/\d+/print/")
    ]
    assert len(printed) == 1
    report = _page(evaluator, printed[0])
    assert "行政执法能力提升培训班" in report and "参评率" in report
    assert "（请评估人员填写）" not in report


def test_the_district_sees_its_surveys_plans_and_self_checks(demo: DemoContext) -> None:
    # ZZ-O1: filed, submitted, returned, draft; the unit with no plan is overdue.
    district = _as("cq_yuzhong")
    plans = _page(district, "/plans/?year=2026")
    for status in ("已备案", "已报送", "已退回", "草稿"):
        assert status in plans, status
    overdue = _page(district, "/plans/overdue/?year=2026")
    assert "未编制" in overdue
    # The demo HR unit's plan was returned with a reason, resubmitted and filed.
    hr = _as("cq_unit_hr")
    own = _links(hr, "/plans/?year=2026", r"/plans/\d+/")
    assert len(own) == 1
    page = _page(hr, own[0])
    assert "已备案" in page and "公文写作类培训" in page  # the reason, in the history
    assert "2026年度公务员培训需求调查（渝中区）" in page  # the survey it answers
    # CQ-M1: the spring survey's results; next year's survey open for the HR officer.
    listed = _page(district, "/surveys/?year=2026")
    assert "2026年度公务员培训需求调查（渝中区）" in listed
    results = _links(district, "/surveys/?year=2026", r"/surveys/\d+/")
    assert results
    page = _page(district, results[0] + "results/")
    assert "法治" in page
    to_answer = _links(hr, "/surveys/mine/", r"/surveys/answer/\d+/")
    assert len(to_answer) == 1
    assert "2027年度培训需求调查" in _page(hr, to_answer[0])
    # ZZ-O2, CQ-O1: self-checks written, submitted, reviewed, overdue.
    this_year = _page(district, "/plans/self-checks/?year=2026")
    assert "已报送" in this_year and "中期检查" in this_year
    last_year = _page(district, "/plans/self-checks/?year=2025")
    assert "已审核" in last_year and "已退回" in last_year and "终期评估" in last_year
    assert "未报送" in _page(district, "/plans/self-checks/overdue/?year=2025")
    own = _links(hr, "/plans/self-checks/?year=2026", r"/plans/self-checks/\d+/")
    assert len(own) == 1
    assert "存在的问题" in _page(hr, own[0])


def _loop_snapshot(ctx: DemoContext) -> list[Any]:
    """What the loop's pages show, without ids: each form's figures, each survey's counts,
    each plan's and self-check's state."""
    city = _as("cq_city")
    district = _as("cq_yuzhong")
    forms = _links(city, "/evaluation/?year=2026", r"/evaluation/\d+/")
    pages = [_page(city, link) for link in forms]
    pages.append(_page(city, "/evaluation/scores/?year=2026"))
    pages.append(_page(district, "/plans/?year=2026"))
    pages.append(_page(district, "/plans/self-checks/?year=2025"))
    surveys = _links(district, "/surveys/?year=2026", r"/surveys/\d+/")
    pages += [_page(district, link + "results/") for link in surveys]
    # Times and ids differ between runs; what the pages say must not. A form lists its
    # comments in the order of the responses' random ids (no order may follow who answered,
    # ADR 0021): the same comments, in any order.
    return [_comments_sorted(re.sub(r"\d{2}:\d{2}|/\d+/", "#", p)) for p in pages]


def _comments_sorted(text: str) -> str:
    return re.sub(
        r"(意见和建议 )(.*?)( 第三方评估)",
        lambda m: m.group(1) + " ".join(sorted(m.group(2).split(" "))) + m.group(3),
        text,
    )


def test_the_same_seed_gives_the_same_loop(db: Any) -> None:
    clock.freeze(dt.datetime(2026, 11, 23, 10, 0, tzinfo=clock.TZ))
    snapshots = []
    for _ in range(2):
        with transaction.atomic():
            ctx = run_all(DemoContext(seed=3, people=150, as_of=AS_OF))
            snapshots.append(_loop_snapshot(ctx))
            transaction.set_rollback(True)
    clock.freeze(None)
    assert snapshots[0] == snapshots[1]
    assert len(snapshots[0]) >= 6
