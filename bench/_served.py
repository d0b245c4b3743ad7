"""What the benchmarks of served endpoints share: `civtrain serve` on a free port, and the CPU
its parts spent, so a figure can be read on a machine that other work keeps busy.

Requests per second on a loaded 2-core machine mostly say how much of it the run got. CPU
time per request does not: `CpuMeter` reads, from /proc, the CPU seconds of the granian
processes (master and workers), of the PostgreSQL backends serving the bench's database and
of this process (the load generator), before and after a phase; divided by the requests,
these are the costs that the load average barely changes. Linux only; on another system, or
for a part it may not read, a figure is None.
"""

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds in user and kernel mode) of a process, from /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def process_cpu(pid: int) -> float | None:
    """CPU seconds a process has spent, or None when it cannot be read."""
    stat = _stat(pid)
    return stat[1] if stat else None


def _server_cpu(master: int) -> float | None:
    """CPU seconds of granian: the master and its workers (not the schedule runner beside)."""
    own = _stat(master)
    if own is None:
        return None
    total = own[1]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat and stat[0] == master:
                try:
                    command = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                if b"granian" in command:
                    total += stat[1]
    return total


def _database_backends() -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to this database but ours."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    return {pid: stat[1] for pid in pids if (stat := _stat(pid)) is not None}


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0, 0.0
    ticks = [int(x) for x in first]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks) - idle) / _TICK, sum(ticks) / _TICK


@dataclass(frozen=True)
class CpuUse:
    """CPU seconds each part spent during a phase, and the phase's wall time."""

    wall: float
    server: float | None  # granian master and workers
    database: float | None  # the PostgreSQL backends of this database (None on SQLite)
    client: float  # this process: the load generator
    machine: float  # every process on the machine, ours and others'
    cores: int
    connections: int  # database backends seen at the end

    def per(self, count: int) -> dict[str, float | None]:
        """Milliseconds of CPU per unit (request or statement) for each part."""

        def ms(value: float | None) -> float | None:
            return None if value is None else round(value / count * 1000, 3)

        return {"server": ms(self.server), "database": ms(self.database), "client": ms(self.client)}

    def others(self) -> float:
        """Share of the machine's CPU capacity that other processes used during the phase."""
        ours = (self.server or 0) + (self.database or 0) + self.client
        capacity = self.wall * self.cores
        return max(0.0, (self.machine - ours) / capacity) if capacity else 0.0


