"""Demo step: one training class in every state a class goes through (issue #11 item 8), with
trainees from the demo HR units, named after the season and year they are held in.

The `teaching` step made a class running around the as-of date and one still planned
(计划中); this step adds, at the same party school and organised by the 重庆市 bureau:
open for nomination (报名中), open and full with a waitlist (候补), held and awaiting its
results (进行中, last session past), results final (成绩已确认, with a failed trainee and one
withdrawn by the institution) and archived (已归档, last year). `classes` has no cancelled
state. Finalised results reach the ledger and the units' inboxes as any class's do (ZZ-M2).
The running class gets its trainees and its first sessions' attendance here too.
Each session is taught by one of three teachers of the school's pool — the demo teacher and
two more made here — so the classes' evaluations (the `loop` step) rate teachers (CQ-B2).
"""

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from civtrain.accounts.api import User
from civtrain.classes.api import (
    ClassInput,
    ClassStatus,
    SessionInput,
    class_create,
    class_transition,
    session_create,
    sessions_of,
)
from civtrain.core import clock
from civtrain.demo.geography import CHONGQING
from civtrain.demo.people import SHOWCASE_UNITS
from civtrain.demo.steps import DemoContext
from civtrain.enrolment.api import (
    AttendanceStatus,
    EnrolmentStatus,
    ResultInput,
    WithdrawalReason,
    attendance_record,
    enrolment_withdraw,
    nominations_create,
    results_finalise,
    results_record,
)
from civtrain.faculty.api import teacher_create, teacher_for_user
from civtrain.faculty.data import TeacherCategory
from civtrain.people.data import Status

H = Decimal
SEASONS = {12: "冬季", 1: "冬季", 2: "冬季", 3: "春季", 4: "春季", 5: "春季"}
SEASONS |= {6: "夏季", 7: "夏季", 8: "夏季", 9: "秋季", 10: "秋季", 11: "秋季"}


def season_title(start: dt.date, name: str) -> str:
    """ "2026年秋季数字政府建设专题培训班": the year and season the class starts in."""
    return f"{start.year}年{SEASONS[start.month]}{name}"


@contextmanager
def _clock_at(day: dt.date) -> Iterator[None]:
    """Attendance and results refuse sessions that have not happened (#11 item 5): when the
    data is built for another day than today (`--as-of`), the step runs as of that day."""
    if day == clock.today():
        yield
        return
    clock.freeze(dt.datetime(day.year, day.month, day.day, 18, 0, tzinfo=clock.TZ))
    try:
        yield
    finally:
        clock.freeze(None)


