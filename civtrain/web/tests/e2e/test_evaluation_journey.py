"""Journey of issue #16 (CQ-M4 凡训必评): a class ends → its trainees evaluate it on a phone
→ the teacher's rating and the institution's score appear on the bureau's score page → the
bureau commissions the third-party evaluator, who writes the report from its template."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from civtrain import testing
from civtrain.accounts.api import SYSTEM, User, user_password_set
from civtrain.classes.api import (
    ClassInput,
    ClassStatus,
    SessionInput,
    class_create,
    class_transition,
    session_create,
)
from civtrain.demo.geography import CHONGQING
from civtrain.demo.steps import DemoContext
from civtrain.enrolment.api import nominations_create
from civtrain.evaluation.api import evaluations_open_due
from civtrain.faculty.api import teacher_for_user
from civtrain.web.tests.e2e.conftest import AS_OF, Web

PHONE = {"width": 390, "height": 844}
CITY = ("cq_city", "Cq-City#2026demo")
EVALUATOR = ("cq_evaluator", "Cq-Eval#2026demo")
HR_UNIT = "500103003"  # cq_unit_hr's unit
PASSWORD = "Trainee-Eval#2026"
TITLE = "评估测试班（依法行政）"
TEACHER = "周立新"  # the demo teacher (cq_teacher)


@dataclass
class Ended:
    trainees: list[str]  # login names


@pytest.fixture
def ended(demo: DemoContext) -> Ended:
    """A class of three trainees that ends on the (frozen) as-of day, one session taught by
    the demo teacher; the schedule's pull has opened its form (built before the browser)."""
    bureau = demo.actors[CHONGQING.code]
    city = demo.orgs[CHONGQING.code]
    school = testing.make_institution(city, name="重庆市评估测试学院")
    teacher = teacher_for_user(User.objects.get(username="cq_teacher").pk)
    assert teacher is not None
    tc = class_create(
        actor=bureau,
        data=ClassInput(
            code="E2E-EVAL-01",
            title=TITLE,
            training_type="thematic",
            mode="off_the_job",
            organiser_id=city.id,
            institution_id=school.id,
            start_date=AS_OF - dt.timedelta(days=2),
            end_date=AS_OF,
            days=Decimal(3),
            total_hours=Decimal(12),
            capacity=10,
            subject_hours={},
        ),
    )
    session_create(
        actor=bureau,
        class_id=tc.id,
        data=SessionInput(
            date=AS_OF - dt.timedelta(days=1),
            start_time=dt.time(9),
            end_time=dt.time(12),
            topic="行政执法实务",
            hours=Decimal(3),
            subject="law",
            teacher_id=teacher.id,
        ),
    )
    class_transition(actor=bureau, class_id=tc.id, to=ClassStatus.OPEN)
    people = [testing.make_person(demo.orgs[HR_UNIT], name=n) for n in ("评甲", "评乙", "评丙")]
    nominations_create(
        actor=User.objects.get(username="cq_unit_hr"),
        class_id=tc.id,
        person_ids=[p.id for p in people],
    )
    class_transition(actor=bureau, class_id=tc.id, to=ClassStatus.RUNNING)
    users = [User.objects.get(person__pk=p.id) for p in people]
    for user in users:
        user_password_set(actor=SYSTEM, user_id=user.pk, password=PASSWORD)
    assert evaluations_open_due() >= 1  # the class ends today: the schedule opens its form
    return Ended(trainees=[u.username for u in users])


