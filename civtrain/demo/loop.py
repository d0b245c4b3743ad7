"""Demo step: the management loop (issue #16) — survey → plan → classes → evaluation →
ratings → self-check, so that every page of the loop shows something on `make run`.

All through the apps' services, each write at the moment it would have happened (the clock
is set to that day and put back): the classes that have ended get their evaluation forms
(CQ-M4), answered anonymously by most of their trainees through `evaluation_answer`; the
third-party evaluator is commissioned for two classes and has written the report of one. In
渝中区 the district bureau surveyed its civil servants' needs in spring (CQ-M1); its units
planned their year on the findings (ZZ-O1) — most filed, one sent back with a reason and
filed after its resubmission, one returned, one submitted, one still a draft, and one unit
with no plan at all (overdue since 27 June); next year's unit survey is open. Units
self-checked last year (ZZ-O2: one returned, one never submitted) and begin this year's;
the district has a programme's mid-term check and final evaluation (CQ-O1).

The other units' HR officers are accounts with no password (they act only here); the demo
HR officer (`cq_unit_hr`) has last year's self-check, this year's filed plan with its
history, next year's draft and the open survey to answer. Randomness comes from the step's
own generator: the same seed gives the same answers.
"""

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from civtrain.accounts.api import SYSTEM, Role, User, role_assign, user_create
from civtrain.classes.api import classes_ended
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.demo.geography import CHONGQING
from civtrain.demo.people import SHOWCASE_UNITS
from civtrain.demo.steps import DemoContext
from civtrain.enrolment.api import enrolled_person_ids
from civtrain.evaluation import api as evaluation
from civtrain.faculty.api import teacher_names
from civtrain.organisations.api import OrgKind, OrgNodeData
from civtrain.people.api import person_ids_matching
from civtrain.plans import api as plans
from civtrain.surveys import api as surveys

DISTRICT = "500103"  # 渝中区, the demo HR unit's district

# How the trainees rate each teacher and each class (means on the 5-point form): one teacher
# low enough for the bureau's alert list, and this year's last class below it too.
TEACHER_MEANS = {"周立新": 4.6, "刘敏": 4.0, "陈建国": 2.9}
CLASS_MEANS = (4.0, 4.4, 3.1)  # the ended classes, oldest first
COMMENTS = (
    "",
    "",
    "案例教学很实用，希望增加现场教学。",
    "课程安排紧凑，建议适当增加研讨时间。",
    "住宿条件一般，希望改善。",
    "教师讲解深入浅出，收获很大。",
    "希望提前发放学习资料。",
)
# Subjects civil servants ask for, most first (the survey's demand against hours delivered).
DEMAND = {"法治": 6, "互联网+政务服务": 5, "公文写作": 4, "群众工作": 3, "经济与管理": 2}
PLANNED = (  # title, type, subjects, size, hours, budget
    ("依法行政能力提升培训班", "thematic", ["law"], 40, 24, 36000),
    ("公文写作与信息报送培训班", "specialised", ["writing"], 30, 12, 15000),
    ("数字政府与政务服务专题班", "thematic", ["internet_gov"], 40, 18, 24000),
    ("新任职干部任职培训班", "appointment", ["theory", "governance"], 25, 40, 52000),
    ("群众工作方法专题讲座", "in_service", ["mass_work", "lecture_series"], 80, 6, 5000),
)
RETURN_REASON = "计划中未安排公文写作类培训（ZZ-T2 要求每年不少于 3 期），请补充后重新报送。"
SELF_CHECK_TEXT = (
    "按计划举办各类培训班，参训人员学时登记完整，培训档案管理规范。",
    "部分基层人员参训时间难以保证，网络学习完成率不高。",
    "下一年度合理安排培训时间，加强网络学习督促检查。",
)


@contextmanager
def _on(day: dt.date, hour: int = 10) -> Iterator[None]:
    """Run the block as of `day` (a past event), then put the clock back as it was."""
    was = clock.frozen()
    clock.freeze(dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=clock.TZ))
    try:
        yield
    finally:
        clock.freeze(was)


def _users(person_ids: list[int]) -> list[Any]:
    """The people's accounts, in a stable order."""
    return list(User.objects.filter(person__pk__in=person_ids).order_by("pk"))


def _score(mean: float, rng: random.Random) -> int:
    return max(1, min(5, round(rng.gauss(mean, 0.7))))


