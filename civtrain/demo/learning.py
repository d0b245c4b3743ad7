"""Demo step: the online learning platform (issue #12; ZZ-N1, ZZ-N2, NAT-5, PR-1, PR-3).

Each city bureau publishes its annual learning plan (ZZ-N1) with three 专题 and online
courses of every kind of courseware — videos (short MP4s made here with ffmpeg), a PDF
(made here with WeasyPrint), a SCORM 1.2 and a SCORM 2004 package (the platform's own sample
SCO) — required and elective, for everyone or for an audience (law enforcement, leaders, new
hires), one for a single district. The courseware goes through the authoring paths (the
resumable upload probed with ffprobe, the document check, the package check) into the
courseware directory and the SCORM store, never into the repository.

Then learners study as of the demo's day, through the same services as the player: the two
demo learners and a few people of each demo HR officer's unit watch videos and read the PDF
with heartbeats 15 s of the server's clock apart (PR-3), and launch the packages and commit
their runtime data. Some finish, so their completions write ledger entries (mode online);
some stop halfway (a video half watched, the PDF at its first page, a package at page 2 of
4, resumed there when they open it). Who does what is drawn from the step's own generator:
the same seed gives the same courses, progress and ledger.
"""

import datetime as dt
import io
import logging
import random
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings

from civtrain.accounts.api import Role, User
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.demo.geography import CHONGQING, ZHENGZHOU, City
from civtrain.demo.people import SHOWCASE_UNITS, Status
from civtrain.demo.steps import DemoContext
from civtrain.learning import api as learning
from civtrain.learning.data import Audience, ItemKind
from civtrain.people.api import person_for_user
from civtrain.people.data import LeadershipLevel
from civtrain.scorm import api as scorm

FFMPEG = "/usr/bin/ffmpeg"  # Debian's, installed by `make setup` (make media-tools)
VIDEO_SECONDS = 60  # short: the step stays fast; the courses carry the bureau's fixed 学时
LEARNERS_PER_UNIT = 6  # people of each demo HR officer's unit who study online
SCO_PAGES = 4  # the sample SCO's pages; a minute each is the package item's stated length
BEAT = 15  # seconds between a player's heartbeats (CIVTRAIN_LEARNING_BEAT_SECONDS)
FONT_DIR = Path(settings.BASE_DIR) / "civtrain" / "web" / "static" / "vendor" / "noto-serif-sc"

COLUMNS = (
    "学习贯彻习近平新时代中国特色社会主义思想",
    "法治政府建设",
    "履职能力提升（选学）",
)

DOCUMENT_HTML = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>
{fonts}
@page {{ size: A5; margin: 16mm 14mm; }}
body {{ font-family: 'Noto Serif SC', serif; font-size: 11pt; line-height: 1.8; }}
h1 {{ font-size: 15pt; text-align: center; }} h2 {{ font-size: 12.5pt; }}
section {{ break-after: page; }} section:last-child {{ break-after: auto; }}
</style></head><body>
<section><h1>《中华人民共和国公务员法》导读</h1>
<p>本课程为网络学习平台演示课件。《中华人民共和国公务员法》于 2018 年 12 月修订，
自 2019 年 6 月 1 日起施行，对公务员的条件、义务与权利、职务职级、录用、考核、
培训、监督与惩戒等作出规定。</p>
<p>阅读提示：每页至少阅读 3 秒，累计阅读达到预计时长的九成即完成本课件。</p></section>
<section><h2>第一部分 公务员的义务与权利</h2>
<p>公务员应当忠于宪法，模范遵守、自觉维护宪法和法律，自觉接受中国共产党领导；
忠于国家，维护国家的安全、荣誉和利益；忠于人民，全心全意为人民服务。</p>
<p>公务员应当清正廉洁，公道正派，恪守职业道德，模范遵守社会公德、家庭美德。</p></section>
<section><h2>第二部分 培训</h2>
<p>机关根据公务员工作职责的要求和提高公务员素质的需要，对公务员进行分级分类培训。
国家建立专门的公务员培训机构。机关对新录用人员应当在试用期内进行初任培训；
对晋升领导职务的公务员应当在任职前或者任职后一年内进行任职培训。</p>
<p>公务员的培训实行登记管理。公务员参加培训的时间由公务员主管部门确定。</p></section>
</body></html>
"""


@dataclass
class CityCourses:
    """What one city bureau published: course and item ids by key."""

    city: City
    courses: dict[str, int] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)


@dataclass
class Tally:
    completed: int = 0
    studying: int = 0


class Timeline:
    """One learner's morning: the clock frozen at a moment that only moves forward."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start
        clock.freeze(start)

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)
        clock.freeze(self.now)


