"""Demo step: exams (issue #14 item 7) — two banks with every question type, a fixed paper
and a blueprint paper drawn from both banks (重庆市), the year-end online test of 金水区 (郑州,
ZZ-N3) with submitted attempts, passes and failures, and the completion exam of the class
held and awaiting its results, its results released into the class's exam scores (ZZ-M1).

Attempts are sat as of the demo's day; who answers what is drawn from the step's own
generator, so the same seed gives the same sittings. The two demo learners are candidates
of the fixed paper, so they see an exam waiting on their phone.
"""

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from civtrain.accounts.api import Role, User
from civtrain.classes.api import classes_to_finalise
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.demo.geography import CHONGQING, ZHENGZHOU
from civtrain.demo.people import SHOWCASE_UNITS
from civtrain.demo.steps import DemoContext
from civtrain.exams import api as exams
from civtrain.exams.data import ParsedFile, QuestionInput, QuestionKind
from civtrain.people.api import person_for_user

S, M, TF = QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE
FILL, SHORT = QuestionKind.FILL, QuestionKind.SHORT


def _single(text: str, options: tuple[str, ...], right: int, difficulty: int) -> QuestionInput:
    return QuestionInput(S, text, options, (right,), difficulty=difficulty, source="公务员法")


LAW = [
    _single("我国的根本大法是", ("宪法", "刑法", "民法典", "公务员法"), 0, 1),
    _single("《公务员法》现行版本自哪一年6月1日起施行？", ("2006", "2017", "2019", "2020"), 2, 2),
    _single(
        "公务员的领导职务根据什么设置？",
        ("宪法、有关法律和机构规格", "个人意愿", "单位人数", "上级口头指示"),
        0,
        3,
    ),
    _single(
        "公务员职级序列中，综合管理类最低的职级是",
        ("一级科员", "二级科员", "四级主任科员", "办事员"),
        1,
        3,
    ),
    _single(
        "对公务员的监督，应当坚持", ("依法监督、注重实效", "事后处理", "以罚代管", "只看结果"), 0, 4
    ),
    QuestionInput(
        M,
        "公务员培训的种类包括",
        ("初任培训", "任职培训", "专门业务培训", "在职培训", "出国旅游"),
        (0, 1, 2, 3),
        difficulty=2,
    ),
    QuestionInput(
        M,
        "公务员应当履行的义务有",
        ("忠于宪法", "保守国家秘密", "经商办企业", "清正廉洁"),
        (0, 1, 3),
        difficulty=3,
    ),
    QuestionInput(TF, "新录用的公务员应当在试用期内参加初任培训。", truth=True, difficulty=1),
    QuestionInput(TF, "公务员每年参加脱产培训的时间累计不少于12天。", truth=True, difficulty=2),
    QuestionInput(TF, "公务员可以参加营利性活动并在企业兼任职务。", truth=False, difficulty=1),
    QuestionInput(
        FILL, "公务员的考核分为平时考核、专项考核和____考核。", accepted=("定期",), difficulty=2
    ),
    QuestionInput(
        SHORT,
        "简述公务员培训的主要种类。",
        rubric="初任培训、任职培训、专门业务培训、在职培训（对全体公务员），"
        "每答对一种得 1 分，说明对象得 1 分。",
        difficulty=4,
    ),
]
ETHICS = [
    _single("公务员职业道德建设的核心是", ("忠于国家", "服务人民", "恪尽职守", "公正廉洁"), 1, 2),
    _single(
        "公务员处理公务时遇到利益冲突，应当",
        ("主动回避", "照常办理", "请亲友代办", "拖延不办"),
        0,
        1,
    ),
    _single(
        "下列做法符合公务员职业道德的是",
        ("接受服务对象宴请", "公开办事程序", "泄露工作秘密", "推诿扯皮"),
        1,
        2,
    ),
    QuestionInput(
        M,
        "公务员职业道德的基本要求包括",
        ("坚定信念", "忠于国家", "服务人民", "谋取私利"),
        (0, 1, 2),
        difficulty=3,
    ),
    QuestionInput(TF, "公务员在工作时间以外的言行不受职业道德约束。", truth=False, difficulty=2),
    QuestionInput(TF, "依法办事是公务员职业道德的基本要求之一。", truth=True, difficulty=1),
    QuestionInput(
        FILL,
        "公务员职业道德要求“忠于国家、服务人民、恪尽职守、____”。",
        accepted=("公正廉洁",),
        difficulty=3,
    ),
    QuestionInput(
        SHORT,
        "结合本职工作，谈谈如何做到恪尽职守。",
        rubric="能结合岗位职责举例 3 分；认识到位 2 分。",
        difficulty=4,
    ),
]