def _evaluate_on_a_phone(web: Web, username: str, mark: int) -> None:
    page = web.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    web.login(page, username, PASSWORD)
    page.locator(".navbar-toggler").tap()
    page.locator("#sidebar-menu").get_by_role("link", name="我的评估").tap()
    row = page.locator("#my-evaluations .list-group-item", has_text=TITLE)
    row.get_by_role("link", name="去评估").tap()
    expect(page.locator("h1.page-title")).to_have_text("培训班评估")
    groups = page.locator("#evaluation-form fieldset")
    assert (
        groups.count() == 6
    )  # plan, content, the teacher's session, management, logistics, overall
    for i in range(groups.count()):
        groups.nth(i).locator("label.btn").nth(mark - 1).tap()
    page.locator("#comment").fill(f"建议增加案例教学（{mark}）")
    page.get_by_role("button", name="提交评估").tap()
    expect(page.locator(".alert-success")).to_contain_text("评估已提交")
    expect(page.locator("#my-evaluations .list-group-item", has_text=TITLE)).to_contain_text(
        "已评估"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.context.close()


def _rating(row: Any) -> tuple[float, int]:
    """A score row's mean this year and its number of ratings (0 and 0 when not listed)."""
    if not row.count():
        return 0.0, 0
    mean = row.locator(".score").inner_text().strip()
    return (0.0 if mean == "—" else float(mean)), int(row.locator("td").last.inner_text())


def test_trainees_evaluate_on_phones_ratings_move_and_the_evaluator_reports(
    ended: Ended, web: Web
) -> None:
    bureau = web.new_page()
    web.login(bureau, *CITY)
    bureau.goto(f"/evaluation/scores/?year={AS_OF.year}")
    # The demo teacher's rating so far this year (the demo's own classes), and its count.
    teacher_row = bureau.locator("#teacher-scores tr", has_text=TEACHER)
    score, count = _rating(teacher_row)

    _evaluate_on_a_phone(web, ended.trainees[0], 5)
    _evaluate_on_a_phone(web, ended.trainees[1], 4)
    # Two answers: the rate counts them, no figure is shown yet (anonymity).
    bureau.goto(f"/evaluation/?year={AS_OF.year}")
    row = bureau.locator("#evaluation-table tr", has_text=TITLE)
    expect(row.locator(".response-rate")).to_have_text("2 / 3")
    bureau.goto(f"/evaluation/scores/?year={AS_OF.year}")
    assert _rating(teacher_row) == (score, count)  # two answers are not shown yet

    _evaluate_on_a_phone(web, ended.trainees[2], 3)
    # Three answers (5, 4, 3 of 5 = 80): the teacher's rating takes them in, and the new
    # institution's score is theirs alone.
    bureau.reload()
    new_score, new_count = _rating(teacher_row)
    assert new_count == count + 3
    expected = (score * count + 80 * 3) / (count + 3) if count else 80.0
    assert abs(new_score - expected) <= 0.1, (new_score, expected)
    school_row = bureau.locator("#institution-scores tr", has_text="重庆市评估测试学院")
    expect(school_row.locator(".score")).to_have_text("80.0")

    # The bureau commissions the evaluator on the class's page.
    bureau.goto(f"/evaluation/?year={AS_OF.year}")
    bureau.locator("#evaluation-table a", has_text=TITLE).click()
    expect(bureau.locator("#response-rate")).to_have_text("3 / 3")
    expect(bureau.locator("#overall")).to_have_text("80.0")
    bureau.get_by_role("button", name="委托评估").click()
    expect(bureau.locator(".alert-success")).to_contain_text("已委托第三方评估")

    evaluator = web.new_page()
    web.login(evaluator, *EVALUATOR)
    evaluator.goto("/evaluation/")
    evaluator.locator("#evaluation-table a", has_text=TITLE).click()
    evaluator.get_by_role("link", name="撰写评估报告").click()
    body = evaluator.locator("#report-body")
    expect(body).to_contain_text("应评 3 人，实评 3 人，参评率 100%")
    expect(body).to_contain_text("综合得分（百分制）：80.0")
    body.fill(body.input_value() + "\n结论：教学效果良好，建议推广案例教学。")
    evaluator.get_by_role("button", name="保存报告").click()
    expect(evaluator.locator(".alert-success")).to_contain_text("评估报告已保存")
    evaluator.locator("#report-print").click()
    expect(evaluator.locator("#report-text")).to_contain_text("结论：教学效果良好")
    web.assert_clean()
