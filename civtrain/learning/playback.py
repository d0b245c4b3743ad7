"""Writes of earned time (PR-3, ADR 0016): play sessions and their heartbeats.

A learner opens an item: a play session starts and every other live session of theirs ends
(one course at a time: the other tab or device is told so at its next beat). Each heartbeat
is stored with the seconds the server credited for it (earning.py decides), and the item's
progress, the day's total and the session move in the same transaction.
"""

import json
import secrets
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from civtrain.accounts.api import is_system
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.learning import earning
from civtrain.learning.data import ItemKind, ProgressSource
from civtrain.learning.errors import LearningError, LearningErrorCode, SessionSuperseded
from civtrain.learning.models import DailyEarned, Heartbeat, Item, ItemProgress, PlaySession
from civtrain.learning.selectors import access_course_for_learner, learner_of
from civtrain.learning.services import item_mark_done
from civtrain.organisations.api import org_data
from civtrain.people.api import PersonData, person_data

# An item is done when the furthest point reaches its end and the real time earned is at
# least this share of what playing it through at the speed cap takes (heartbeats are
# INTERVAL seconds apart; the last one may be cut short by the end of the video).
DONE_SHARE = Decimal("0.9")
SUPERSEDED = "superseded"
_random = secrets.SystemRandom()


def speed_cap_for(person: PersonData) -> Decimal:
    """The playback speed cap of the learner's city (CIVTRAIN_LEARNING_SPEED_CAPS by city
    code), else the platform's (CIVTRAIN_LEARNING_SPEED_CAP, default 1.0×)."""
    caps = settings.CIVTRAIN_LEARNING_SPEED_CAPS
    if caps:
        city = org_data(int(person.unit_path.split("/")[0])).code
        if city in caps:
            return Decimal(str(caps[city]))
    return Decimal(str(settings.CIVTRAIN_LEARNING_SPEED_CAP))


def daily_cap_seconds() -> Decimal:
    return Decimal(str(settings.CIVTRAIN_LEARNING_DAILY_CAP_HOURS)) * 3600


def _next_check(earned: Decimal) -> Decimal | None:
    low, high = settings.CIVTRAIN_LEARNING_CHECK_MINUTES
    if not high:
        return None
    return earned + Decimal(_random.randint(int(low * 60), int(high * 60)))


@dataclass(frozen=True)
class PlayStart:
    token: str
    item_id: int
    kind: str
    position: Decimal  # where to resume: the furthest point watched (a document: its page)
    furthest: Decimal
    earned: Decimal
    duration: int
    speed_cap: Decimal
    interval: int  # seconds between the player's beats (CIVTRAIN_LEARNING_BEAT_SECONDS)


@dataclass(frozen=True)
class BeatResult:
    credited: Decimal
    earned: Decimal  # the item's total
    furthest: Decimal
    position: Decimal
    note: str
    seek_to: Decimal | None
    check: str  # an attention check to answer ("" when none is due)
    item_completed: bool
    course_completed: bool


def _learner(actor: Actor) -> PersonData:
    person = learner_of(actor)
    if person is None:
        raise NotFound("只有学员本人可以学习课程")
    return person


def _measured_item(person: PersonData, item_id: int) -> Item:
    item = Item.objects.select_related("course").filter(pk=item_id).first()
    if item is None or item.kind not in (ItemKind.VIDEO, ItemKind.PDF):
        raise NotFound("课件不存在或无权访问")
    access_course_for_learner(person, item.course_id, on=clock.today())
    return item


@transaction.atomic
def play_start(*, actor: Actor, item_id: int, client_ip: str | None = None) -> PlayStart:
    """Open a play session; every other live session of the learner ends (PR-3)."""
    person = _learner(actor)
    item = _measured_item(person, item_id)
    now = clock.now()
    PlaySession.objects.filter(person_id=person.id, live=True).update(
        live=False, ended_reason=SUPERSEDED
    )
    progress, _ = ItemProgress.objects.get_or_create(person_id=person.id, item=item)
    furthest = Decimal(progress.furthest_seconds)
    if item.kind == ItemKind.VIDEO:
        # resume at the furthest point; watched to the end: from the beginning again
        start = furthest if furthest < (item.duration_seconds or 0) - 1 else Decimal(0)
    else:
        start = max(furthest, Decimal(1))  # a document: the furthest page
    session = PlaySession.objects.create(
        person_id=person.id,
        item=item,
        token=secrets.token_urlsafe(24),
        started_at=now,
        last_beat_at=now,
        last_position=start,
        client_ip=client_ip,
        check_due_at=_next_check(Decimal(0)),
    )
    return PlayStart(
        token=session.token,
        item_id=item.pk,
        kind=item.kind,
        position=start,
        furthest=progress.furthest_seconds,
        earned=progress.earned_seconds,
        duration=item.duration_seconds or 0,
        speed_cap=speed_cap_for(person),
        interval=settings.CIVTRAIN_LEARNING_BEAT_SECONDS,
    )