@contextmanager
def _clock_given_back() -> Iterator[None]:
    """The learners move the clock; the caller's (frozen or running) is given back after."""
    before = clock.frozen()
    try:
        yield
    finally:
        clock.freeze(before)


# -- the courseware files, made at demo time --------------------------------------------


def make_video(path: Path, seconds: int = VIDEO_SECONDS) -> Path:
    """A small test-pattern MP4 (96×64, 10 frames a second) made with Debian's ffmpeg."""
    subprocess.run(  # noqa: S603 - a fixed command line
        [
            FFMPEG, "-v", "error", "-y", "-f", "lavfi",
            "-i", f"testsrc=duration={seconds}:size=96x64:rate=10",
            "-pix_fmt", "yuv420p", "-threads", "1", "-map_metadata", "-1",
            "-fflags", "+bitexact", str(path),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return path


def _font_faces() -> str:
    """The vendored Noto Serif SC (make setup), as the documents' PDFs embed it."""
    faces = []
    for subset in ("chinese-simplified", "latin"):
        font = FONT_DIR / f"noto-serif-sc-{subset}-400-normal.woff"
        if font.is_file():
            faces.append(
                f"@font-face {{ font-family: 'Noto Serif SC'; src: url({font.as_uri()}); }}"
            )
    return "\n".join(faces)


def make_pdf(path: Path) -> Path:
    """A three-page A5 reading in Chinese, written by WeasyPrint."""
    progress = logging.getLogger("weasyprint.progress")  # its steps at INFO: not the console's
    level = progress.level
    progress.setLevel(logging.WARNING)
    try:
        from weasyprint import HTML  # parses its own stylesheets on import

        HTML(string=DOCUMENT_HTML.format(fonts=_font_faces())).write_pdf(path)
    finally:
        progress.setLevel(level)
    return path


# -- publishing: courses, courseware, the plan ------------------------------------------


def _video_item(actor: Actor, course_id: int, video: Path, title: str) -> int:
    """Through the authoring page's resumable upload: two chunks, probed, a poster frame."""
    content = video.read_bytes()
    state = learning.upload_begin(
        actor=actor, course_id=course_id, filename=video.name, size=len(content)
    )
    half = len(content) // 2
    for start, chunk in ((0, content[:half]), (half, content[half:])):
        learning.upload_chunk(
            actor=actor, token=state.token, start=start, total=len(content), data=chunk
        )
    item = learning.video_item_from_upload(
        actor=actor, course_id=course_id, token=state.token, title=title
    )
    return int(item.pk)


def _document_item(actor: Actor, course_id: int, pdf: Path, title: str) -> int:
    """Through the authoring page's document upload, with a minute's expected reading."""
    content = pdf.read_bytes()
    item = learning.document_item_from_upload(
        actor=actor,
        course_id=course_id,
        chunks=[content],
        size=len(content),
        filename=pdf.name,
        title=title,
        minutes=1,
    )
    return int(item.pk)


def _scorm_course(
    actor: Actor, city: City, org_id: int, version: scorm.ScormVersion, title: str, **course: Any
) -> tuple[int, int]:
    """A package checked and stored as the upload page does, then its course and item."""
    content = scorm.sample_package_zip(version, title=title)
    package = scorm.package_upload(
        actor=actor, org_id=org_id, upload=io.BytesIO(content), size=len(content), title=title
    )
    created = learning.course_create(
        actor=actor, title=title, org_code=city.code, kind=version.value, **course
    )
    item = learning.item_add(
        actor=actor, course_id=created.id, kind=version.value, title=title, ref=str(package.id),
        duration_seconds=SCO_PAGES * 60,  # the time the server must measure before it is done
    )  # fmt: skip
    return created.id, item.id


def publish(ctx: DemoContext, city: City, video: Path, pdf: Path) -> CityCourses:
    """The city bureau's courses and its annual learning plan (ZZ-N1)."""
    actor = ctx.actors[city.code]
    org = ctx.orgs[city.code]
    year = ctx.as_of.year
    out = CityCourses(city)
    window: dict[str, Any] = {
        "available_from": dt.date(year, 1, 1),
        "available_until": dt.date(year, 12, 31),
    }

    theory = learning.course_create(
        actor=actor, title="深入学习贯彻党的二十大精神", org_code=city.code, kind="video",
        hours="2", subjects={"theory": "2"}, description="专题辅导报告（视频），看完即计 2 学时。",
        **window,
    )  # fmt: skip
    out.courses["theory"] = theory.id
    out.items["theory"] = _video_item(actor, theory.id, video, "第一讲 专题辅导报告")

    law = learning.course_create(
        actor=actor, title="《中华人民共和国公务员法》导读", org_code=city.code, kind="pdf",
        hours="1", subjects={"law": "1"}, description="在页面中阅读，按每页阅读时间计时。",
        **window,
    )  # fmt: skip
    out.courses["law"] = law.id
    out.items["law"] = _document_item(actor, law.id, pdf, "公务员法导读")

    enforcement, out.items["enforcement"] = _scorm_course(
        actor, city, org.id, scorm.ScormVersion.SCORM12, "行政执法典型案例研习",
        hours="2", subjects={"law": "2"},
        description="SCORM 1.2 课件，可中途退出、下次从原处继续。", **window,
    )  # fmt: skip
    out.courses["enforcement"] = enforcement

    writing, out.items["writing"] = _scorm_course(
        actor, city, org.id, scorm.ScormVersion.SCORM2004, "公文写作规范与技巧",
        subjects={"writing": "1"},
        description="SCORM 2004 课件；学时按适用规则集的网络学时折算办法计算（PR-1）。",
    )  # fmt: skip
    out.courses["writing"] = writing

    # Required on its own (not through the plan): for every holder of a leadership post.
    integrity = learning.course_create(
        actor=actor, title="廉洁从政警示教育", org_code=city.code, kind="video", hours="1",
        subjects={"ethics": "1"}, required=True, description="面向领导干部的必修课程。",
        audience=Audience(leadership_levels=tuple(LeadershipLevel)), **window,
    )  # fmt: skip
    out.courses["integrity"] = integrity.id
    out.items["integrity"] = _video_item(actor, integrity.id, video, "警示教育片")

    # For one district's subtree only: its people see it, the rest of the city does not.
    district = SHOWCASE_UNITS[city.code][:6]
    local = learning.course_create(
        actor=actor, title=f"{ctx.orgs[district].name}基层治理实务", org_code=city.code,
        kind="pdf", hours="1", subjects={"mass_work": "1"}, audience_org_code=district,
        description="面向本区（县）干部的选学课程。",
    )  # fmt: skip
    out.courses["local"] = local.id
    out.items["local"] = _document_item(actor, local.id, pdf, "基层治理实务读本")

    plan = learning.plan_create(
        actor=actor, org_code=city.code, year=year,
        title=f"{city.name}{year}年度公务员网络学习计划",
    )  # fmt: skip
    theme, rule_of_law, skills = (
        learning.plan_column_add(actor=actor, plan_id=plan.pk, title=t) for t in COLUMNS
    )
    entries: list[tuple[Any, str, bool, Audience | None]] = [
        (theme, "theory", True, None),
        (rule_of_law, "law", True, None),
        (rule_of_law, "enforcement", True, Audience(flags=("law_enforcement",))),
        # Required of new hires (新录用) only; an elective for everyone else.
        (skills, "writing", True, Audience(flags=("new_hire",))),
        (skills, "local", False, None),
    ]
    for column, key, required, audience in entries:
        learning.plan_entry_add(
            actor=actor, column_id=column.pk, course_id=out.courses[key],
            required=required, audience=audience,
        )  # fmt: skip
    return out


# -- learners studying through the player's services ------------------------------------


def _watch(user: Any, item_id: int, tl: Timeline, rng: random.Random, *, until: float) -> bool:
    """Play a video from where the learner stands, a heartbeat each ~15 s of the server's
    clock, until `until` (0…1) of it is watched; True when the course completed."""
    start = learning.play_start(actor=user, item_id=item_id)
    position, seq = start.position, 0
    while position < Decimal(start.duration) * Decimal(str(until)):
        step = round(rng.uniform(BEAT - 0.6, BEAT + 0.6), 2)
        tl.advance(step)
        seq += 1
        position = min(position + Decimal(str(step)), Decimal(start.duration))
        beat = learning.heartbeat_record(actor=user, token=start.token, seq=seq, position=position)
        if beat.course_completed:
            return True
        if beat.item_completed:
            break
    tl.advance(rng.uniform(5, 30))  # the learner closes the player
    return False


def _read(user: Any, item_id: int, tl: Timeline, rng: random.Random, *, upto: int | None) -> bool:
    """Read a PDF in the page, turning a page at each beat (~15 s a page), up to page `upto`
    (None: to the end, then on until the reading time is reached); True when the course
    completed (every page shown 3 s or more, the expected reading time reached)."""
    start = learning.play_start(actor=user, item_id=item_id)
    item = learning.item_data(item_id)
    pages = (item.pages if item else None) or 1
    upto = pages if upto is None else min(upto, pages)
    length = Decimal((item.duration_seconds if item else None) or 60)
    page, seq, read = int(start.position), 0, Decimal(0)
    while read < length + BEAT:
        step = round(rng.uniform(BEAT - 0.6, BEAT + 0.6), 2)
        tl.advance(step)
        seq, read = seq + 1, read + Decimal(str(step))
        page = min(page + (1 if seq > 1 else 0), upto)
        beat = learning.heartbeat_record(actor=user, token=start.token, seq=seq, position=page)
        if beat.course_completed:
            return True
        if beat.item_completed or (page >= upto and upto < pages and seq >= 2):
            break
    tl.advance(rng.uniform(5, 30))
    return False


SCORM_KEYS = {
    "scorm12": ("cmi.core.lesson_location", "cmi.core.lesson_status", "cmi.core.exit"),
    "scorm2004": ("cmi.location", "cmi.completion_status", "cmi.exit"),
}


def _package(user: Any, item_id: int, kind: str, tl: Timeline, *, page: int) -> bool:
    """Launch a package and commit the sample SCO's data on each page up to `page`, a minute
    a page of the server's clock (its commits credit the time between them); the last page
    (4) passes it. True when the course completed."""
    launch = scorm.attempt_launch(actor=user, item_id=item_id)
    location, status, exit_key = SCORM_KEYS[kind]
    for reached in range(1, page + 1):
        tl.advance(60)
        done = reached >= SCO_PAGES
        cmi = {location: str(reached), "cmi.suspend_data": f"pages={reached}"}
        if kind == "scorm12":
            cmi[status] = "passed" if done else "incomplete"
            if done:
                cmi["cmi.core.score.raw"] = "90"
        else:
            cmi[status] = "completed" if done else "incomplete"
            cmi["cmi.success_status"] = "passed" if done else "unknown"
        if reached == page:
            cmi[exit_key] = "" if done else "suspend"
        scorm.attempt_commit(
            actor=user,
            attempt_id=launch.attempt.pk,
            session_key=launch.attempt.session_key,
            payload=cmi,
        )
    tl.advance(45)
    return page >= SCO_PAGES


def _demo_learners(ctx: DemoContext) -> list[Any]:
    """The printed learner logins, in the order the run printed them."""
    logins = [a.username for a in ctx.accounts if a.role_label == Role.LEARNER.label]
    users = {u.username: u for u in User.objects.filter(username__in=logins)}
    return [users[name] for name in logins if name in users]


def _unit_learners(ctx: DemoContext, city: City, rng: random.Random) -> list[Any]:
    """A few active people of the city's demo HR unit (in the people step's order: database
    ids differ between runs on PostgreSQL)."""
    unit = SHOWCASE_UNITS[city.code]
    ids = [
        p.person_id
        for p in ctx.persons
        if p.unit_code.startswith(unit) and p.status == Status.ACTIVE and p.person_id is not None
    ]
    chosen = rng.sample(ids, min(LEARNERS_PER_UNIT, len(ids)))
    users = {}
    for user in User.objects.filter(person__pk__in=chosen):
        person = person_for_user(user.pk)
        if person is not None:
            users[person.id] = user
    return [users[p] for p in chosen if p in users]


def study(
    published: CityCourses, users: list[Any], rng: random.Random, morning: dt.datetime
) -> Tally:
    """Each learner's year so far, on the demo's morning (each starting within 90 minutes of
    07:30, as people do): some courses finished, some halfway, some not begun."""
    tally = Tally()
    items = published.items
    for user in users:
        tl = Timeline(morning + dt.timedelta(seconds=rng.randrange(0, 90 * 60)))
        plan = {
            "theory": rng.choice(("done", "done", "half", "none")),
            "law": rng.choice(("done", "done", "half", "none")),
            "enforcement": rng.choice(("done", "half", "none")),
            "writing": rng.choice(("done", "half", "none", "none")),
        }
        for key, how in plan.items():
            if how == "none":
                continue
            if key == "theory":
                finished = _watch(user, items[key], tl, rng, until=1.0 if how == "done" else 0.5)
            elif key == "law":
                finished = _read(user, items[key], tl, rng, upto=None if how == "done" else 1)
            else:
                kind = ItemKind.SCORM12 if key == "enforcement" else ItemKind.SCORM2004
                page = SCO_PAGES if how == "done" else 2
                finished = _package(user, items[key], kind.value, tl, page=page)
            if finished:
                tally.completed += 1
            else:
                tally.studying += 1
    return tally


def run(ctx: DemoContext) -> str:
    rng = ctx.rng("learning")
    day = ctx.as_of
    with tempfile.TemporaryDirectory(prefix="civtrain-demo-") as tmp:
        video = make_video(Path(tmp) / "lecture.mp4")
        pdf = make_pdf(Path(tmp) / "reading.pdf")
        published = [publish(ctx, city, video, pdf) for city in (CHONGQING, ZHENGZHOU)]
    tally = Tally()
    morning = dt.datetime(day.year, day.month, day.day, 7, 30, tzinfo=clock.TZ)
    with _clock_given_back():
        for courses in published:
            users = _unit_learners(ctx, courses.city, rng)
            if courses.city.code == CHONGQING.code:
                demo = _demo_learners(ctx)
                users = demo + [u for u in users if u not in demo]
            found = study(courses, users, rng, morning)
            tally.completed += found.completed
            tally.studying += found.studying
    count = sum(len(p.courses) for p in published)
    return (
        f"2 份年度网络学习计划（各 {len(COLUMNS)} 个专题），{count} 门网络课程"
        f"（视频、PDF、SCORM 1.2/2004）；完成 {tally.completed} 门次（记入培训档案），"
        f"学习中 {tally.studying} 门次"
    )
