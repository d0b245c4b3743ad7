"""Writes of earned time (PR-3, ADR 0016): play sessions and their heartbeats.

A learner opens an item: a play session starts and every other live session of theirs ends
(one course at a time: the other tab or device is told so at its next beat). Each heartbeat
is stored with the seconds the server credited for it (earning.py decides), and the item's
progress, the day's total and the session move in the same transaction.
"""

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils.dateparse import parse_datetime

from civtrain.accounts.api import NO_LIMITS, SignInLimits, is_system
from civtrain.core import clock, lean
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound, SignInEnded
from civtrain.learning import earning
from civtrain.learning.data import ItemKind, ProgressSource
from civtrain.learning.errors import (
    BeatConflict,
    LearningError,
    LearningErrorCode,
    SessionSuperseded,
)
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
SUPERSEDED_MESSAGE = "您已在其他页面或设备上打开课程，此处已暂停计时"
SIGNED_OUT = "signed_out"  # the sign-in that opened the session ended (ADR 0029)
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
def play_start(
    *,
    actor: Actor,
    item_id: int,
    client_ip: str | None = None,
    sign_in: SignInLimits = NO_LIMITS,
) -> PlayStart:
    """Open a play session; every other live session of the learner ends (PR-3). Its token
    carries the limits of the sign-in that opened it (`sign_in`, ADR 0029)."""
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
        sign_in_ends_at=sign_in.ends_at,
        idle_seconds=sign_in.idle_seconds,
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


def play_sessions_end(*, user_id: int) -> int:
    """End the live play sessions of a user's learner (signed out: ADR 0029); how many."""
    return PlaySession.objects.filter(person__user_id=user_id, live=True).update(
        live=False, ended_reason=SIGNED_OUT
    )


