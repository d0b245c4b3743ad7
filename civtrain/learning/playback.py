"""Writes of earned time (PR-3, ADR 0016): play sessions and their heartbeats.

A learner opens an item: a play session starts and every other live session of theirs ends
(one course at a time: the other tab or device is told so at its next beat). Each heartbeat
is stored with the seconds the server credited for it (earning.py decides), and the item's
progress, the day's total and the session move in the same transaction.
"""

import datetime as dt
import json
import logging
import secrets
import threading
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils.dateparse import parse_datetime

from civtrain.accounts.api import NO_LIMITS, SignInLimits, is_system
from civtrain.core import clock, lean
from civtrain.core.actors import Actor
from civtrain.core.errors import ApplicationError, NotFound, SignInEnded
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
logger = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class _Sent:
    """A heartbeat as the player sent it."""

    token: str
    user_id: int | None  # the signed-in user it must belong to; None: the token alone
    seq: int
    position: Any
    rate: Any
    playing: bool
    visible: bool
    check: str


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
    return _BEATS.beat(_Sent(token, user_id, seq, position, rate, playing, visible, check))


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
    return _BEATS.beat(_Sent(token, None, seq, position, rate, playing, visible, check))


# One statement reads everything a beat needs: the session (by its token), its item, the
# learner's progress in it, today's total and whether the account may still act. No row is
# locked: the write checks that the session is still as read (_WRITE_BEATS).
_BEAT_STATE = (
    "SELECT s.token, s.id, s.person_id, s.live, s.ended_reason, s.last_seq, s.last_beat_at,"
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
)
_READ_ONE = _BEAT_STATE + " WHERE s.token = %s"
_READ_MANY = _BEAT_STATE + " WHERE s.token = ANY(%s)"  # PostgreSQL: a batch (_Beats)


@dataclass
class _Read:
    """A row of _BEAT_STATE: a session and what its beat needs."""

    token: str
    session_id: int
    person_id: int
    live: bool
    ended_reason: str
    last_seq: int
    last_beat_at: Any
    last_position: Any
    session_earned: Any
    beats: int
    check_code: str
    check_due_at: Any
    ends_at: Any
    idle_seconds: int
    item_id: int
    kind: str
    duration_seconds: int | None
    pages: int | None
    progress_id: int
    furthest: Any
    progress_earned: Any
    pages_seen: Any
    completed: bool
    day_id: int | None
    day_seconds: Any
    owner: int | None
    active: bool | None


def _decimal(value: Any) -> Decimal:
    """A numeric column as Decimal (SQLite hands raw numbers back as float or int)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _moment(value: Any) -> dt.datetime | None:
    """A datetime column as an aware datetime (SQLite hands raw ones back naive, in UTC)."""
    if value is None:
        return None
    parsed = value if isinstance(value, dt.datetime) else parse_datetime(value)
    return parsed if parsed is None or parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


# What keeps a beat off the common way: each has its own answer, or a write first.
_UNKNOWN, _ENDED, _IDLE, _EXPIRED, _NO_DAY = "unknown", "ended", "idle", "expired", "no_day"


def _hindrance(r: _Read, sent: _Sent, now: dt.datetime) -> str:
    """Why the beat cannot simply be credited ("" when it can): not the learner's session or
    a disabled account, a session that ended, a sign-in past its idle time or lifetime (the
    limits the session carries, ADR 0029), or no total for today yet."""
    if not r.active or (sent.user_id is not None and r.owner != sent.user_id):
        return _UNKNOWN
    if not r.live:
        return _ENDED
    last_beat_at = _moment(r.last_beat_at) or now  # a column that is never null
    if r.idle_seconds and (now - last_beat_at).total_seconds() > r.idle_seconds:
        return _IDLE
    ends_at = _moment(r.ends_at)
    if ends_at is not None and now > ends_at:
        return _EXPIRED
    return _NO_DAY if r.day_id is None else ""


def _clear(hindrance: str, r: _Read, today: dt.date) -> None:
    """Answer what keeps the beat off the common way: refuse it (a sign-in past its limits
    ends the session first), or start today's total."""
    if hindrance == _UNKNOWN:
        raise NotFound("学习会话不存在")
    if hindrance == _ENDED:
        if r.ended_reason == SIGNED_OUT:
            raise SignInEnded(SignInEnded.ENDED)
        raise SessionSuperseded(SUPERSEDED_MESSAGE, {"reason": r.ended_reason})
    if hindrance in (_IDLE, _EXPIRED):
        PlaySession.objects.filter(pk=r.session_id).update(live=False, ended_reason=SIGNED_OUT)
        raise SignInEnded(SignInEnded.IDLE if hindrance == _IDLE else SignInEnded.EXPIRED)
    r.day_id = DailyEarned.objects.get_or_create(person_id=r.person_id, date=today)[0].pk
    r.day_seconds = 0


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