class CpuMeter:
    """meter = CpuMeter(server_pid); meter.start(); …load…; use = meter.stop()."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    def start(self) -> None:
        self._wall = time.perf_counter()
        self._server = _server_cpu(self.server_pid)
        self._database = _database_backends()
        self._client = time.process_time()
        self._machine = _machine_busy()[0]

    def stop(self) -> CpuUse:
        wall = time.perf_counter() - self._wall
        client = time.process_time() - self._client
        machine = _machine_busy()[0] - self._machine
        server_now = _server_cpu(self.server_pid)
        database_now = _database_backends()
        server = (
            server_now - self._server
            if server_now is not None and self._server is not None
            else None
        )
        database: float | None = None
        if connection.vendor == "postgresql":
            # A backend that appeared during the phase counts from zero (a new connection);
            # one that ended during it is lost: persistent connections make that rare.
            database = sum(cpu - self._database.get(pid, 0.0) for pid, cpu in database_now.items())
        return CpuUse(
            wall=wall,
            server=server,
            database=database,
            client=client,
            machine=machine,
            cores=os.cpu_count() or 1,
            connections=len(database_now),
        )


@contextmanager
def serve(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[int, int]]:
    """`civtrain serve` as shipped (extra arguments appended) on a free port, in its own
    process group, until the block ends: (port, server pid)."""
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "civtrain", "serve", "--bind", f"127.0.0.1:{port}", *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("civtrain serve did not start") from None
                time.sleep(0.3)
        yield port, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait(timeout=10)


# --- signed-in sessions, as a user's browser holds them ------------------------------------


def login(client: Any, user: Any) -> None:
    """Sign `client` (Django's test client) in as `user` the way the login page leaves a
    session: the password (Django's force_login) and, for the roles that must pass one, the
    second factor (a confirmed TOTP device marked verified in the session, as the test suite
    does: civtrain.testing.second_factor_pass). SecondFactorRequiredMiddleware redirects a
    session past the password only, so a bench without this times a 302."""
    from civtrain import testing

    testing.force_login_password_only(client, user)
    testing.second_factor_pass(client, user)


def session_cookie(user: Any) -> str:
    """The session key of a full login of `user` (see `login`), stored in the database that
    a server started by `serve` reads: a load generator sends it as the `sessionid` cookie."""
    from django.test import Client

    client = Client()
    login(client, user)
    return str(client.cookies[settings.SESSION_COOKIE_NAME].value)


# --- a rate is reported over answered requests only ----------------------------------------

ERROR_SHARE = 0.01  # more errors than this, and the phase measured something else


class BenchFailed(RuntimeError):
    """The requests of a phase mostly failed: the figure would time the refusals."""


def require_answers(phase: str, done: int, errors: Counter[int] | dict[int, int]) -> None:
    """Stop the benchmark loudly when more than ERROR_SHARE of a phase's requests were not
    answered with success (`errors`: HTTP status, or 0 for a broken connection → count): a
    rate over 302s, 403s or 429s is not a rate of the work. Prints the statuses first."""
    failed = sum(errors.values())
    total = done + failed
    if failed:
        shown = ", ".join(f"{status or 'no answer'} × {n}" for status, n in sorted(errors.items()))
        sys.stderr.write(f"  {phase}: {failed} of {total} requests failed ({shown})\n")
    if total == 0:
        raise BenchFailed(f"{phase}: no request was answered")
    if failed > ERROR_SHARE * total:
        raise BenchFailed(
            f"{phase}: {failed} of {total} requests failed ({dict(errors)}): "
            "no rate is reported over errors"
        )


# --- the load generator ---------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One HTTP request of a simulated client; `answered` sees a successful answer's body."""

    method: str
    path: str
    headers: str  # extra header lines, each ending in \r\n
    body: bytes
    answered: Callable[[bytes], None] | None = None


@dataclass
class Phase:
    """What a phase of load did: answered requests, their latencies (s), failures by status
    (0: the connection broke), wall time, and the CPU each part spent (when metered)."""

    name: str
    done: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: Counter[int] = field(default_factory=Counter)
    wall: float = 0.0
    use: CpuUse | None = None

    @property
    def rate(self) -> float:
        return self.done / self.wall if self.wall else 0.0

    def ms(self, share: float) -> float:
        values = sorted(self.latencies)
        if not values:
            return 0.0
        return values[min(len(values) - 1, int(share * len(values)))] * 1000

    def cpu(self) -> dict[str, float | None]:
        """CPU ms per answered request: server, database, client and their total."""
        if self.use is None or not self.done:
            return {"server": None, "database": None, "client": None, "total": None}
        parts = self.use.per(self.done)
        parts["total"] = round(sum(v for v in parts.values() if v is not None), 3)
        return parts

    def line(self) -> str:
        cpu = self.cpu()
        others = f", others used {self.use.others():.0%} of the machine" if self.use else ""
        return (
            f"{self.name}: {self.rate:,.0f}/s, p50 {self.ms(0.5):.1f} ms,"
            f" p99 {self.ms(0.99):.1f} ms"
            f" ({self.done} answered, {sum(self.errors.values())} failed); CPU ms a request:"
            f" server {cpu['server']}, database {cpu['database']}, load generator"
            f" {cpu['client']}, total {cpu['total']}{others}"
        )


class _Connection(asyncio.Protocol):
    """One keep-alive connection of the load generator: a request, its whole answer, the
    next request. A protocol rather than asyncio's streams, whose reads cost the generator
    a third more CPU per request than the answers it parses."""

    def __init__(self, requests: Iterator[Request], stop_at: float, phase: Phase) -> None:
        self.requests, self.stop_at, self.phase = requests, stop_at, phase
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.waiting: Request | None = None  # the request sent and not yet answered
        self.received = bytearray()
        self.started = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        if time.monotonic() >= self.stop_at:
            self.transport.close()
            return
        r = self.waiting = next(self.requests)
        head = (
            f"{r.method} {r.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{r.headers}"
            f"Content-Length: {len(r.body)}\r\n\r\n"
        )
        self.received.clear()
        self.started = time.perf_counter()
        self.transport.write(head.encode() + r.body)

    def data_received(self, data: bytes) -> None:
        self.received += data
        end = self.received.find(b"\r\n\r\n")
        if end < 0:
            return
        status_line, *lines = bytes(self.received[:end]).split(b"\r\n")
        length, close = 0, False
        for line in lines:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"connection" and b"close" in value.lower():
                close = True
        if len(self.received) < end + 4 + length:
            return  # the rest of the body is still on its way
        answer = bytes(self.received[end + 4 : end + 4 + length])
        r, self.waiting = self.waiting, None
        try:
            status = int(status_line.split()[1])
        except (IndexError, ValueError):
            status = 0
        if 200 <= status < 300:
            self.phase.latencies.append(time.perf_counter() - self.started)
            self.phase.done += 1
            if r is not None and r.answered is not None:
                r.answered(answer)
        else:
            self.phase.errors[status] += 1
        if close:
            assert self.transport is not None
            self.transport.close()
        else:
            self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiting is not None:  # broken before its answer
            self.phase.errors[0] += 1
        if not self.closed.done():
            self.closed.set_result(None)


async def _client_connection(
    port: int, requests: Iterator[Request], stop_at: float, phase: Phase
) -> None:
    """A connection carrying `requests` until `stop_at`, opened again when the server
    closes it."""
    loop = asyncio.get_running_loop()
    while time.monotonic() < stop_at:
        try:
            _transport, connection = await loop.create_connection(
                lambda: _Connection(requests, stop_at, phase), "127.0.0.1", port
            )
        except OSError:
            phase.errors[0] += 1
            await asyncio.sleep(0.05)
            continue
        await connection.closed


def drive(
    name: str,
    port: int,
    clients: list[Iterator[Request]],
    seconds: float,
    meter: "CpuMeter | None" = None,
) -> Phase:
    """Each of `clients` (an endless stream of requests) on its own keep-alive connection,
    one request after another, for `seconds`; asyncio in this process, so the load
    generator's CPU is this process's (counted by `meter`)."""
    phase = Phase(name)

    async def run() -> None:
        stop_at = time.monotonic() + seconds
        await asyncio.gather(*(_client_connection(port, c, stop_at, phase) for c in clients))

    if meter is not None:
        meter.start()
    started = time.perf_counter()
    asyncio.run(run())
    phase.wall = time.perf_counter() - started
    if meter is not None:
        phase.use = meter.stop()
    return phase
