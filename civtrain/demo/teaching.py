"""Step: something for the demo teacher (`cq_teacher`) to see on 我的授课 (CQ-B2).

A recognised party school in 重庆市, the teacher's record in its pool linked to the
`cq_teacher` login, a thematic class running around the as-of date (sessions before and
after it, one taught by nobody in particular) and a class planned for next month.
"""

import datetime as dt
from decimal import Decimal

from civtrain.accounts.api import User
from civtrain.classes.api import (
    ClassInput,
    SessionInput,
    class_create,
    session_create,
)
from civtrain.demo.geography import CHONGQING
from civtrain.demo.steps import DemoContext
from civtrain.faculty.api import teacher_create
from civtrain.institutions.api import institution_create

H = Decimal


def run(ctx: DemoContext) -> str:
    city = ctx.orgs[CHONGQING.code]
    bureau = ctx.actors[CHONGQING.code]
    user = User.objects.get(username="cq_teacher")
    year = ctx.as_of.year
    school = institution_create(
        actor=bureau,
        name="中共重庆市委党校（重庆行政学院）",
        org_id=city.id,
        recognised_from=dt.date(year - 1, 1, 1),
        recognised_to=dt.date(year + 2, 12, 31),
        address="重庆市九龙坡区白鹤路160号",
    )
    teacher = teacher_create(
        actor=bureau,
        org_id=city.id,
        name="周立新",
        title="教授",
        subjects=["law", "ethics"],
        user_id=user.pk,
    )

    def make(code: str, title: str, start: dt.date, end: dt.date, hours: int) -> int:
        tc = class_create(
            actor=bureau,
            data=ClassInput(
                code=code,
                title=title,
                training_type="thematic",
                mode="off_the_job",
                organiser_id=city.id,
                institution_id=school.pk,
                start_date=start,
                end_date=end,
                days=(H(hours) / H("7.5")).quantize(H("0.1")),
                total_hours=H(hours),
                capacity=60,
                subject_hours={"law": H(8), "ethics": H(4)} if hours >= 12 else {},
            ),
        )
        return int(tc.id)

    running = make(
        f"CQ{year}-ZT-01",
        f"{(ctx.as_of - dt.timedelta(days=3)).year}年依法行政专题培训班",
        ctx.as_of - dt.timedelta(days=3),
        ctx.as_of + dt.timedelta(days=4),
        20,
    )
    planned = make(
        f"CQ{year}-ZT-02",
        f"{(ctx.as_of + dt.timedelta(days=30)).year}年公文写作能力提升班",
        ctx.as_of + dt.timedelta(days=30),
        ctx.as_of + dt.timedelta(days=31),
        8,
    )
    sessions = (  # (class, day offset from as-of, topic, subject, taught by the demo teacher)
        (running, -3, "习近平法治思想概论", "law", True),
        (running, -1, "行政执法程序与证据规则", "law", True),
        (running, 1, "公务员职业道德与廉洁从政", "ethics", True),
        (running, 2, "基层治理案例研讨", "", False),
        (running, 4, "行政复议与行政诉讼实务", "", True),
        (planned, 30, "党政机关公文格式与规范", "", True),
        (planned, 31, "调研报告写作", "", True),
    )
    for class_id, offset, topic, subject, own in sessions:
        session_create(
            actor=bureau,
            class_id=class_id,
            data=SessionInput(
                date=ctx.as_of + dt.timedelta(days=offset),
                start_time=dt.time(9),
                end_time=dt.time(12),
                topic=topic,
                hours=H(4),
                place="市委党校 教学楼 201",
                subject=subject,
                teacher_id=teacher.pk if own else None,
            ),
        )
    # The class_states step nominates trainees and runs it.
    ctx.institution_id, ctx.running_class_id = school.pk, running
    return f"1 个施教机构，2 个培训班，{len(sessions)} 个课次（示范教师 {teacher.name}）"