@contextmanager
def _clock_at(moment: dt.datetime) -> Iterator[None]:
    """Sittings happen at the demo's day (`--as-of`), not necessarily today."""
    if moment.date() == clock.today():
        yield
        return
    clock.freeze(moment)
    try:
        yield
    finally:
        clock.freeze(None)


def _bank(actor: Actor, org_id: int, name: str, subject: str, questions: list) -> Any:
    bank = exams.bank_create(actor=actor, name=name, org_id=org_id, subject=subject)
    exams.questions_import(
        actor=actor, bank_id=bank.pk, parsed=ParsedFile(questions), filename="demo"
    )
    return bank


def _response(q: Any, right: bool, rng: random.Random) -> Any:
    """A candidate's answer: the right one, or a plausible wrong one."""
    if q.kind == S:
        wrong = [i for i in range(len(q.options)) if i not in q.correct]
        return q.correct[0] if right else rng.choice(wrong)
    if q.kind == M:
        return list(q.correct) if right else list(q.correct)[:-1]
    if q.kind == TF:
        return q.truth if right else not q.truth
    if q.kind == FILL:
        return q.accepted[0] if right else "不清楚"
    return "初任培训、任职培训、专门业务培训和在职培训。" if right else "参加培训。"


def _sit(user: Any, paper_id: int, skill: float, rng: random.Random, *, submit: bool = True) -> Any:
    """One sitting: each question right with probability `skill`."""
    attempt = exams.attempt_start(actor=user, paper_id=paper_id, seed=rng.randrange(1, 2**62))
    questions = {q.pk: q for q in exams.questions_of_attempt(attempt)}
    for entry in attempt.layout:
        response = _response(questions[entry["q"]], rng.random() < skill, rng)
        exams.answer_save(
            actor=user, attempt_id=attempt.pk, question_id=entry["q"], response=response
        )
    if submit:
        return exams.attempt_submit(actor=user, attempt_id=attempt.pk)
    return attempt


def _users(person_ids: list[int]) -> list[Any]:
    """The learner accounts of the people, in a stable order."""
    return list(User.objects.filter(person__pk__in=person_ids).order_by("pk"))


