"""Beats that arrive at once in a worker process share their read and their write (ADR 0029,
PostgreSQL; #12 throughput): each is credited exactly as it would be alone, and a beat that
is not the common case — a forged token, a superseded session, a second beat of the same
learner — still gets its own answer. SQLite runs every beat alone (its writers queue for the
file's lock), so these are PostgreSQL's tests."""

import datetime as dt
import threading
import time
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.core import clock
from civtrain.core.errors import NotFound
from civtrain.learning import api, playback
from civtrain.learning.errors import SessionSuperseded
from civtrain.learning.models import DailyEarned, Heartbeat, ItemProgress, PlaySession

pytestmark = pytest.mark.django_db(transaction=True)

START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=clock.TZ)


@pytest.fixture
def learners(tree: dict, actors: dict[str, Any]) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        pytest.skip("beats are batched on PostgreSQL only; SQLite runs each alone")
    clock.freeze(START)
    items = []
    for title in ("宪法", "保密"):
        course = api.course_create(
            actor=actors["city"], title=title, org_code="C1", kind="video", hours="1"
        )
        items.append(
            api.item_add(
                actor=actors["city"], course_id=course.id, kind="video", title=title,
                ref=f"{title}.mp4", duration_seconds=3600,
            ).id
        )  # fmt: skip
    users = [
        User.objects.get(person__pk=testing.make_person(tree["U1"], name=f"学员{k}").id)
        for k in range(6)
    ]
    tokens = [playback.play_start(actor=u, item_id=items[0]).token for u in users]
    return {"users": users, "tokens": tokens, "items": items}


def _at_once(beats: list[dict[str, Any]]) -> list[Any]:
    """Send every beat from its own thread at the same moment: each one's answer, or the
    error it raised."""
    answers: list[Any] = [None] * len(beats)
    gate = threading.Barrier(len(beats))

    def send(k: int) -> None:
        try:
            gate.wait()
            answers[k] = playback.heartbeat_by_token(**beats[k])
        except Exception as exc:  # the answer under test
            answers[k] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(k,)) for k in range(len(beats))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return answers


def _earned(token: str) -> Decimal:
    session = PlaySession.objects.get(token=token)
    return ItemProgress.objects.get(person=session.person_id, item=session.item_id).earned_seconds


def test_beats_sent_at_once_share_a_batch_and_each_earns_its_own_time(
    learners: dict[str, Any], monkeypatch: Any
) -> None:
    users, tokens, items = learners["users"], learners["tokens"], learners["items"]
    playback.play_start(actor=users[5], item_id=items[1])  # learner 5 moved to another course
    clock.freeze(START + dt.timedelta(seconds=15))
    beats = [{"token": t, "seq": 1, "position": 15} for t in tokens[:4]]
    beats += [
        {"token": tokens[4], "seq": 1, "position": 15},  # learner 4 sends two beats at once
        {"token": tokens[4], "seq": 2, "position": 15},
        {"token": "forged", "seq": 1, "position": 15},
        {"token": tokens[5], "seq": 1, "position": 15},  # the superseded session
    ]
    real, sizes = playback._run_batch, []

    def first_waits_for_the_rest(batch: list[Any]) -> None:
        if not sizes:  # hold the first batch until every other beat queues behind it
            deadline = time.monotonic() + 30
            while len(playback._BEATS._queue) < len(beats) - 1:
                assert time.monotonic() < deadline, "the beats did not queue"
                time.sleep(0.01)
        sizes.append(len(batch))
        real(batch)

    monkeypatch.setattr(playback, "_run_batch", first_waits_for_the_rest)
    answers = _at_once(beats)
    monkeypatch.undo()
    assert sizes == [1, len(beats) - 1]  # one leader alone, then everyone who queued
    for answer in answers[:4]:
        assert (answer.credited, answer.earned, answer.note) == (Decimal("15.00"),) * 2 + ("",)
    # learner 4's two beats: the real 15 s credited once, whichever came first
    pair = answers[4:6]
    assert sorted(a.credited for a in pair) == [0, Decimal("15.00")]
    assert isinstance(answers[6], NotFound)
    assert isinstance(answers[7], SessionSuperseded)
    for token in tokens[:5]:
        assert _earned(token) == Decimal("15.00")
    people = PlaySession.objects.filter(token__in=tokens[:5]).values_list("person", flat=True)
    days = DailyEarned.objects.filter(person__in=people).values_list("seconds", flat=True)
    assert sorted(days) == [Decimal("15.00")] * 5
    assert not Heartbeat.objects.filter(session__token=tokens[5]).exists()


def test_the_beat_statements_are_planned_once(learners: dict[str, Any]) -> None:
    """A statement over an array of tokens would be planned anew at every beat, were
    PostgreSQL left to choose (config/settings/base.py: force_generic_plan)."""
    token = learners["tokens"][0]
    for seq in range(1, 8):
        clock.freeze(START + dt.timedelta(seconds=15 * seq))
        assert playback.heartbeat_by_token(token=token, seq=seq, position=15 * seq).credited
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE 'SELECT s.token%%' OR statement LIKE 'WITH v AS%%'"
        )
        plans = cursor.fetchall()
    assert len(plans) >= 2  # the batch read and write (and the read of a beat alone)
    assert all(generic >= 1 and custom == 0 for generic, custom in plans)
