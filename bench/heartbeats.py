"""Heartbeats per second (issue #12 must-show: ≥ 2,000/s with p99 < 100 ms on PostgreSQL).

The platform is served by `civtrain serve` (gunicorn, as production) on a free local port;
a load generator in this process (asyncio, keep-alive HTTP/1.1 connections, one API token
per learner) plays `size` learners: each sends its session's beats one after another with
its position advanced by the real time since its last beat, so every beat is credited and
writes what a real one writes (ADR 0016). The baseline, in the same run and against the
same server, posts the same rows to an endpoint that only inserts them
(`CIVTRAIN_BENCH_ENDPOINTS`, on for this server only). The machine is shared: the load
generator and the server compete for its two cores; the load average is printed.

The bench learners (city BENCH-H) stay in the database and are reused by the next run;
their sessions, heartbeats and progress are removed afterwards.
"""

import asyncio
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from bench import Measurement, benchmark, record
from civtrain.accounts.api import SYSTEM, Role, User, api_token_create
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
    return [User.objects.get(pk=p.user_id) for p in have[:size]]


@dataclass
class Learner:
    token: str  # API token
    session: str
    seq: int = 0
    position: float = 0.0
    last: float = field(default_factory=time.monotonic)

    def body(self) -> bytes:
        now = time.monotonic()
        self.position = min(self.position + (now - self.last), VIDEO_SECONDS - 1)
        self.last, self.seq = now, self.seq + 1
        return json.dumps(
            {"token": self.session, "seq": self.seq, "position": round(self.position, 2)}
        ).encode()

    def answered(self, body: bytes) -> None:
        """Go back where the server says, as the player does: a beat answered late (a loaded
        server) makes the next one look like a seek ahead, and a learner that never went back
        would be refused credit for the rest of the run, timing a cheaper path."""
        seek_to = json.loads(body).get("seek_to")
        if seek_to is not None:
            self.position = float(seek_to)


async def _connection(
    port: int, path: str, learners: list[Learner], stop_at: float, latencies: list[float],
    errors: list[int],
) -> None:  # fmt: skip
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = 0
    while time.monotonic() < stop_at:
        learner = learners[i % len(learners)]
        i += 1
        body = learner.body()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {learner.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        started = time.perf_counter()
        writer.write(head.encode() + body)
        await writer.drain()
        status = int((await reader.readline()).split()[1])
        length, close = 0, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and "close" in value.lower():
                close = True
        if length:
            answer = await reader.readexactly(length)
            if status == 200:
                learner.answered(answer)
        latencies.append(time.perf_counter() - started)
        if status >= 300:
            errors.append(status)
        if close:
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.close()


def _load(
    port: int, path: str, learners: list[Learner], seconds: float = SECONDS
) -> tuple[float, list[float], list[int]]:
    latencies: list[float] = []
    errors: list[int] = []
    groups = [learners[i::CONNECTIONS] for i in range(min(CONNECTIONS, len(learners)))]

    async def run() -> float:
        started = time.monotonic()
        stop_at = started + seconds
        await asyncio.gather(
            *(_connection(port, path, g, stop_at, latencies, errors) for g in groups)
        )
        return time.monotonic() - started

    elapsed = asyncio.run(run())
    return len(latencies) / elapsed, sorted(latencies), errors


def _percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))] * 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, CIVTRAIN_BENCH_ENDPOINTS="1", PORT=str(port), HOST="127.0.0.1")
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    server = subprocess.Popen(
        [sys.executable, "-m", "civtrain", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(120):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.5)
    os.killpg(server.pid, signal.SIGTERM)
    raise RuntimeError("civtrain serve did not start")


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
    tokens = [api_token_create(actor=SYSTEM, user=u, name="心跳基准", days=1) for u in users]
    port = _free_port()
    server = _serve(port)
    try:
        learners = [
            Learner(t, playback.play_start(actor=u, item_id=item.id).token)
            for t, u in zip(tokens, users, strict=True)
        ]
        plain = [Learner(t, x.session, seq=10**6) for t, x in zip(tokens, learners, strict=True)]
        _progress("  warming the workers up …")
        _load(port, "/api/v1/learning/bench/heartbeat-insert", plain, seconds=8)
        _progress("  baseline: plain inserts …")
        base_rate, base_lat, base_err = _load(
            port, "/api/v1/learning/bench/heartbeat-insert", plain
        )
        _progress("  heartbeats …")
        rate, lat, err = _load(port, "/api/v1/learning/heartbeats", learners)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        learning_api.course_delete(actor=SYSTEM, course_id=course.id)
    p50, p99 = _percentile(lat, 0.50), _percentile(lat, 0.99)
    load = os.getloadavg()
    _progress(
        f"  heartbeats {rate:,.0f}/s p50 {p50:.1f} ms p99 {p99:.1f} ms ({len(err)} errors); "
        f"plain inserts {base_rate:,.0f}/s p50 {_percentile(base_lat, 0.5):.1f} ms "
        f"p99 {_percentile(base_lat, 0.99):.1f} ms ({len(base_err)} errors); "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (shared machine)"
    )
    if err or base_err:
        _progress(f"  error statuses: {sorted(set(err + base_err))}")
    record(
        "heartbeats_p99",
        size,
        Measurement(p99, "ms", _percentile(base_lat, 0.99), "< 100 ms", higher_is_better=False),
    )
    record(
        "heartbeats_p50",
        size,
        Measurement(p50, "ms", _percentile(base_lat, 0.5), "", higher_is_better=False),
    )
    return Measurement(rate, "beats/s", base_rate, ">= 2000 beats/s, p99 < 100 ms on postgresql")