@dataclass(frozen=True)
class _BeatWrite:
    """What an accepted beat writes, and the session state it expects to find."""

    session_id: int
    last_seq: int  # the session's last accepted beat, as read
    beat: tuple[Any, ...]  # the heartbeat row (_HEARTBEAT_COLUMNS)
    session: tuple[Any, ...]  # the session's new state (_SESSION_COLUMNS)
    progress: _Progress
    day_id: int | None  # today's total (_clear starts it when missing)
    credited: Decimal
    now: dt.datetime


@dataclass(frozen=True)
class _Plan:
    """A beat decided: its answer, and what it writes (None: nothing, a replay)."""

    result: BeatResult
    write: _BeatWrite | None
    completes: bool  # the write finishes the item


def _plan(r: _Read, sent: _Sent, now: dt.datetime) -> _Plan:
    """What the beat earns (earning.py) and writes, from the session as read."""
    pages_seen = json.loads(r.pages_seen) if isinstance(r.pages_seen, str) else r.pages_seen
    check_code = r.check_code
    check_due = None if r.check_due_at is None else _decimal(r.check_due_at)
    if check_code and sent.check == check_code:
        check_code, check_due = "", _next_check(_decimal(r.session_earned))
    video = r.kind == ItemKind.VIDEO
    last_beat_at = _moment(r.last_beat_at) or now
    state = earning.State(
        last_seq=r.last_seq,
        seconds_since_last=Decimal((now - last_beat_at).total_seconds()),
        last_position=_decimal(r.last_position),
        furthest=_decimal(r.furthest),
        duration=Decimal(r.duration_seconds or 0) if video else Decimal(r.pages or 1),
        speed_cap=_speed_cap(r.person_id),
        check_pending=bool(check_code),
        earned_today=_decimal(r.day_seconds),
        daily_cap=daily_cap_seconds(),
    )
    beat = earning.Beat(
        seq=int(sent.seq),
        position=_number(sent.position, "position"),
        rate=_number(sent.rate, "rate"),
        playing=bool(sent.playing),
        visible=bool(sent.visible),
    )
    outcome = (earning.video_beat if video else earning.page_beat)(state, beat)
    progress = _Progress(
        r.progress_id, _decimal(r.progress_earned), state.furthest, pages_seen, r.completed
    )
    if not outcome.accepted:
        return _Plan(_result(check_code, progress, outcome, done=False), None, completes=False)
    if not video and outcome.credited:
        page = str(int(state.last_position))
        seen = dict(progress.pages_seen)
        seen[page] = float(Decimal(str(seen.get(page, 0))) + outcome.credited)
        progress.pages_seen = seen
    session_earned = _decimal(r.session_earned) + outcome.credited
    if not check_code and check_due is not None and session_earned >= check_due:
        check_code = f"{_random.randint(0, 9999):04d}"
    progress.earned += outcome.credited
    progress.furthest = outcome.furthest
    write = _BeatWrite(
        session_id=r.session_id,
        last_seq=r.last_seq,
        beat=(r.session_id, beat.seq, now, beat.position, beat.rate, beat.playing,
              beat.visible, outcome.credited, outcome.note),
        session=(beat.seq, now, outcome.position, session_earned, r.beats + 1, check_code,
                 check_due),
        progress=progress,
        day_id=r.day_id,
        credited=outcome.credited,
        now=now,
    )  # fmt: skip
    done = progress.done_by(video, r.duration_seconds, r.pages, state.speed_cap)
    return _Plan(_result(check_code, progress, outcome, done=done), write, completes=done)


def _beat(sent: _Sent) -> BeatResult:
    """A beat is read and then written only if its session is still as it was read
    (ADR 0029): the write compares the session's last accepted beat and its liveness, so no
    row lock is held between the two statements and a beat costs two round trips, not four.
    A beat that loses this to another beat of the same session (a client sending beats at
    once; a player never does) is read again, and refused when it loses again. SQLite takes
    the whole beat in one transaction: its writers queue for the file's lock anyway."""
    for _ in range(2):
        if connection.vendor == "postgresql":
            result = _beat_once(sent)
        else:
            with transaction.atomic():
                result = _beat_once(sent)
        if result is not None:
            return result
    raise BeatConflict


