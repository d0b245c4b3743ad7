"""What the benchmarks of served endpoints share: `civtrain serve` on a free port, and the CPU
its parts spent, so a figure can be read on a machine that other work keeps busy.

Requests per second on a loaded 2-core machine mostly say how much of it the run got. CPU
time per request does not: `CpuMeter` reads, from /proc, the CPU seconds of the gunicorn
processes (master and workers), of the PostgreSQL backends serving the bench's database and
of this process (the load generator), before and after a phase; divided by the requests,
these are the costs that the load average barely changes. Linux only; on another system, or
for a part it may not read, a figure is None.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

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
    """CPU seconds of gunicorn: the master and its workers (not the schedule runner beside)."""
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
                if b"gunicorn" in command:
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
    server: float | None  # gunicorn master and workers
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
