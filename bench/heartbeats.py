"""Heartbeats per second (issue #12 must-show: ≥ 2,000/s with p99 < 100 ms on PostgreSQL).

The platform is served by `civtrain serve` (granian, as production) on a free local port;
a load generator in this process (asyncio, keep-alive HTTP/1.1 connections; each learner
signed in as the player is — a browser session of a full login and its CSRF token,
bench._served.session_cookie) plays `size` learners: each sends its session's beats one
after another with its position advanced by the real time since its last beat, so every
beat is credited and writes what a real one writes (ADR 0016). The baseline, in the same
run and against the same server, posts the same rows to an endpoint that only inserts them
(`CIVTRAIN_BENCH_ENDPOINTS`, on for this server only). The machine is shared: the load
generator and the server compete for its two cores; the load average is printed, and the
CPU per beat of granian, PostgreSQL and the load generator (bench._served.CpuMeter) is
recorded as `heartbeats_cpu`, the figure to compare across runs. A phase with more than
1 % failed requests stops the run.

The bench learners (city BENCH-H) stay in the database and are reused by the next run;
their sessions, heartbeats and progress are removed afterwards.
"""

import datetime as dt
import itertools
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import connection

from bench import Measurement, benchmark, record
from bench._served import CpuMeter, Request, drive, require_answers, serve, session_cookie
from civtrain.accounts.api import SYSTEM, Role, User
from civtrain.learning import api as learning_api
from civtrain.learning import playback
from civtrain.organisations.api import OrgKind, org_by_codes, org_create
from civtrain.people.api import person_create, person_data, person_list_data
from civtrain.people.data import Gender, PersonInput
from civtrain.testing import make_id_number, make_user

PREFIX = "BENCH-H"
SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
CONNECTIONS = 48
VIDEO_SECONDS = 10 * 3600
BEAT_PATH = "/api/v1/learning/heartbeats"
PLAIN_PATH = "/api/v1/learning/bench/heartbeat-insert"


