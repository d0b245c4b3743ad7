"""What one heartbeat earns (PR-3, ADR 0016): pure arithmetic over the server's clock.

The client reports where the player is (`position`), its speed, whether it plays and is
visible; the server alone knows how much real time passed since the session's last accepted
beat. A beat earns at most that time, at most the media the player really advanced, and
nothing when the player is paused, hidden, too fast, ahead of the furthest point watched,
a replay, or waiting for an attention check. No client timestamp is read at all.
"""

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)
# The player beats every INTERVAL seconds; a gap longer than MAX_GAP earns only MAX_GAP
# (the learner may have walked away: the time in between is not known to be playback).
INTERVAL = 15
MAX_GAP = Decimal(2 * INTERVAL)
# Network and timer jitter between the client's positions and the server's arrival times.
TOLERANCE = Decimal(2)
# A document page shown for this long counts as read.
PAGE_SECONDS = Decimal(3)


class Note:
    """Why a beat earned less than the time that passed (stored on the heartbeat)."""

    REPLAY = "replay"
    PAUSED = "paused"
    HIDDEN = "hidden"
    TOO_FAST = "too_fast"
    SEEK_AHEAD = "seek_ahead"
    CHECK_PENDING = "check_pending"
    DAILY_CAP = "daily_cap"
    GAP = "gap"  # more time passed than a beat covers


@dataclass(frozen=True)
class State:
    """A play session as the last accepted beat left it."""

    last_seq: int
    seconds_since_last: Decimal  # server time since the last accepted beat (or the start)
    last_position: Decimal
    furthest: Decimal  # the furthest point watched in the item, over every session
    duration: Decimal
    speed_cap: Decimal
    check_pending: bool
    earned_today: Decimal
    daily_cap: Decimal


@dataclass(frozen=True)
class Beat:
    seq: int
    position: Decimal
    rate: Decimal
    playing: bool
    visible: bool


@dataclass(frozen=True)
class Outcome:
    accepted: bool  # False: a replay, nothing changes
    credited: Decimal
    position: Decimal  # where the session now stands
    furthest: Decimal
    note: str = ""
    seek_to: Decimal | None = None  # the player must jump back here (seek ahead refused)


def video_beat(state: State, beat: Beat) -> Outcome:
    """Seconds a video heartbeat earns, and where the player stands afterwards."""
    if beat.seq <= state.last_seq:
        return Outcome(False, ZERO, state.last_position, state.furthest, Note.REPLAY)
    elapsed = min(max(state.seconds_since_last, ZERO), MAX_GAP)
    position = min(max(beat.position, ZERO), state.duration)
    held = _held_back(state, beat)
    if held:
        # The interval was not playback that counts: the player may stand where it is, but
        # not beyond what was watched, and the furthest point does not move.
        limit = max(state.furthest, state.last_position)
        if position > limit:
            return Outcome(True, ZERO, limit, state.furthest, held, seek_to=limit)
        return Outcome(True, ZERO, position, state.furthest, held)
    # The furthest the player can honestly be: where it was, plus the real time that passed
    # at the cap (all of it: a player whose beats were lost kept playing; it earns MAX_GAP).
    since = max(state.seconds_since_last, ZERO)
    reach = max(state.furthest, state.last_position + since * state.speed_cap) + TOLERANCE
    if position > reach:
        back = min(state.furthest, state.duration)
        return Outcome(True, ZERO, back, state.furthest, Note.SEEK_AHEAD, seek_to=back)
    advance = max(position - state.last_position, ZERO)
    credited, note = _capped(state, min(elapsed, advance))
    if not note and state.seconds_since_last > MAX_GAP:
        note = Note.GAP
    return Outcome(True, credited, position, max(state.furthest, position), note)


def _held_back(state: State, beat: Beat) -> str:
    if not beat.playing:
        return Note.PAUSED
    if not beat.visible:
        return Note.HIDDEN
    if beat.rate > state.speed_cap:
        return Note.TOO_FAST
    if state.check_pending:
        return Note.CHECK_PENDING
    return ""


def _capped(state: State, seconds: Decimal) -> tuple[Decimal, str]:
    room = max(state.daily_cap - state.earned_today, ZERO)
    if seconds > room:
        return room.quantize(Decimal("0.01")), Note.DAILY_CAP
    return seconds.quantize(Decimal("0.01")), ""


def page_beat(state: State, beat: Beat) -> Outcome:
    """Seconds a document heartbeat earns: real time while a page is shown (`position` is
    the page number, from 1). Pages are free to turn: reading time is what counts."""
    if beat.seq <= state.last_seq:
        return Outcome(False, ZERO, state.last_position, state.furthest, Note.REPLAY)
    elapsed = min(max(state.seconds_since_last, ZERO), MAX_GAP)
    page = min(max(beat.position, Decimal(1)), max(state.duration, Decimal(1)))
    if not beat.visible:
        return Outcome(True, ZERO, page, state.furthest, Note.HIDDEN)
    if state.check_pending:
        return Outcome(True, ZERO, page, state.furthest, Note.CHECK_PENDING)
    credited, note = _capped(state, elapsed)
    return Outcome(True, credited, page, max(state.furthest, page), note)