def _beat_once(sent: _Sent) -> BeatResult | None:
    """One beat, or None when its session moved on between the read and the write."""
    today, now = clock.today(), clock.now()
    rows, _ = lean.run(_READ_ONE, [today, sent.token], rows=True)
    if not rows:
        raise NotFound("学习会话不存在")
    r = _Read(*rows[0])
    hindrance = _hindrance(r, sent, now)
    if hindrance:
        _clear(hindrance, r, today)
    plan = _plan(r, sent, now)
    if plan.write is None:
        return plan.result
    if not plan.completes:
        return plan.result if _write([plan.write]) else None
    with transaction.atomic():  # the beat that finishes the item writes with what follows
        if not _write([plan.write]):
            return None
        course = Item.objects.select_related("course").get(pk=r.item_id).course
        stored = ItemProgress.objects.get(pk=r.progress_id)
        done = item_mark_done(progress=stored, course=course, source=ProgressSource.HEARTBEAT)
    return replace(plan.result, course_completed=done is not None)


# An accepted beat's four writes — the session, the heartbeat row, the day's total and the
# item's progress — as one PostgreSQL statement (data-modifying CTEs) for any number of
# beats, given as one JSON document: one round trip (#12 throughput). The session's update
# is the compare-and-set (ADR 0029): a session changes only if its last accepted beat is
# still the one its beat read and it is live, and the other three write only for the
# sessions that did. Other databases take the ORM's four statements, in the caller's
# transaction.
_WRITE_BEATS = (
    "WITH v AS (SELECT * FROM json_to_recordset(%s::json) AS v(id bigint, old_seq int, seq int,"
    " at timestamptz, last_position numeric, earned numeric, beats int, check_code text,"
    " check_due numeric, position numeric, rate numeric, playing bool, visible bool,"
    " credited numeric, note text, day_id bigint, progress_id bigint, progress_earned numeric,"
    " furthest numeric, pages_seen jsonb)),"
    " play AS (UPDATE learning_playsession s SET last_seq = v.seq, last_beat_at = v.at,"
    " last_position = v.last_position, earned_seconds = v.earned, beats = v.beats,"
    " check_code = v.check_code, check_due_at = v.check_due"
    " FROM v WHERE s.id = v.id AND s.last_seq = v.old_seq AND s.live RETURNING s.id),"
    " beat AS (INSERT INTO learning_heartbeat"
    " (session_id, seq, at, position, rate, playing, visible, credited, note)"
    " SELECT v.id, v.seq, v.at, v.position, v.rate, v.playing, v.visible, v.credited, v.note"
    " FROM v JOIN play USING (id)),"
    " day AS (UPDATE learning_dailyearned d SET seconds = d.seconds + v.credited"
    " FROM v JOIN play USING (id) WHERE d.id = v.day_id AND v.credited > 0),"
    " progress AS (UPDATE learning_itemprogress p SET earned_seconds = v.progress_earned,"
    " furthest_seconds = v.furthest, pages_seen = v.pages_seen, updated_at = v.at"
    " FROM v JOIN play USING (id) WHERE p.id = v.progress_id)"
    " SELECT id FROM play"
)
# The batch's rows, in the order of json_to_recordset's columns above.
_BATCH_COLUMNS = (
    "id", "old_seq", "seq", "at", "last_position", "earned", "beats", "check_code",
    "check_due", "position", "rate", "playing", "visible", "credited", "note", "day_id",
    "progress_id", "progress_earned", "furthest", "pages_seen",
)  # fmt: skip
_SESSION_COLUMNS = (
    "last_seq", "last_beat_at", "last_position", "earned_seconds", "beats", "check_code",
    "check_due_at",
)  # fmt: skip
_HEARTBEAT_COLUMNS = (
    "session_id", "seq", "at", "position", "rate", "playing", "visible", "credited", "note",
)  # fmt: skip


def _write(writes: list[_BeatWrite]) -> set[int]:
    """Write each beat whose session is still as read: the ids of the sessions written. On
    PostgreSQL the beats of different learners only (one row each, _Beats)."""
    if connection.vendor == "postgresql":
        rows = []
        for w in writes:
            p = w.progress
            values = (
                w.session_id, w.last_seq, *w.session, *w.beat[3:], w.day_id, p.pk, p.earned,
                p.furthest, p.pages_seen,
            )  # fmt: skip
            rows.append(dict(zip(_BATCH_COLUMNS, values, strict=True)))
        # one JSON document: decimals and moments as text, which PostgreSQL reads exactly
        ids, _ = lean.run(_WRITE_BEATS, [json.dumps(rows, default=str)], rows=True)
        return {session_id for (session_id,) in ids}
    written: set[int] = set()
    for w in writes:
        p = w.progress
        moved = PlaySession.objects.filter(pk=w.session_id, last_seq=w.last_seq, live=True).update(
            **dict(zip(_SESSION_COLUMNS, w.session, strict=True))
        )
        if not moved:
            continue
        Heartbeat.objects.create(**dict(zip(_HEARTBEAT_COLUMNS, w.beat, strict=True)))
        if w.credited and w.day_id is not None:
            DailyEarned.objects.filter(pk=w.day_id).update(seconds=F("seconds") + w.credited)
        ItemProgress.objects.filter(pk=p.pk).update(
            earned_seconds=p.earned, furthest_seconds=p.furthest, pages_seen=p.pages_seen,
            updated_at=w.now,
        )  # fmt: skip
        written.add(w.session_id)
    return written