def run(ctx: DemoContext) -> str:
    rng = ctx.rng("exams")
    cq_bureau, zz_bureau = ctx.actors[CHONGQING.code], ctx.actors[ZHENGZHOU.code]
    cq, zz = ctx.orgs[CHONGQING.code], ctx.orgs[ZHENGZHOU.code]
    day = ctx.as_of
    morning = dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=clock.TZ)
    opens, closes = morning - dt.timedelta(days=10), morning + dt.timedelta(days=25)
    law = _bank(cq_bureau, cq.id, "宪法与公务员法", "法律法规", LAW)
    ethics = _bank(cq_bureau, cq.id, "公务员职业道德", "职业道德", ETHICS)
    zz_bank = _bank(zz_bureau, zz.id, "郑州市年终网上学习测试题库", "法律法规", LAW + ETHICS)
    showcase = SHOWCASE_UNITS[CHONGQING.code]
    cq_unit = ctx.orgs[showcase]
    with _clock_at(morning):
        # A fixed paper: the law bank's objective questions; the showcase unit and the two
        # demo learners sit it.
        objective = [q for q in exams.questions_of_bank(law.pk) if q.kind != SHORT][:10]
        fixed = exams.paper_create(
            actor=cq_bureau, title="公务员法知识测试", org_id=cq.id, pass_mark=Decimal(60),
            questions=[(q.pk, Decimal(10)) for q in objective],
            time_limit_minutes=30, max_attempts=2, opens_at=opens, closes_at=closes,
        )  # fmt: skip
        exams.candidates_add_under(actor=cq_bureau, paper_id=fixed.pk, org_id=cq_unit.id)
        logins = [a.username for a in ctx.accounts if a.role_label == Role.LEARNER.label]
        demo_learners = [
            person.id
            for user in User.objects.filter(username__in=logins).order_by("pk")
            if (person := person_for_user(user.pk)) is not None
        ]
        exams.candidates_add(actor=cq_bureau, paper_id=fixed.pk, person_ids=demo_learners)
        unit_people = exams.candidate_person_ids(fixed.pk)
        unit_users = _users([p for p in unit_people if p not in demo_learners])
        for user in unit_users[: len(unit_users) * 2 // 3]:
            _sit(user, fixed.pk, rng.uniform(0.4, 0.95), rng)
        exams.paper_release_results(actor=cq_bureau, paper_id=fixed.pk)
        # A blueprint paper drawn from both banks, short answers waiting to be graded.
        blueprint = exams.paper_create(
            actor=cq_bureau, title="法律法规与职业道德综合测试（随机抽题）", org_id=cq.id,
            pass_mark=Decimal(18), time_limit_minutes=45, opens_at=opens, closes_at=closes,
            blueprint=[
                exams.BlueprintRow(law.pk, S, 3, Decimal(3)),
                exams.BlueprintRow(law.pk, TF, 2, Decimal(2)),
                exams.BlueprintRow(ethics.pk, M, 1, Decimal(4)),
                exams.BlueprintRow(ethics.pk, FILL, 1, Decimal(3)),
                exams.BlueprintRow(law.pk, SHORT, 1, Decimal(5)),
            ],
        )  # fmt: skip
        exams.candidates_add_under(actor=cq_bureau, paper_id=blueprint.pk, org_id=cq_unit.id)
        for user in unit_users[:6]:
            _sit(user, blueprint.pk, rng.uniform(0.5, 0.95), rng)
        # The year-end online test of 金水区 (ZZ-N3): most sat it, most of them passed.
        district = ctx.orgs[SHOWCASE_UNITS[ZHENGZHOU.code][:6]]
        campaign, paper, added = exams.campaign_create(
            actor=zz_bureau, title=f"{day.year}年度公务员网上学习测试（金水区）", year=day.year,
            org_id=district.id, opens_at=opens, closes_at=closes, pass_mark=Decimal(60),
            time_limit_minutes=40, max_attempts=2,
            blueprint=[
                exams.BlueprintRow(zz_bank.pk, S, 6, Decimal(8)),
                exams.BlueprintRow(zz_bank.pk, M, 2, Decimal(10)),
                exams.BlueprintRow(zz_bank.pk, TF, 4, Decimal(5)),
            ],
        )  # fmt: skip
        candidates = _users(exams.candidate_person_ids(paper.pk))
        sat = candidates[: len(candidates) * 3 // 4]
        for user in sat:
            _sit(user, paper.pk, rng.choice((0.45, 0.7, 0.8, 0.9, 0.95)), rng)
        # The completion exam of the class held and awaiting its results (ZZ-M1).
        staff = User.objects.get(username="cq_institution")
        pending = classes_to_finalise(staff)
        class_note = "无待确认成绩的班"
        if pending:
            held = pending[-1]
            class_paper = exams.paper_create(
                actor=staff, title=f"{held.title}结业考试", org_id=held.organiser_id,
                pass_mark=Decimal(6), class_id=held.id, open_book=True,
                opens_at=morning - dt.timedelta(days=5), closes_at=closes,
                questions=[(q.pk, Decimal(2)) for q in objective[:5]],
            )  # fmt: skip
            for user in _users(exams.candidate_person_ids(class_paper.pk)):
                _sit(user, class_paper.pk, rng.uniform(0.5, 1.0), rng)
            exams.paper_release_results(actor=staff, paper_id=class_paper.pk)
            class_note = f"“{held.title}”结业考试成绩已发布"
    return (
        f"3 个题库，固定卷与随机抽题卷各 1 份，{campaign.title}：考生 {added} 人、"
        f"已交卷 {len(sat)} 人；{class_note}"
    )
