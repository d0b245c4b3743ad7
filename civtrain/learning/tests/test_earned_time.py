"""Earned time (PR-3): a scripted client that fakes progress earns no more than real playback.

Every test drives the server's clock explicitly (Asia/Shanghai) and calls the heartbeat
service the way the player's endpoint does; "real playback" is the time the script spent
playing at normal speed, which the assertions compare with to the second.
"""

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.core import clock
from civtrain.core.errors import NotFound
from civtrain.credits.api import entry_rows
from civtrain.learning import api, earning, playback
from civtrain.learning.errors import BeatConflict, SessionSuperseded
from civtrain.learning.models import Heartbeat

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=clock.TZ)


class Script:
    """A scripted player: it moves the server's clock and sends what it likes."""

    def __init__(self, user: Any, item_id: int) -> None:
        self.user, self.item_id, self.seq = user, item_id, 0
        self.start = playback.play_start(actor=user, item_id=item_id)
        self.token = self.start.token

    def wait(self, seconds: float) -> None:
        clock.freeze(clock.now() + dt.timedelta(seconds=seconds))

    def beat(self, position: float, **fields: Any) -> playback.BeatResult:
        self.seq += 1
        fields.setdefault("seq", self.seq)
        return playback.heartbeat_record(
            actor=self.user, token=self.token, position=Decimal(str(position)), **fields
        )

    def play(self, seconds: int, frm: float, step: int = 15) -> playback.BeatResult:
        """Honest playback at 1× for `seconds` from `frm`, a beat every `step` seconds."""
        done, result = 0, None
        while done < seconds:
            chunk = min(step, seconds - done)
            self.wait(chunk)
            done += chunk
            result = self.beat(frm + done)
        assert result is not None
        return result


@pytest.fixture
def setup(tree: dict, actors: dict[str, Any]) -> dict[str, Any]:
    clock.freeze(START)

    def video_course(title: str, seconds: int) -> int:
        course = api.course_create(
            actor=actors["city"],
            title=title,
            org_code="C1",
            kind="video",
            hours="1",
            required=True,
        )
        return api.item_add(
            actor=actors["city"],
            course_id=course.id,
            kind="video",
            title=title,
            ref=f"{title}.mp4",
            duration_seconds=seconds,
        ).id

    person = testing.make_person(tree["U1"], name="王五")
    other = testing.make_person(tree["U1"], name="赵六")
    return {
        "user": User.objects.get(person__pk=person.id),
        "other": User.objects.get(person__pk=other.id),
        "person": person,
        "video": video_course("宪法", 120),
        "second": video_course("保密", 120),
    }


def earned(setup: dict[str, Any], key: str = "video") -> Decimal:
    item = setup[key]
    start = playback.play_start(actor=setup["user"], item_id=item)
    return start.earned


def test_honest_playback_earns_its_real_time_to_the_second(setup: dict[str, Any]) -> None:
    player = Script(setup["user"], setup["video"])
    last = player.play(120, 0)
    assert last.earned == Decimal("120.00")
    assert last.item_completed and last.course_completed
    hours = entry_rows().filter(person_id=setup["person"].id).values_list("hours", "mode")
    assert list(hours) == [(Decimal("1.00"), "online")]


def test_seeking_ahead_earns_nothing_and_sends_the_player_back(setup: dict[str, Any]) -> None:
    player = Script(setup["user"], setup["video"])
    player.play(30, 0)
    player.wait(15)
    jumped = player.beat(110)  # 15 s later the player claims 110 s: a seek ahead
    assert (jumped.credited, jumped.seek_to, jumped.note) == (0, Decimal("30.00"), "seek_ahead")
    player.wait(10)
    assert player.beat(119).credited == 0  # still beyond what was watched
    later = player.play(15, 30)  # back where it was sent: honest again
    # 30 s + 15 s of real playback; the 25 s spent at the far end earned nothing
    assert later.earned == Decimal("45.00") and not later.item_completed


def test_sixteen_times_speed_earns_no_more_than_real_time(setup: dict[str, Any]) -> None:
    player = Script(setup["user"], setup["video"])
    # honest about the rate: refused outright
    player.wait(5)
    told = player.beat(80, rate=16)
    assert (told.credited, told.note, told.seek_to) == (0, "too_fast", Decimal(0))
    # lying about the rate: 7.5 s of wall time cannot cover 120 s of video
    for _ in range(8):
        player.wait(7.5)
        lied = player.beat(120, rate=1)
        assert (lied.credited, lied.note) == (0, "seek_ahead")
    assert not lied.item_completed and earned(setup) == 0


