"""我的课程: what a learner still lacks this year by the governing rule set, and the open
courses that fill each gap (#12 item 1; CQ-G1, CQ-T4b, CQ-T2, CQ-T7), in both languages."""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import SYSTEM, User
from civtrain.compliance.api import rulesets_install
from civtrain.core import clock
from civtrain.credits.api import credit_entry_record
from civtrain.learning import api
from civtrain.people.data import Category

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _gaps(html: str) -> dict[str, str]:
    """Each gap row's text by the rule it is for."""
    card = html.split('id="required-gaps"', 1)[1].split('id="catalogue"', 1)[0]
    rows = re.findall(r'data-rule="([^"]+)">(.*?)</div>\s*(?=<div class="list-group-item|</div>)',
                      card, flags=re.S)  # fmt: skip
    return {rule: _text(body).strip() for rule, body in rows}


@pytest.fixture
def learner(tree: dict, actors: dict[str, Any]) -> Client:
    """A law-enforcement officer of a grassroots unit in 2018, under Chongqing's 13th-plan set,
    with 62.5 classroom 学时 this year, 20 of them in law; three courses open to them."""
    rulesets_install(
        actor=SYSTEM,
        bindings=[("chongqing-13fyp", "C1", dt.date(2016, 1, 1), dt.date(2020, 12, 31))],
    )
    clock.freeze(dt.datetime(2018, 6, 1, 9, 0, tzinfo=clock.TZ))
    person = testing.make_person(
        tree["U1"], name="执法甲", category=Category.LAW_ENFORCEMENT, law_enforcement=True,
        grassroots=True, reporting_date=dt.date(2010, 9, 1),
    )  # fmt: skip
    credit_entry_record(
        actor=SYSTEM, person_id=person.id, title="依法行政专题培训班", date=dt.date(2018, 4, 20),
        hours=Decimal("62.5"), training_type="in_service", mode="on_site",
        subject_hours={"law": Decimal(20)}, source_type="manual", source_ref="test:gaps:1",
    )  # fmt: skip
    for title, subjects, hours in (
        ("行政执法实务", {"law": "2"}, "2"),
        ("职业道德修养", {"ethics": "1"}, "1"),
        ("公文写作", {"writing": "1"}, "1"),
    ):
        api.course_create(
            actor=actors["city"], title=title, org_code="C1", kind="video", hours=hours,
            subjects=subjects,
        )  # fmt: skip
    client = Client()
    client.force_login(User.objects.get(person__pk=person.id))
    return client


def test_the_learner_sees_what_is_missing_and_the_courses_that_fill_it(learner: Client) -> None:
    html = learner.get("/learning/").content.decode()
    assert "2018 年度还差的培训" in html
    assert 'id="gaps-ruleset">重庆市“十三五”行政机关公务员培训</span>' in html
    gaps = _gaps(html)
    # CQ-T4b: 24 学时 of law a year for law enforcement; 20 recorded.
    law = gaps["cq-t4b-law"]
    assert "20 / 24 学时，还差 4 学时法治培训" in law and "截止 2018-12-31" in law
    assert "可补足此项的课程： 行政执法实务 2 学时" in law
    assert "职业道德修养" not in law and "公文写作" not in law
    # CQ-G1: 90 学时 (or 12 days) a year, any subject: every open course counts.
    annual = gaps["cq-g1-annual"]
    assert "62.5 / 90 学时，还差 27.5 学时培训（或累计 12 天）" in annual
    assert {"行政执法实务", "职业道德修养", "公文写作"} <= set(re.findall(r"\S+", annual))
    # CQ-T2: an ethics training once in 2016–2020.
    ethics = gaps["cq-t2-ethics"]
    assert "0 / 1 次，还差 1 次职业道德培训" in ethics and "截止 2020-12-31" in ethics
    assert "职业道德修养" in ethics and "行政执法实务" not in ethics
    # CQ-T7: six days off the job for 双基 staff: no online course counts toward it.
    grassroots = gaps["cq-t7-grassroots"]
    assert "还差 6 天脱产培训" in grassroots
    assert "网络课程不计入此项" in grassroots and "可补足" not in grassroots


def test_a_finished_course_leaves_the_suggestions(learner: Client, actors: dict) -> None:
    law = api.course_create(
        actor=actors["city"], title="执法规范化建设", org_code="C1", kind="xapi", hours="4",
        subjects={"law": "4"},
    )  # fmt: skip
    person = User.objects.get(pk=learner.session["_auth_user_id"]).person
    api.course_complete(actor=SYSTEM, person_id=person.pk, course_id=law.id, source="xapi")
    gaps = _gaps(learner.get("/learning/").content.decode())
    assert "cq-t4b-law" not in gaps  # 24 / 24 学时: met, no longer listed
    assert "66.5 / 90 学时，还差 23.5 学时" in gaps["cq-g1-annual"]
    assert "执法规范化建设" not in gaps["cq-g1-annual"]


def test_the_english_page_says_it_in_english(learner: Client) -> None:
    learner.cookies["django_language"] = "en"
    html = learner.get("/learning/").content.decode()
    assert "What you still need in 2018" in html
    law = _gaps(html)["cq-t4b-law"]
    assert "20 / 24 hours: 4 hours to go (法治培训)" in law and "Due 2018-12-31" in law
    assert "Courses that count toward it: 行政执法实务 2 hours" in law
    grassroots = _gaps(html)["cq-t7-grassroots"]
    assert "Online courses do not count toward this" in grassroots


def test_the_page_evaluates_the_learner_once_for_the_bars_and_the_gaps(
    learner: Client, monkeypatch: Any
) -> None:
    from civtrain.compliance import api as compliance_api

    real, calls = compliance_api.person_evaluate, []

    def counted(person_id: int, **kwargs: Any) -> Any:
        calls.append(person_id)
        return real(person_id, **kwargs)

    monkeypatch.setattr(compliance_api, "person_evaluate", counted)
    html = learner.get("/learning/").content.decode()
    assert len(calls) == 1
    # both show the same evaluation: the bar of CQ-G1 and its gap
    assert 'data-rule="cq-g1-annual"' in html.split('id="learner-progress"', 1)[1]
    assert "62.5 / 90 学时，还差 27.5 学时" in _gaps(html)["cq-g1-annual"]