def _taken() -> threading.Lock:
    lock = threading.Lock()
    lock.acquire()
    return lock


@dataclass
class _Waiting:
    """A beat waiting in a worker process for the batch that takes it."""

    sent: _Sent
    # Released when its batch ran or when it is to lead the next: a lock, not an Event,
    # whose condition costs a waiting request several times more.
    ready: threading.Lock = field(default_factory=_taken)
    lead: bool = False  # this beat's thread runs the next batch
    result: BeatResult | None = None  # None once its batch ran: it goes alone (_beat)


class _Beats:
    """The beats that arrive at once in one worker process share their read and their write
    (PostgreSQL, ADR 0029): while one request's thread runs a batch, the beats that arrive
    wait, and the first of them runs them all as the next, in two statements whatever their
    number. Only the common beat is batched — a learner's live session credited without
    finishing its item; any other (a refusal, a sign-in past its limits, the day's first
    beat, the finishing beat, a second beat of one learner in the batch, a lost race) is
    then run alone by its own thread, the one way (_beat), as on SQLite."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._leading = False
        self._local = threading.local()  # whether this thread is running a batch

    def beat(self, sent: _Sent) -> BeatResult:
        if (
            connection.vendor != "postgresql"
            or connection.in_atomic_block  # the caller's transaction: it could roll others back
            or getattr(self._local, "busy", False)  # sent from within a batch (a test does)
        ):
            return _beat(sent)
        mine = _Waiting(sent)
        with self._lock:
            self._queue.append(mine)
            if not self._leading:
                self._leading = mine.lead = True
        if not mine.lead:
            mine.ready.acquire()  # its batch ran, or it leads the next
        if mine.lead:
            self._lead(mine)
        return mine.result if mine.result is not None else _beat(sent)

    def _lead(self, mine: _Waiting) -> None:
        """Run the waiting beats as one batch, then hand the lead to a beat that came since."""
        with self._lock:
            batch, self._queue = self._queue, []
        self._local.busy = True
        try:
            _run_batch(batch)
        except Exception:  # each beat goes alone and meets the error there, if it lasts
            logger.exception("a batch of %d heartbeats failed", len(batch))
            for waiting in batch:
                waiting.result = None
        finally:
            self._local.busy = False
            with self._lock:
                following = self._queue[0] if self._queue else None
                if following is None:
                    self._leading = False
                else:
                    following.lead = True
            for waiting in batch:
                if waiting is not mine:
                    waiting.ready.release()
            if following is not None:
                following.ready.release()


_BEATS = _Beats()


def _run_batch(batch: list[_Waiting]) -> None:
    """Set the result of each common beat of the batch; the others keep None."""
    today, now = clock.today(), clock.now()
    first: dict[str, _Waiting] = {}
    for waiting in batch:
        first.setdefault(waiting.sent.token, waiting)
    rows, _ = lean.run(_READ_MANY, [today, list(first)], rows=True)
    planned: list[tuple[_Waiting, BeatResult, _BeatWrite]] = []
    people: set[int] = set()
    for row in rows:
        r = _Read(*row)
        waiting = first[r.token]
        if r.person_id in people or _hindrance(r, waiting.sent, now):
            continue
        people.add(r.person_id)
        try:
            plan = _plan(r, waiting.sent, now)
        except ApplicationError:
            continue  # a bad value: its own thread answers it
        if plan.write is None:
            waiting.result = plan.result
        elif not plan.completes:
            planned.append((waiting, plan.result, plan.write))
    if not planned:
        return
    written = _write([write for _, _, write in planned])
    for waiting, result, write in planned:
        if write.session_id in written:
            waiting.result = result


def _speed_cap(person_id: int) -> Decimal:
    """The platform's cap, or the learner's city's when cities set their own (one lookup
    then, none otherwise)."""
    if not settings.CIVTRAIN_LEARNING_SPEED_CAPS:
        return Decimal(str(settings.CIVTRAIN_LEARNING_SPEED_CAP))
    return speed_cap_for(person_data(person_id))


def _result(
    check_code: str, progress: _Progress, outcome: earning.Outcome, *, done: bool
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
        course_completed=False,  # the finishing beat says so once the course is complete
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