class _Builder:
    def __init__(self, ctx: DemoContext, institution_id: int) -> None:
        self.ctx = ctx
        self.bureau = ctx.actors[CHONGQING.code]
        self.staff = User.objects.get(username="cq_institution")
        self.institution_id = institution_id
        self.rng: random.Random = ctx.rng("class_states")
        active = [
            p for p in ctx.persons
            if p.city_code == CHONGQING.code and p.status == Status.ACTIVE
        ]  # fmt: skip
        home = SHOWCASE_UNITS[CHONGQING.code]
        # Trainees: the demo HR unit's people first (its officer sees them), then others.
        self.local = [p for p in active if p.unit_code.startswith(home)]
        self.others = [p for p in active if not p.unit_code.startswith(home)]
        # The pool the sessions draw on (#16 item 2): the demo teacher, a manager and an
        # official who teaches part-time.
        city_id = ctx.orgs[CHONGQING.code].id
        own = teacher_for_user(User.objects.get(username="cq_teacher").pk)
        self.teachers = [own.id] if own is not None else []
        for name, title, subjects, category in (
            ("刘敏", "副教授", ["governance", "writing"], TeacherCategory.MANAGER),
            ("陈建国", "处长", ["law", "internet_gov"], TeacherCategory.LEADER),
        ):
            made = teacher_create(
                actor=self.bureau, org_id=city_id, name=name, title=title,
                subjects=subjects, category=category,
            )  # fmt: skip
            self.teachers.append(made.pk)

    def trainees(self, count: int) -> list[int]:
        local = self.rng.sample(self.local, min(len(self.local), (count + 1) // 2))
        others = self.rng.sample(self.others, min(len(self.others), count - len(local)))
        return [p.person_id for p in local + others if p.person_id is not None]

    def make(
        self, code: str, name: str, start: dt.date, days: int, capacity: int, subject: str
    ) -> int:
        hours = H(days * 6)
        tc = class_create(
            actor=self.bureau,
            data=ClassInput(
                code=code,
                title=season_title(start, name),
                training_type="thematic",
                mode="off_the_job",
                organiser_id=self.ctx.orgs[CHONGQING.code].id,
                institution_id=self.institution_id,
                start_date=start,
                end_date=start + dt.timedelta(days=days - 1),
                days=H(days),
                total_hours=hours,
                capacity=capacity,
                subject_hours={subject: hours},
            ),
        )
        for i in range(days):
            for half, (start_time, end_time) in enumerate(
                ((dt.time(9), dt.time(12)), (dt.time(14), dt.time(17)))
            ):
                teacher = self.teachers[(2 * i + half) % len(self.teachers)]
                session_create(
                    actor=self.bureau,
                    class_id=int(tc.id),
                    data=SessionInput(
                        date=start + dt.timedelta(days=i),
                        start_time=start_time,
                        end_time=end_time,
                        topic=f"{name}（第 {i + 1} 天）",
                        hours=H(3),
                        place="市委党校 教学楼 305",
                        subject=subject,
                        teacher_id=teacher,
                    ),
                )
        return int(tc.id)

    def open_with(self, class_id: int, person_ids: list[int]) -> list[int]:
        """Open for nomination and nominate; returns the enrolled trainees' enrolment ids."""
        class_transition(actor=self.bureau, class_id=class_id, to=ClassStatus.OPEN)
        outcomes = nominations_create(actor=self.bureau, class_id=class_id, person_ids=person_ids)
        return [o.enrolment_id for o in outcomes if o.status == EnrolmentStatus.ENROLLED]

    def hold(self, class_id: int, enrolments: list[int], until: dt.date) -> None:
        """Run the class and mark attendance of its sessions up to `until`: all present, but
        one trainee absent from one session (CQ-M3)."""
        class_transition(actor=self.bureau, class_id=class_id, to=ClassStatus.RUNNING)
        for n, session in enumerate(s for s in sessions_of(class_id) if s.date < until):
            for i, enrolment_id in enumerate(enrolments):
                absent = n == 1 and i == len(enrolments) - 1
                attendance_record(
                    actor=self.staff,
                    session_id=session.id,
                    enrolment_id=enrolment_id,
                    status=AttendanceStatus.ABSENT if absent else AttendanceStatus.PRESENT,
                )

    def results(self, class_id: int, enrolments: list[int], failed: int = 0) -> None:
        """Exam and conduct scores; the first `failed` trainees score below the pass mark."""
        rows = []
        for i, enrolment_id in enumerate(enrolments):
            # 60 % exam, 20 % conduct, 20 % peers (ClassInput's weights): under 36 fails.
            exam = H(self.rng.randint(20, 35) if i < failed else self.rng.randint(72, 96))
            conduct = H(self.rng.randint(80, 95))
            rows.append(
                ResultInput(
                    enrolment_id=enrolment_id,
                    exam_score=exam,
                    conduct_attitude=conduct,
                    conduct_participation=conduct,
                    conduct_interaction=conduct,
                    conduct_discipline=conduct,
                    peer_score=H(self.rng.randint(75, 95)),
                )
            )
        results_record(actor=self.staff, class_id=class_id, rows=rows)


def run(ctx: DemoContext) -> str:
    b = _Builder(ctx, ctx.institution_id)
    day = ctx.as_of
    with _clock_at(day):
        # Archived: held about eleven months ago, results final, then archived.
        start = day - dt.timedelta(days=330)
        archived = b.make(
            f"CQ{start.year}-GW-01", "公文写作与信息报送培训班", start, 2, 40, "writing"
        )
        enrolled = b.open_with(archived, b.trainees(8))
        b.hold(archived, enrolled, day)
        b.results(archived, enrolled)
        results_finalise(actor=b.staff, class_id=archived)
        class_transition(actor=b.bureau, class_id=archived, to=ClassStatus.ARCHIVED)
        # Results final: a failed trainee, and one withdrawn by the institution (退学).
        start = day - dt.timedelta(days=40)
        final = b.make(f"CQ{start.year}-ZF-01", "行政执法能力提升培训班", start, 3, 40, "law")
        enrolled = b.open_with(final, b.trainees(10))
        b.hold(final, enrolled, day)
        enrolment_withdraw(
            actor=b.staff,
            enrolment_id=enrolled[-1],
            reason="连续两次无故缺课",
            why=WithdrawalReason.ABSENCE,
        )
        b.results(final, enrolled[:-1], failed=1)
        results_finalise(actor=b.staff, class_id=final)
        # Held, last session past, results not yet final.
        start = day - dt.timedelta(days=12)
        pending = b.make(f"CQ{start.year}-JC-01", "基层治理专题研讨班", start, 2, 30, "governance")
        enrolled = b.open_with(pending, b.trainees(8))
        b.hold(pending, enrolled, day)
        b.results(pending, enrolled[: len(enrolled) // 2])
        # Open for nomination, and open but full with a waitlist.
        start = day + dt.timedelta(days=14)
        b.open_with(
            b.make(f"CQ{start.year}-SZ-01", "数字政府建设专题培训班", start, 3, 30, "internet_gov"),
            b.trainees(12),
        )
        start = day + dt.timedelta(days=21)
        full = b.make(f"CQ{start.year}-BM-01", "保密知识专题培训班", start, 1, 6, "law")
        b.open_with(full, b.trainees(9))
        # The running class of the `teaching` step gets trainees and its attendance so far.
        running = ctx.running_class_id
        b.hold(running, b.open_with(running, b.trainees(12)), day)
    return "另 5 个培训班：报名中、候补中、待确认成绩、成绩已确认、已归档；进行中的班已有学员与考勤"