def test_two_courses_at_once_pause_the_first(setup: dict[str, Any]) -> None:
    first = Script(setup["user"], setup["video"])
    first.play(15, 0)
    second = Script(setup["user"], setup["second"])  # another tab or device
    second.wait(15)
    with pytest.raises(SessionSuperseded) as paused:
        first.beat(30)
    assert paused.value.status == 409 and "其他页面或设备" in paused.value.message
    assert second.beat(15).credited == Decimal("15.00")
    # 30 s passed, 15 s played in each tab in turn
    assert earned(setup) + earned(setup, "second") == Decimal("30.00")


def test_heartbeats_without_playback_earn_nothing(setup: dict[str, Any]) -> None:
    player = Script(setup["user"], setup["video"])
    for position, fields in [
        (0, {}),  # playing, but the position does not move
        (15, {"playing": False}),  # paused
        (15, {"visible": False}),  # the tab is hidden
    ]:
        player.wait(15)
        assert player.beat(position, **fields).credited == 0
    assert earned(setup) == 0


def test_replayed_and_forged_heartbeats_earn_nothing(setup: dict[str, Any]) -> None:
    player = Script(setup["user"], setup["video"])
    player.play(15, 0)
    player.wait(15)
    replay = player.beat(15, seq=1)  # the first beat sent again
    assert (replay.credited, replay.note) == (0, "replay")
    with pytest.raises(NotFound):  # a made-up session
        playback.heartbeat_record(actor=setup["user"], token="forged", seq=9, position=30)
    with pytest.raises(NotFound):  # someone else's session
        playback.heartbeat_record(actor=setup["other"], token=player.token, seq=9, position=30)
    # the replayed beat did not move the clock on: the next honest beat earns its 15 s
    assert player.beat(30).credited == Decimal("15.00")
    assert earned(setup) == Decimal("30.00")


def _between_read_and_write(monkeypatch: Any, act: Any, times: int = 1) -> None:
    """Run `act` after a beat has read its session and before it writes (ADR 0029: no lock
    is held in between), the first `times` times a beat reads; beats that `act` sends are
    not interrupted."""
    real, inside, left = earning.video_beat, [], [times]

    def interrupted(state: earning.State, beat: earning.Beat) -> earning.Outcome:
        if not inside and left[0]:
            inside.append(True)
            left[0] -= 1
            try:
                act()
            finally:
                inside.clear()
        return real(state, beat)

    monkeypatch.setattr(earning, "video_beat", interrupted)


def test_beats_sent_at_once_are_credited_once(setup: dict[str, Any], monkeypatch: Any) -> None:
    player = Script(setup["user"], setup["video"])
    player.play(15, 0)
    player.wait(15)
    overtaking: list[playback.BeatResult] = []
    _between_read_and_write(monkeypatch, lambda: overtaking.append(player.beat(30)))
    overtaken = player.beat(30)  # seq 2; seq 3 lands between its read and its write
    monkeypatch.undo()
    assert overtaking[0].credited == Decimal("15.00")
    # read again, it is older than the session's last beat: a replay, nothing credited
    assert (overtaken.credited, overtaken.note) == (0, "replay")
    assert earned(setup) == Decimal("30.00")
    seqs = Heartbeat.objects.filter(session__token=player.token).values_list("seq", flat=True)
    assert sorted(seqs) == [1, 3]


def test_a_beat_of_a_session_superseded_before_its_write_earns_nothing(
    setup: dict[str, Any], monkeypatch: Any
) -> None:
    player = Script(setup["user"], setup["video"])
    player.play(15, 0)
    player.wait(15)
    _between_read_and_write(
        monkeypatch, lambda: playback.play_start(actor=setup["user"], item_id=setup["second"])
    )
    with pytest.raises(SessionSuperseded):
        player.beat(30)
    monkeypatch.undo()
    assert earned(setup) == Decimal("15.00")


def test_a_beat_overtaken_twice_is_refused(setup: dict[str, Any], monkeypatch: Any) -> None:
    player = Script(setup["user"], setup["video"])
    player.play(15, 0)
    player.wait(15)
    low = iter(range(2, 10))

    def overtake() -> None:
        playback.heartbeat_record(
            actor=setup["user"], token=player.token, seq=next(low), position=30
        )

    _between_read_and_write(monkeypatch, overtake, times=2)
    with pytest.raises(BeatConflict) as refused:
        player.beat(30, seq=100)  # newer than both overtaking beats, yet it lost twice
    monkeypatch.undo()
    assert refused.value.status == 409 and refused.value.code == "heartbeat_conflict"
    assert earned(setup) == Decimal("30.00")  # the overtaking beats' 15 s, nothing twice
    seqs = Heartbeat.objects.filter(session__token=player.token).values_list("seq", flat=True)
    assert sorted(seqs) == [1, 2, 3]