def _number(value: Any, name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise LearningError(LearningErrorCode.BAD_HEARTBEAT, f"心跳数据有误：{name}") from None
    if not number.is_finite():
        raise LearningError(LearningErrorCode.BAD_HEARTBEAT, f"心跳数据有误：{name}")
    return number


@transaction.atomic
def heartbeat_record(
    *,
    actor: Actor,
    token: str,
    seq: int,
    position: Any,
    rate: Any = 1,
    playing: bool = True,
    visible: bool = True,
    check: str = "",
) -> BeatResult:
    """Record one heartbeat of the actor's own session and credit what it earned."""
    # The session of the actor's own person, found in one statement (no separate person
    # lookup: the beat path is hot, ADR 0016). Only the session row is locked: the item and
    # course rows it joins are shared by every learner of the course.
    user_id = getattr(actor, "pk", None)
    session = (
        PlaySession.objects.select_for_update(of=("self",))
        .select_related("item", "item__course")
        .filter(token=token, person__user_id=user_id)
        .first()
        if user_id is not None and not is_system(actor)
        else None
    )
    if session is None:
        raise NotFound("学习会话不存在")
    person_id = session.person_id
    if not session.live:
        raise SessionSuperseded(
            "您已在其他页面或设备上打开课程，此处已暂停计时", {"reason": session.ended_reason}
        )
    item, now = session.item, clock.now()
    progress, daily = _progress_and_day(person_id, item.pk)
    if session.check_code and check == session.check_code:
        session.check_code, session.check_due_at = "", _next_check(session.earned_seconds)
    video = item.kind == ItemKind.VIDEO
    state = earning.State(
        last_seq=session.last_seq,
        seconds_since_last=Decimal((now - session.last_beat_at).total_seconds()),
        last_position=session.last_position,
        furthest=progress.furthest_seconds,
        duration=Decimal(item.duration_seconds or 0) if video else Decimal(item.pages or 1),
        speed_cap=_speed_cap(person_id),
        check_pending=bool(session.check_code),
        earned_today=daily.seconds,
        daily_cap=daily_cap_seconds(),
    )
    beat = earning.Beat(
        seq=int(seq),
        position=_number(position, "position"),
        rate=_number(rate, "rate"),
        playing=bool(playing),
        visible=bool(visible),
    )
    outcome = (earning.video_beat if video else earning.page_beat)(state, beat)
    if not outcome.accepted:
        return _result(session, progress, outcome, done=False, course_done=False)
    heartbeat = Heartbeat(
        session=session,
        seq=beat.seq,
        at=now,
        position=beat.position,
        rate=beat.rate,
        playing=beat.playing,
        visible=beat.visible,
        credited=outcome.credited,
        note=outcome.note,
    )
    if not video and outcome.credited:
        page = str(int(state.last_position))
        seen = dict(progress.pages_seen)
        seen[page] = float(Decimal(str(seen.get(page, 0))) + outcome.credited)
        progress.pages_seen = seen
    session.last_seq, session.last_beat_at = beat.seq, now
    session.last_position = outcome.position
    session.earned_seconds += outcome.credited
    session.beats += 1
    due = session.check_due_at
    if not session.check_code and due is not None and session.earned_seconds >= due:
        session.check_code = f"{_random.randint(0, 9999):04d}"
    progress.earned_seconds += outcome.credited
    progress.furthest_seconds = outcome.furthest
    progress.updated_at = now
    _write_beat(heartbeat, session, progress, daily.pk, outcome.credited)
    done = not progress.completed and _finished(item, progress, state.speed_cap)
    course_done = False
    if done:
        result = item_mark_done(
            progress=progress, course=item.course, source=ProgressSource.HEARTBEAT
        )
        course_done = result is not None
    return _result(session, progress, outcome, done=done, course_done=course_done)


# What a beat changes (saving only these keeps the two UPDATEs small).
BEAT_SESSION_FIELDS = [
    "last_seq", "last_beat_at", "last_position", "earned_seconds", "beats", "check_code",
    "check_due_at",
]  # fmt: skip
BEAT_PROGRESS_FIELDS = ["earned_seconds", "furthest_seconds", "pages_seen", "updated_at"]

# The item's progress and the day's total in one statement, the progress row locked (the
# session row already is: same order as before, so no new deadlock).
_PROGRESS_AND_DAY = (
    "SELECT p.*, d.id AS day_id, d.seconds AS day_seconds FROM learning_itemprogress p"
    " LEFT JOIN learning_dailyearned d ON d.person_id = p.person_id AND d.date = %s"
    " WHERE p.person_id = %s AND p.item_id = %s"
)


def _progress_and_day(person_id: int, item_id: int) -> tuple[ItemProgress, DailyEarned]:
    """The learner's progress in the item (locked) and today's total: one statement where
    the day's row exists (every beat but the first of a day), #12 throughput."""
    today = clock.today()
    sql = _PROGRESS_AND_DAY
    if connection.features.has_select_for_update_of:  # SQLite: the write lock is the file's
        sql += " FOR UPDATE OF p"
    found = list(ItemProgress.objects.raw(sql, [today, person_id, item_id]))
    if not found:
        raise ItemProgress.DoesNotExist("no progress row: the play session made one")
    progress = found[0]
    day_id = getattr(progress, "day_id", None)
    if day_id is None:
        daily, _ = DailyEarned.objects.get_or_create(person_id=person_id, date=today)
    else:
        seconds = Decimal(str(progress.day_seconds))  # type: ignore[attr-defined]
        daily = DailyEarned(pk=day_id, person_id=person_id, date=today, seconds=seconds)
    return progress, daily


# A credited beat's four writes — the heartbeat row, the session, the day's total and the
# item's progress — as one PostgreSQL statement (data-modifying CTEs): one round trip and one
# query to build instead of four (#12 throughput). Other databases take the ORM's four.
_WRITE_BEAT = (
    "WITH beat AS (INSERT INTO learning_heartbeat"
    " (session_id, seq, at, position, rate, playing, visible, credited, note)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)),"
    " play AS (UPDATE learning_playsession SET last_seq = %s, last_beat_at = %s,"
    " last_position = %s, earned_seconds = %s, beats = %s, check_code = %s, check_due_at = %s"
    " WHERE id = %s),"
    " day AS (UPDATE learning_dailyearned SET seconds = seconds + %s WHERE id = %s AND %s > 0)"
    " UPDATE learning_itemprogress SET earned_seconds = %s, furthest_seconds = %s,"
    " pages_seen = %s::jsonb, updated_at = %s WHERE id = %s"
)


def _write_beat(
    heartbeat: Heartbeat,
    session: PlaySession,
    progress: ItemProgress,
    day_id: int,
    credited: Decimal,
) -> None:
    if connection.vendor != "postgresql":
        heartbeat.save(force_insert=True)
        session.save(update_fields=BEAT_SESSION_FIELDS)
        if credited:
            DailyEarned.objects.filter(pk=day_id).update(seconds=F("seconds") + credited)
        progress.save(update_fields=BEAT_PROGRESS_FIELDS)
        return
    h = heartbeat
    with connection.cursor() as cursor:
        cursor.execute(
            _WRITE_BEAT,
            [
                session.pk, h.seq, h.at, h.position, h.rate, h.playing, h.visible, h.credited,
                h.note,
                session.last_seq, session.last_beat_at, session.last_position,
                session.earned_seconds, session.beats, session.check_code, session.check_due_at,
                session.pk,
                credited, day_id, credited,
                progress.earned_seconds, progress.furthest_seconds,
                json.dumps(progress.pages_seen), progress.updated_at, progress.pk,
            ],
        )  # fmt: skip


def _speed_cap(person_id: int) -> Decimal:
    """The platform's cap, or the learner's city's when cities set their own (one lookup
    then, none otherwise)."""
    if not settings.CIVTRAIN_LEARNING_SPEED_CAPS:
        return Decimal(str(settings.CIVTRAIN_LEARNING_SPEED_CAP))
    return speed_cap_for(person_data(person_id))


def _finished(item: Item, progress: ItemProgress, speed_cap: Decimal) -> bool:
    length = Decimal(item.duration_seconds or 0)
    if item.kind == ItemKind.VIDEO:
        at_end = progress.furthest_seconds >= length - 1
        return at_end and progress.earned_seconds >= DONE_SHARE * length / speed_cap
    pages = item.pages or 1
    read = {p for p, s in progress.pages_seen.items() if Decimal(str(s)) >= earning.PAGE_SECONDS}
    return len(read) >= pages and progress.earned_seconds >= DONE_SHARE * length


def _result(
    session: PlaySession,
    progress: ItemProgress,
    outcome: earning.Outcome,
    *,
    done: bool,
    course_done: bool,
) -> BeatResult:
    return BeatResult(
        credited=outcome.credited,
        earned=progress.earned_seconds,
        furthest=progress.furthest_seconds,
        position=outcome.position,
        note=outcome.note,
        seek_to=outcome.seek_to,
        check=session.check_code,
        item_completed=progress.completed or done,
        course_completed=course_done,
    )


def heartbeat_insert_plain(*, actor: Actor, token: str, seq: int, position: Any, **_: Any) -> None:
    """The benchmark's baseline (bench/heartbeats.py): the same heartbeat row inserted for
    the actor's session with nothing checked or credited. Served only when
    CIVTRAIN_BENCH_ENDPOINTS is on, never in a deployment."""
    person = _learner(actor)
    session_id = (
        PlaySession.objects.filter(token=token, person_id=person.id)
        .values_list("pk", flat=True)
        .first()
    )
    if session_id is None:
        raise NotFound("学习会话不存在")
    Heartbeat.objects.create(
        session_id=session_id, seq=seq, at=clock.now(), position=_number(position, "position")
    )


# -- courseware that reports its own progress (SCORM): the same clock rules (#12 item 7) ---

SUPERSEDED_MESSAGE = "您已在其他页面或设备上打开课程，此处已暂停计时"


@transaction.atomic
def timed_session_open(*, person_id: int, item_id: int, client_ip: str | None = None) -> str:
    """A play session for a SCORM item: opening it ends every other live session of the
    learner (a video, a document, another package), as play_start does, and any later
    play_start ends this one (PR-3: one course at a time). Returns the session's token, which
    the SCORM player presents at every commit and keep-alive."""
    item = Item.objects.filter(pk=item_id).first()
    if item is None or item.kind not in (ItemKind.SCORM12, ItemKind.SCORM2004):
        raise NotFound("课件不存在或无权访问")
    now = clock.now()
    PlaySession.objects.filter(person_id=person_id, live=True).update(
        live=False, ended_reason=SUPERSEDED
    )
    session = PlaySession.objects.create(
        person_id=person_id,
        item=item,
        token=secrets.token_urlsafe(24),
        started_at=now,
        last_beat_at=now,
        client_ip=client_ip,
    )
    return session.token


@transaction.atomic
def timed_session_credit(*, person_id: int, token: str, seconds: Decimal | int) -> Decimal:
    """Credit up to `seconds` of time the caller measured with the server's clock to the
    learner's session: SessionSuperseded once another course took over, and no more than the
    daily cap leaves (shared with video and documents). Returns the seconds credited."""
    session = (
        PlaySession.objects.select_for_update().filter(token=token, person_id=person_id).first()
    )
    if session is None:
        raise NotFound("学习会话不存在")
    if not session.live:
        raise SessionSuperseded(SUPERSEDED_MESSAGE, {"reason": session.ended_reason})
    now = clock.now()
    daily, _ = DailyEarned.objects.select_for_update().get_or_create(
        person_id=person_id, date=clock.today()
    )
    room = max(daily_cap_seconds() - daily.seconds, Decimal(0))
    credited = min(max(Decimal(seconds), Decimal(0)), room).quantize(Decimal(1), ROUND_DOWN)
    session.last_beat_at = now
    session.earned_seconds += credited
    session.beats += 1
    session.save(update_fields=["last_beat_at", "earned_seconds", "beats"])
    if credited:
        DailyEarned.objects.filter(pk=daily.pk).update(seconds=F("seconds") + credited)
    return credited