def _progress(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _learners(size: int) -> list[Any]:
    """`size` learners of the bench unit, created once and reused by later runs. Their HR
    admin and ID numbers are named from the database, not from this process's counters: a
    second run needing more learners than the first made would otherwise clash on the
    admin's username and on the first learners' ID numbers."""
    if PREFIX not in org_by_codes([PREFIX]):
        org_create(actor=SYSTEM, code=PREFIX, name="心跳基准市", kind=OrgKind.CITY)
        org_create(
            actor=SYSTEM, code=f"{PREFIX}-U", name="心跳基准单位", kind=OrgKind.UNIT,
            parent_code=PREFIX,
        )  # fmt: skip
    orgs = org_by_codes([PREFIX, f"{PREFIX}-U"])
    city, unit = orgs[PREFIX], orgs[f"{PREFIX}-U"]
    have = [p for p in person_list_data(actor=SYSTEM, unit_id=unit.id)]
    if len(have) < size:
        admin_name = f"{PREFIX.lower()}-admin"
        admin = User.objects.filter(username=admin_name).first() or make_user(
            Role.CITY_BUREAU, city, username=admin_name
        )
        while len(have) < size:
            k = len(have)
            # region 500199 is used by no test or demo person; one birth date per 1,000
            number = make_id_number(
                dt.date(1970, 1, 1) + dt.timedelta(days=k // 1000), "500199", k % 1000
            )
            person = person_create(
                actor=admin,
                data=PersonInput(
                    name=f"基准学员{k}", unit_id=unit.id, gender=Gender.MALE, id_number=number
                ),
            )
            have.append(person_data(person.pk))
            if len(have) % 50 == 0:
                _progress(f"  {len(have)} learners")
    return [User.objects.get(pk=cast(int, p.user_id)) for p in have[:size]]


CSRF = "benchheartbeatcsrftoken012345678"  # 32 characters: a CSRF secret as Django reads it


@dataclass
class Learner:
    cookie: str  # the signed-in session's key (the player's browser session)
    session: str  # the play session's token
    seq: int = 0
    position: float = 0.0
    last: float = field(default_factory=time.monotonic)

    def request(self, path: str) -> Request:
        now = time.monotonic()
        self.position = min(self.position + (now - self.last), VIDEO_SECONDS - 1)
        self.last, self.seq = now, self.seq + 1
        body = json.dumps(
            {"token": self.session, "seq": self.seq, "position": round(self.position, 2)}
        ).encode()
        headers = (
            f"Cookie: sessionid={self.cookie}; csrftoken={CSRF}\r\nX-CSRFToken: {CSRF}\r\n"
            "Content-Type: application/json\r\n"
        )
        return Request("POST", path, headers, body, self.answered)

    def answered(self, body: bytes) -> None:
        """Go back where the server says, as the player does: a beat answered late (a loaded
        server) makes the next one look like a seek ahead, and a learner that never went back
        would be refused credit for the rest of the run, timing a cheaper path."""
        seek_to = json.loads(body).get("seek_to") if body else None
        if seek_to is not None:
            self.position = float(seek_to)


def _clients(path: str, learners: list[Learner]) -> list[Iterator[Request]]:
    """CONNECTIONS keep-alive connections, each carrying a share of the learners in turn."""

    def stream(mine: list[Learner]) -> Iterator[Request]:
        for n in itertools.count():
            yield mine[n % len(mine)].request(path)

    return [stream(learners[i::CONNECTIONS]) for i in range(min(CONNECTIONS, len(learners)))]


@benchmark(
    "heartbeats",
    default_size=400,
    description="heartbeats/s through civtrain serve, `size` simulated learners, vs plain inserts",
)
def heartbeats_bench(size: int) -> Measurement:
    _progress(f"heartbeats: {size} learners on {connection.vendor}")
    users = _learners(size)
    course = learning_api.course_create(
        actor=SYSTEM, title="心跳基准课程", org_code=PREFIX, kind="video", hours="1"
    )
    item = learning_api.item_add(
        actor=SYSTEM, course_id=course.id, kind="video", title="基准视频", ref="bench.mp4",
        duration_seconds=VIDEO_SECONDS,
    )  # fmt: skip
    cookies = [session_cookie(u) for u in users]  # each learner signed in, as the player is
    try:
        with serve(env={"CIVTRAIN_BENCH_ENDPOINTS": "1"}) as (port, pid):
            learners = [
                Learner(c, playback.play_start(actor=u, item_id=item.id).token)
                for c, u in zip(cookies, users, strict=True)
            ]
            plain = [
                Learner(c, x.session, seq=10**6) for c, x in zip(cookies, learners, strict=True)
            ]
            _progress("  warming the workers up …")
            warm = drive("warm-up", port, _clients(PLAIN_PATH, plain), 5)
            require_answers("warm-up", warm.done, warm.errors)
            meter = CpuMeter(pid)
            load = os.getloadavg()
            _progress("  baseline: plain inserts …")
            base = drive("plain inserts", port, _clients(PLAIN_PATH, plain), SECONDS, meter)
            _progress("  heartbeats …")
            beats = drive("heartbeats", port, _clients(BEAT_PATH, learners), SECONDS, meter)
    finally:
        learning_api.course_delete(actor=SYSTEM, course_id=course.id)
    for phase in (beats, base):
        _progress("  " + phase.line())
    _progress(
        f"  load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the start (shared machine)"
    )
    require_answers(base.name, base.done, base.errors)
    require_answers(beats.name, beats.done, beats.errors)
    p50, p99 = beats.ms(0.5), beats.ms(0.99)
    record(
        "heartbeats_p99",
        size,
        Measurement(p99, "ms", base.ms(0.99), "< 100 ms", higher_is_better=False),
    )
    record(
        "heartbeats_p50",
        size,
        Measurement(p50, "ms", base.ms(0.5), "", higher_is_better=False),
    )
    record(
        "heartbeats_cpu",
        size,
        Measurement(
            value=beats.cpu()["total"] or 0.0,
            unit="CPU ms/beat (server + database + load generator)",
            baseline=base.cpu()["total"] or 0.0,
            target="the load-independent cost; baseline: the plain insert's",
            higher_is_better=False,
        ),
    )
    return Measurement(
        beats.rate, "beats/s", base.rate, ">= 2000 beats/s, p99 < 100 ms on postgresql"
    )