def test_a_clock_set_forward_earns_nothing(setup: dict[str, Any]) -> None:
    player = Script(setup["user"], setup["video"])
    # the client's own clock is never read: beats sent at once earn only the time that passed
    for position in (15, 30, 45, 60):
        result = player.beat(position, seq=player.seq + 1)
        assert result.credited == 0
    # an hour of server time without beats earns at most one beat's gap of playback
    player.play(15, 0)
    player.wait(3600)
    far = player.beat(120)
    assert (far.credited, far.note, far.item_completed) == (Decimal("30.00"), "gap", False)
    assert earned(setup) == Decimal("45.00")


@override_settings(CIVTRAIN_LEARNING_DAILY_CAP_HOURS=0.01)  # 36 seconds
def test_the_daily_cap_stops_crediting(setup: dict[str, Any]) -> None:
    player = Script(setup["user"], setup["video"])
    result = player.play(60, 0)
    assert (result.earned, result.note) == (Decimal("36.00"), "daily_cap")
    clock.freeze(dt.datetime(2026, 6, 2, 9, 0, tzinfo=clock.TZ))  # the next day
    player = Script(setup["user"], setup["video"])
    assert player.play(15, 60).credited == Decimal("15.00")


@override_settings(CIVTRAIN_LEARNING_CHECK_MINUTES=(1, 1))
def test_an_unanswered_attention_check_stops_crediting(setup: dict[str, Any]) -> None:
    player = Script(setup["user"], setup["video"])
    asked = player.play(60, 0)
    assert asked.check and len(asked.check) == 4
    player.wait(15)
    ignored = player.beat(75)
    assert (ignored.credited, ignored.note) == (0, "check_pending")
    player.wait(15)
    # sent back to 60 s, the player stood still while asking
    answered = player.beat(60, check=asked.check)
    assert answered.check == "" and answered.credited == 0
    assert player.play(15, 60).credited == Decimal("15.00")
    assert earned(setup) == Decimal("75.00")


@pytest.mark.parametrize("seed", range(6))
def test_random_cheating_never_earns_more_than_real_playback(
    setup: dict[str, Any], seed: int
) -> None:
    """A client mixing honest beats with every trick: it never earns more seconds, nor gets
    further into the video, than real playback at 1× in the same time would; honest beats
    earn exactly the time they cover."""
    rnd = random.Random(seed)
    player = Script(setup["user"], setup["video"])
    position, elapsed, waited = Decimal(0), Decimal(0), Decimal(0)
    for _ in range(40):
        wait = Decimal(rnd.choice([1, 5, 15, 15, 15, 40]))
        player.wait(float(wait))
        elapsed, waited = elapsed + wait, waited + wait
        trick = rnd.choice(["honest", "honest", "skip", "fast", "pause", "replay", "burst"])
        if trick == "replay":  # injected by someone else: the real player plays on
            result = player.beat(position, seq=max(1, player.seq - 1))
            assert result.credited == 0
            continue
        if trick == "honest":
            new = min(position + waited, Decimal(120))
            result = player.beat(new)
            assert result.credited == min(waited, Decimal(30), new - position)
        elif trick == "skip":
            result = player.beat(position + 60)
        elif trick == "fast":
            result = player.beat(min(position + wait * 4, Decimal(120)), rate=4)
        elif trick == "pause":
            result = player.beat(position, playing=False)
        else:  # three times faster than it says
            result = player.beat(min(position + 3 * waited, Decimal(120)))
        waited = Decimal(0)
        position = result.position
        assert result.earned <= elapsed
        assert result.furthest <= elapsed + 2  # two seconds of network jitter
    assert earned(setup) <= elapsed


def test_documents_earn_reading_time_per_page_shown(tree: dict, actors: dict[str, Any]) -> None:
    clock.freeze(START)
    course = api.course_create(
        actor=actors["city"], title="讲义", org_code="C1", kind="pdf", hours="0.5"
    )
    item = api.item_add(
        actor=actors["city"],
        course_id=course.id,
        kind="pdf",
        title="讲义",
        ref="a.pdf",
        duration_seconds=40,
        pages=2,
    )
    person = testing.make_person(tree["U1"])
    reader = Script(User.objects.get(person__pk=person.id), item.id)
    reader.wait(15)
    assert reader.beat(1, visible=False).credited == 0  # page 1 while hidden: nothing
    reader.wait(15)
    assert reader.beat(2).credited == Decimal("15.00")  # page 1 shown 15 s; now on page 2
    reader.wait(15)
    half = reader.beat(2)
    assert half.earned == Decimal("30.00") and not half.item_completed
    reader.wait(10)
    done = reader.beat(2)
    assert done.item_completed and done.course_completed and done.earned == Decimal("40.00")