class _Loop:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng = ctx.rng("loop")
        self.day = ctx.as_of
        self.year = ctx.as_of.year
        self.city = ctx.orgs[CHONGQING.code]
        self.district = ctx.orgs[DISTRICT]
        self.city_bureau = ctx.actors[CHONGQING.code]
        self.district_bureau = User.objects.get(username="cq_yuzhong")
        self.showcase = ctx.orgs[SHOWCASE_UNITS[CHONGQING.code]]
        self.units = sorted(
            (n for n in ctx.orgs.values() if n.kind == OrgKind.UNIT and n.code[:6] == DISTRICT),
            key=lambda n: n.code,
        )
        self.hr: dict[int, Any] = {}  # unit id -> its HR officer

    # --- evaluation (CQ-M4) ------------------------------------------------------------

    def evaluations(self) -> tuple[int, int]:
        """A form for every class that has ended, answered by most of its trainees."""
        ended = classes_ended(since=self.day - dt.timedelta(days=400), as_of=self.day)
        forms, answers = [], 0
        for n, training_class in enumerate(ended):
            with _on(training_class.end_date + dt.timedelta(days=1), 9):
                form = evaluation.evaluation_open(actor=SYSTEM, training_class=training_class)
            if form is None:
                continue
            forms.append(form.pk)
            items = evaluation.evaluation_items(form.pk)
            names = teacher_names(t for _, _, t in items if t)
            base = CLASS_MEANS[min(n, len(CLASS_MEANS) - 1)]
            trainees = _users(sorted(enrolled_person_ids(training_class.id)))
            # The latest class's form is still open: half have answered so far.
            share = 0.5 if n == len(ended) - 1 else 0.8
            answering = trainees[: max(3, round(len(trainees) * share))]
            with _on(min(training_class.end_date + dt.timedelta(days=3), self.day), 20):
                for user in answering:
                    scores = {
                        item: _score(TEACHER_MEANS.get(names.get(t or 0, ""), base), self.rng)
                        if t
                        else _score(base, self.rng)
                        for item, _, t in items
                    }
                    evaluation.evaluation_answer(
                        actor=user,
                        evaluation_id=form.pk,
                        scores=scores,
                        comment=self.rng.choice(COMMENTS),
                    )
                    answers += 1
        self._evaluator(forms)
        return len(forms), answers

    def _evaluator(self, forms: list[int]) -> None:
        """The third-party evaluator: commissioned for the last two forms; the report of the
        earlier one written from the template with its figures."""
        if len(forms) < 2:
            return
        evaluator = User.objects.get(username="cq_evaluator")
        for form_id in forms[-2:]:
            evaluation.evaluator_assign(
                actor=self.city_bureau, evaluation_id=form_id, user_id=evaluator.pk
            )
        draft = evaluation.report_draft(forms[-2])
        body = draft.replace(
            "（请评估人员填写）",
            "学员对培训方案和教学内容总体满意，建议增加案例研讨和现场教学的比重。",
            1,
        ).replace(
            "（请评估人员填写）",
            "该班达到了培训目标，评估等次为“良好”。",
            1,
        )
        evaluation.report_save(actor=evaluator, evaluation_id=forms[-2], body=body)

    # --- needs surveys (CQ-M1) -----------------------------------------------------------

    def _choices(self, options: list[str], k: int) -> list[int]:
        """`k` distinct options, the subjects people ask for more often drawn first."""
        weights = {i: DEMAND.get(label, 1) for i, label in enumerate(options)}
        picked: list[int] = []
        while len(picked) < min(k, len(options)):
            left = [i for i in weights if i not in picked]
            picked.append(self.rng.choices(left, [weights[i] for i in left])[0])
        return picked

    def _answers(self, survey_id: int) -> dict[int, object]:
        answers: dict[int, object] = {}
        for q in surveys.survey_questions(survey_id):
            if q["kind"] == "text":
                answers[q["id"]] = self.rng.choice(COMMENTS)
            elif q["kind"] == "single":
                answers[q["id"]] = self.rng.randrange(len(q["options"]))
            else:
                k = 3 if q["kind"] == "ranking" else self.rng.randint(1, 3)
                answers[q["id"]] = self._choices(q["options"], k)
        return answers

    def spring_survey(self) -> Any:
        """This year's survey of the district's civil servants, answered by most, closed."""
        y = self.year
        with _on(dt.date(y, 2, 18)):
            survey = surveys.survey_create(
                actor=self.district_bureau, org_id=self.district.id,
                title=f"{y}年度公务员培训需求调查（{self.district.name}）", year=y,
                respondent="person", opens_on=dt.date(y, 2, 20), closes_on=dt.date(y, 3, 31),
            )  # fmt: skip
        with _on(dt.date(y, 2, 20)):
            surveys.survey_open(actor=self.district_bureau, survey_id=survey.pk)
        people = person_ids_matching(actor=self.district_bureau, unit_id=self.district.id)
        with _on(dt.date(y, 3, 12), 15):
            for user in _users(people):
                if self.rng.random() < 0.7:
                    for invitation in surveys.survey_invitation_ids(user):
                        surveys.survey_answer(
                            actor=user, invitation_id=invitation, answers=self._answers(survey.pk)
                        )
        with _on(dt.date(y, 4, 1)):
            surveys.survey_close(actor=self.district_bureau, survey_id=survey.pk)
        return survey

    def next_year_survey(self) -> Any:
        """Next year's survey of the district's units, open: most units have answered, the
        demo HR unit has not yet."""
        with _on(self.day - dt.timedelta(days=6)):
            survey = surveys.survey_create(
                actor=self.district_bureau, org_id=self.district.id,
                title=f"{self.year + 1}年度培训需求调查（{self.district.name}各单位）",
                year=self.year + 1, respondent="unit", opens_on=self.day - dt.timedelta(days=6),
                closes_on=self.day + dt.timedelta(days=24),
            )  # fmt: skip
            surveys.survey_open(actor=self.district_bureau, survey_id=survey.pk)
        with _on(self.day - dt.timedelta(days=2), 16):
            for unit in self.units[:-3]:
                if unit.id == self.showcase.id or unit.id not in self.hr:
                    continue
                for invitation in surveys.survey_invitation_ids(self.hr[unit.id]):
                    surveys.survey_answer(
                        actor=self.hr[unit.id],
                        invitation_id=invitation,
                        answers=self._answers(survey.pk),
                    )
        return survey

    # --- annual plans (ZZ-O1) -------------------------------------------------------------

    def officers(self) -> None:
        """An HR officer for each unit of the district (the demo's own for its unit)."""
        self.hr[self.showcase.id] = User.objects.get(username="cq_unit_hr")
        for unit in self.units:
            if unit.id in self.hr:
                continue
            user = user_create(
                actor=SYSTEM, username=f"hr_{unit.code}", display_name=f"{unit.name}（人事）",
                org_id=unit.id,
            )  # fmt: skip
            role_assign(actor=SYSTEM, user=user, role=Role.UNIT_HR, org_id=unit.id)
            self.hr[unit.id] = user

    def _plan(self, actor: Actor, org: OrgNodeData, year: int, survey_id: int | None) -> Any:
        plan = plans.plan_open(actor=actor, org_id=org.id, year=year)
        for title, kind, subjects, size, hours, budget in self.rng.sample(PLANNED, 3):
            plans.planned_class_add(
                actor=actor, plan_id=plan.pk, title=title, training_type=kind,
                subjects=subjects, size=size, hours=hours, budget=budget,
                audience=f"{org.name}在职公务员",
            )  # fmt: skip
        if survey_id is not None:
            plans.plan_survey_attach(actor=actor, plan_id=plan.pk, survey_id=survey_id)
        return plan

    def plans(self, survey_id: int, next_survey_id: int) -> dict[str, int]:
        y, states = self.year, {"filed": 0, "submitted": 0, "returned": 0, "draft": 0}
        others = [u for u in self.units if u.id != self.showcase.id]
        late = {others[-4].id: "returned", others[-3].id: "submitted", others[-2].id: "draft"}
        missing = others[-1].id  # no plan at all: on the overdue list
        for n, unit in enumerate(self.units):
            if unit.id == missing:
                continue
            hr = self.hr[unit.id]
            state = late.get(unit.id, "filed")
            with _on(dt.date(y, 4, 10) + dt.timedelta(days=n) if state == "filed" else
                     dt.date(y, 9, 1)):  # fmt: skip
                plan = self._plan(hr, unit, y, survey_id)
            states[state] += 1
            if state == "draft":
                continue
            with _on(dt.date(y, 6, 1) + dt.timedelta(days=n % 20) if state == "filed" else
                     dt.date(y, 9, 15)):  # fmt: skip
                plans.plan_submit(actor=hr, plan_id=plan.pk)
            if state == "submitted":
                continue
            if state == "returned" or unit.id == self.showcase.id:
                with _on(dt.date(y, 6, 22) if state == "filed" else dt.date(y, 9, 20)):
                    plans.plan_return(
                        actor=self.district_bureau, plan_id=plan.pk, reason=RETURN_REASON
                    )
                if state == "returned":
                    continue
                with _on(dt.date(y, 6, 24)):
                    plans.planned_class_add(
                        actor=hr, plan_id=plan.pk, title="公文写作专题培训班（第二期）",
                        training_type="specialised", subjects=["writing"], size=30, hours=12,
                        budget=12000, audience=f"{unit.name}综合岗位人员",
                    )  # fmt: skip
                    plans.plan_submit(actor=hr, plan_id=plan.pk)
            with _on(dt.date(y, 6, 26), 15):
                plans.plan_file(actor=self.district_bureau, plan_id=plan.pk)
        # The district's own plan, filed by the city; the city's plan against its classes.
        with _on(dt.date(y, 5, 20)):
            district = self._plan(self.district_bureau, self.district, y, survey_id)
            plans.plan_submit(actor=self.district_bureau, plan_id=district.pk)
        with _on(dt.date(y, 6, 5)):
            plans.plan_file(actor=self.city_bureau, plan_id=district.pk)
        with _on(dt.date(y, 3, 1)):
            city = self._plan(self.city_bureau, self.city, y, None)
        ended = classes_ended(since=dt.date(y, 1, 1), as_of=self.day)
        for planned_id, training_class in zip(
            plans.planned_class_ids(city.pk), ended, strict=False
        ):
            plans.planned_class_link(
                actor=self.city_bureau, plan_id=city.pk, planned_id=planned_id,
                class_id=training_class.id,
            )  # fmt: skip
        # Next year's plan of the demo HR unit, begun after the open survey.
        self._plan(self.hr[self.showcase.id], self.showcase, y + 1, next_survey_id)
        return states

    # --- self-checks (ZZ-O2, CQ-O1) ---------------------------------------------------------

    def _check(self, actor: Actor, org_id: int, kind: str, years: tuple[int, int]) -> Any:
        check = plans.selfcheck_open(
            actor=actor, org_id=org_id, kind=kind, year_from=years[0], year_to=years[1]
        )
        achievements, problems, measures = SELF_CHECK_TEXT
        plans.selfcheck_save(
            actor=actor, check_id=check.pk, achievements=achievements, problems=problems,
            measures=measures,
        )  # fmt: skip
        return check

    def self_checks(self) -> int:
        y = self.year
        # Last year's, due 31 January: accepted, one returned, one never submitted.
        for n, unit in enumerate(self.units[:-1]):
            hr = self.hr[unit.id]
            with _on(dt.date(y, 1, 10) + dt.timedelta(days=n % 15)):
                check = self._check(hr, unit.id, "annual", (y - 1, y - 1))
                plans.selfcheck_submit(actor=hr, check_id=check.pk)
            with _on(dt.date(y, 2, 5)):
                plans.selfcheck_review(
                    actor=self.district_bureau, check_id=check.pk, accept=n != 1,
                    reason="" if n != 1 else "未说明网络学习完成情况，请补充数据后重新报送。",
                )  # fmt: skip
        # This year's: the demo HR unit is writing its own; three units have submitted.
        with _on(self.day):
            self._check(self.hr[self.showcase.id], self.showcase.id, "annual", (y, y))
            for unit in [u for u in self.units if u.id != self.showcase.id][:3]:
                check = self._check(self.hr[unit.id], unit.id, "annual", (y, y))
                plans.selfcheck_submit(actor=self.hr[unit.id], check_id=check.pk)
        # The district's programme: the mid-term check of 2024–2028 (submitted to the city)
        # and the final evaluation of 2021–2025 (accepted).
        with _on(self.day - dt.timedelta(days=3)):
            check = self._check(self.district_bureau, self.district.id, "midterm", (y - 2, y))
            plans.selfcheck_submit(actor=self.district_bureau, check_id=check.pk)
        with _on(dt.date(y, 2, 28)):
            check = self._check(self.district_bureau, self.district.id, "final", (y - 5, y - 1))
            plans.selfcheck_submit(actor=self.district_bureau, check_id=check.pk)
        with _on(dt.date(y, 3, 20)):
            plans.selfcheck_review(actor=self.city_bureau, check_id=check.pk, accept=True)
        return len(self.units) - 1 + 1 + 3 + 2


def run(ctx: DemoContext) -> str:
    loop = _Loop(ctx)
    forms, answers = loop.evaluations()
    loop.officers()
    spring = loop.spring_survey()
    autumn = loop.next_year_survey()
    states = loop.plans(spring.pk, autumn.pk)
    checks = loop.self_checks()
    return (
        f"{forms} 份培训班评估（{answers} 人匿名作答，1 份第三方评估报告）；2 份需求调查；"
        f"{loop.district.name}{ctx.as_of.year}年度计划：备案 {states['filed']}、"
        f"已报送 {states['submitted']}、退回 {states['returned']}、草稿 {states['draft']}、"
        f"未编制 1；{checks} 份自查报告"
    )