def _number(value: Any, name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise LearningError(LearningErrorCode.BAD_HEARTBEAT, f"心跳数据有误：{name}") from None
    if not number.is_finite():
        raise LearningError(LearningErrorCode.BAD_HEARTBEAT, f"心跳数据有误：{name}")
    return number


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
    """Record one heartbeat of the actor's own session and credit what it earned (callers in
    this process: the demo, scripts; the player's endpoint is heartbeat_by_token)."""
    user_id = getattr(actor, "pk", None)
    if user_id is None or is_system(actor):
        raise NotFound("学习会话不存在")
    return _beat(token, user_id, seq, position, rate, playing, visible, check)


def heartbeat_by_token(
    *,
    token: str,
    seq: int,
    position: Any,
    rate: Any = 1,
    playing: bool = True,
    visible: bool = True,
    check: str = "",
) -> BeatResult:
    """The player's heartbeat (ADR 0029): the play session's token is the credential — a
    capability the signed-in player page was given by play_start, naming one live session
    of one learner. It stops working when another session supersedes it, when the learner
    signs out or is disabled, and at the limits of the sign-in that opened it."""
    return _beat(token, None, seq, position, rate, playing, visible, check)


# One statement reads everything a beat needs: the session (by its token), its item, the
# learner's progress in it, today's total and whether the account may still act. The
# session and progress rows are locked (PostgreSQL); the item is shared by every learner.
_BEAT_STATE = (
    "SELECT s.id, s.person_id, s.live, s.ended_reason, s.last_seq, s.last_beat_at,"
    " s.last_position, s.earned_seconds, s.beats, s.check_code, s.check_due_at,"
    " s.sign_in_ends_at, s.idle_seconds,"
    " i.id, i.kind, i.duration_seconds, i.pages,"
    " p.id, p.furthest_seconds, p.earned_seconds, p.pages_seen, p.completed,"
    " d.id, d.seconds, pe.user_id, u.is_active"
    " FROM learning_playsession s"
    " JOIN learning_item i ON i.id = s.item_id"
    " JOIN learning_itemprogress p ON p.person_id = s.person_id AND p.item_id = s.item_id"
    " JOIN people_person pe ON pe.id = s.person_id"
    " LEFT JOIN accounts_user u ON u.id = pe.user_id"
    " LEFT JOIN learning_dailyearned d ON d.person_id = s.person_id AND d.date = %s"
    " WHERE s.token = %s"
)


def _decimal(value: Any) -> Decimal:
    """A numeric column as Decimal (SQLite hands raw numbers back as float or int)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _moment(value: Any) -> dt.datetime | None:
    """A datetime column as an aware datetime (SQLite hands raw ones back naive, in UTC)."""
    if value is None:
        return None
    parsed = value if isinstance(value, dt.datetime) else parse_datetime(value)
    return parsed if parsed is None or parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _beat(
    token: str,
    user_id: int | None,
    seq: int,
    position: Any,
    rate: Any,
    playing: bool,
    visible: bool,
    check: str,
) -> BeatResult:
    """A beat is read and then written only if its session is still as it was read
    (ADR 0029): the write compares the session's last accepted beat and its liveness, so no
    row lock is held between the two statements and a beat costs two round trips, not four.
    A beat that loses this to another beat of the same session (a client sending beats at
    once; a player never does) is read again, and refused when it loses again. SQLite takes
    the whole beat in one transaction: its writers queue for the file's lock anyway."""
    args = (token, user_id, seq, position, rate, playing, visible, check)
    for _ in range(2):
        if connection.vendor == "postgresql":
            result = _beat_once(*args)
        else:
            with transaction.atomic():
                result = _beat_once(*args)
        if result is not None:
            return result
    raise BeatConflict


def _beat_once(
    token: str,
    user_id: int | None,
    seq: int,
    position: Any,
    rate: Any,
    playing: bool,
    visible: bool,
    check: str,
) -> BeatResult | None:
    """One beat, or None when its session moved on between the read and the write."""
    today, now = clock.today(), clock.now()
    rows, _ = lean.run(_BEAT_STATE, [today, token], rows=True)
    if not rows:
        raise NotFound("学习会话不存在")
    (session_id, person_id, live, ended_reason, last_seq, last_beat_at, last_position,
     session_earned, beats, check_code, check_due_at, ends_at, idle_seconds,
     item_id, kind, duration_seconds, pages,
     progress_id, furthest, progress_earned, pages_seen, completed,
     day_id, day_seconds, owner, active) = rows[0]  # fmt: skip
    if not active or (user_id is not None and owner != user_id):
        raise NotFound("学习会话不存在")
    if not live:
        if ended_reason == SIGNED_OUT:
            raise SignInEnded(SignInEnded.ENDED)
        raise SessionSuperseded(SUPERSEDED_MESSAGE, {"reason": ended_reason})
    last_beat_at = _moment(last_beat_at) or now  # a column that is never null
    _within_sign_in(session_id, now, last_beat_at, _moment(ends_at), idle_seconds)
    if day_id is None:
        day_id = DailyEarned.objects.get_or_create(person_id=person_id, date=today)[0].pk
        day_seconds = 0
    if isinstance(pages_seen, str):
        pages_seen = json.loads(pages_seen)
    check_due = None if check_due_at is None else _decimal(check_due_at)
    if check_code and check == check_code:
        check_code, check_due = "", _next_check(_decimal(session_earned))
    video = kind == ItemKind.VIDEO
    state = earning.State(
        last_seq=last_seq,
        seconds_since_last=Decimal((now - last_beat_at).total_seconds()),
        last_position=_decimal(last_position),
        furthest=_decimal(furthest),
        duration=Decimal(duration_seconds or 0) if video else Decimal(pages or 1),
        speed_cap=_speed_cap(person_id),
        check_pending=bool(check_code),
        earned_today=_decimal(day_seconds),
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
    progress = _Progress(
        progress_id, _decimal(progress_earned), state.furthest, pages_seen, completed
    )
    if not outcome.accepted:
        return _result(check_code, progress, outcome, done=False, course_done=False)
    if not video and outcome.credited:
        page = str(int(state.last_position))
        seen = dict(progress.pages_seen)
        seen[page] = float(Decimal(str(seen.get(page, 0))) + outcome.credited)
        progress.pages_seen = seen
    session_earned = _decimal(session_earned) + outcome.credited
    if not check_code and check_due is not None and session_earned >= check_due:
        check_code = f"{_random.randint(0, 9999):04d}"
    progress.earned += outcome.credited
    progress.furthest = outcome.furthest
    write = _BeatWrite(
        session_id=session_id,
        last_seq=last_seq,
        beat=(session_id, beat.seq, now, beat.position, beat.rate, beat.playing, beat.visible,
              outcome.credited, outcome.note),
        session=(beat.seq, now, outcome.position, session_earned, beats + 1, check_code,
                 check_due),
        progress=progress,
        day_id=day_id,
        credited=outcome.credited,
        now=now,
    )  # fmt: skip
    if not progress.done_by(video, duration_seconds, pages, state.speed_cap):
        if not write.run():
            return None
        return _result(check_code, progress, outcome, done=False, course_done=False)
    with transaction.atomic():  # the beat that finishes the item writes with what follows
        if not write.run():
            return None
        course = Item.objects.select_related("course").get(pk=item_id).course
        stored = ItemProgress.objects.get(pk=progress_id)
        result = item_mark_done(progress=stored, course=course, source=ProgressSource.HEARTBEAT)
    return _result(check_code, progress, outcome, done=True, course_done=result is not None)


def _within_sign_in(
    session_id: int,
    now: dt.datetime,
    last_beat_at: dt.datetime,
    ends_at: dt.datetime | None,
    idle_seconds: int,
) -> None:
    """The sign-in that opened the session must still be good: a beat after its idle time or
    its absolute lifetime ends the session and is answered as the session's end is."""
    if idle_seconds and (now - last_beat_at).total_seconds() > idle_seconds:
        message = SignInEnded.IDLE
    elif ends_at is not None and now > ends_at:
        message = SignInEnded.EXPIRED
    else:
        return
    PlaySession.objects.filter(pk=session_id).update(live=False, ended_reason=SIGNED_OUT)
    raise SignInEnded(message)


@dataclass
class _Progress:
    """The learner's progress in the item, as the beat moves it."""

    pk: int
    earned: Decimal
    furthest: Decimal
    pages_seen: dict[str, Any]
    completed: bool

    def done_by(self, video: bool, duration: int | None, pages: int | None, cap: Decimal) -> bool:
        """The item is finished by this beat (it was not before)."""
        if self.completed:
            return False
        length = Decimal(duration or 0)
        if video:
            at_end = self.furthest >= length - 1
            return at_end and self.earned >= DONE_SHARE * length / cap
        read = {p for p, s in self.pages_seen.items() if Decimal(str(s)) >= earning.PAGE_SECONDS}
        return len(read) >= (pages or 1) and self.earned >= DONE_SHARE * length


# A credited beat's four writes — the session, the heartbeat row, the day's total and the
# item's progress — as one PostgreSQL statement (data-modifying CTEs): one round trip instead
# of four (#12 throughput). The session's update is the compare-and-set (ADR 0029): it
# changes the row only if its last accepted beat is still the one the beat read and the
# session is live, and the other three write only when it did. Other databases take the
# ORM's four statements, in the caller's transaction.
_WRITE_BEAT = (
    "WITH play AS (UPDATE learning_playsession SET last_seq = %s, last_beat_at = %s,"
    " last_position = %s, earned_seconds = %s, beats = %s, check_code = %s, check_due_at = %s"
    " WHERE id = %s AND last_seq = %s AND live RETURNING id),"
    " beat AS (INSERT INTO learning_heartbeat"
    " (session_id, seq, at, position, rate, playing, visible, credited, note)"
    " SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s FROM play),"
    " day AS (UPDATE learning_dailyearned SET seconds = seconds + %s"
    " WHERE id = %s AND %s > 0 AND EXISTS (SELECT FROM play)),"
    " progress AS (UPDATE learning_itemprogress SET earned_seconds = %s, furthest_seconds = %s,"
    " pages_seen = %s::jsonb, updated_at = %s WHERE id = %s AND EXISTS (SELECT FROM play))"
    " SELECT count(*) FROM play"
)
_SESSION_COLUMNS = (
    "last_seq", "last_beat_at", "last_position", "earned_seconds", "beats", "check_code",
    "check_due_at",
)  # fmt: skip
_HEARTBEAT_COLUMNS = (
    "session_id", "seq", "at", "position", "rate", "playing", "visible", "credited", "note",
)  # fmt: skip


@dataclass(frozen=True)
class _BeatWrite:
    """What an accepted beat writes, and the session state it expects to find."""

    session_id: int
    last_seq: int  # the session's last accepted beat, as read
    beat: tuple[Any, ...]  # the heartbeat row (_HEARTBEAT_COLUMNS)
    session: tuple[Any, ...]  # the session's new state (_SESSION_COLUMNS)
    progress: _Progress
    day_id: int
    credited: Decimal
    now: dt.datetime

    def run(self) -> bool:
        """Write, unless the session moved on since it was read: whether it wrote."""
        p = self.progress
        if connection.vendor == "postgresql":
            rows, _ = lean.run(
                _WRITE_BEAT,
                [
                    *self.session, self.session_id, self.last_seq,
                    *self.beat,
                    self.credited, self.day_id, self.credited,
                    p.earned, p.furthest, json.dumps(p.pages_seen), self.now, p.pk,
                ],
                rows=True,
            )  # fmt: skip
            return bool(rows[0][0])
        moved = PlaySession.objects.filter(
            pk=self.session_id, last_seq=self.last_seq, live=True
        ).update(**dict(zip(_SESSION_COLUMNS, self.session, strict=True)))
        if not moved:
            return False
        Heartbeat.objects.create(**dict(zip(_HEARTBEAT_COLUMNS, self.beat, strict=True)))
        if self.credited:
            DailyEarned.objects.filter(pk=self.day_id).update(seconds=F("seconds") + self.credited)
        ItemProgress.objects.filter(pk=p.pk).update(
            earned_seconds=p.earned, furthest_seconds=p.furthest, pages_seen=p.pages_seen,
            updated_at=self.now,
        )  # fmt: skip
        return True


def _speed_cap(person_id: int) -> Decimal:
    """The platform's cap, or the learner's city's when cities set their own (one lookup
    then, none otherwise)."""
    if not settings.CIVTRAIN_LEARNING_SPEED_CAPS:
        return Decimal(str(settings.CIVTRAIN_LEARNING_SPEED_CAP))
    return speed_cap_for(person_data(person_id))


def _result(
    check_code: str,
    progress: _Progress,
    outcome: earning.Outcome,
    *,
    done: bool,
    course_done: bool,
) -> BeatResult:
    return BeatResult(
        credited=outcome.credited,
        earned=progress.earned,
        furthest=progress.furthest,
        position=outcome.position,
        note=outcome.note,
        seek_to=outcome.seek_to,
        check=check_code,
        item_completed=progress.completed or done,
        course_completed=course_done,
    )


def heartbeat_insert_plain(*, token: str, seq: int, position: Any, **_: Any) -> None:
    """The benchmark's baseline (bench/heartbeats.py): the same heartbeat row inserted for the
    token's session, found by its token as a beat finds it, with nothing checked or
    credited. Served only when CIVTRAIN_BENCH_ENDPOINTS is on, never in a deployment."""
    _rows, inserted = lean.run(
        "INSERT INTO learning_heartbeat (session_id, seq, at, position, rate, playing, visible,"
        " credited, note) SELECT id, %s, %s, %s, 1, true, true, 0, '' FROM learning_playsession"
        " WHERE token = %s",
        [seq, clock.now(), _number(position, "position"), token],
    )
    if not inserted:
        raise NotFound("学习会话不存在")


# -- courseware that reports its own progress (SCORM): the same clock rules (#12 item 7) ---


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
