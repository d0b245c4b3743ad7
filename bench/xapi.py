"""xAPI statements per second through `civtrain serve` (issue #13 must-show).

A real server (`civtrain serve`, the production granian setup, on the configured database)
receives statements over HTTP from a load generator in this process: asyncio keep-alive
HTTP/1.1 connections, a few dozen lines below, so the project needs nothing else installed
and the generator's own CPU — on the same 2 cores — is counted against the LRS, as the issue
asks. Two benchmarks: single-statement POSTs and batches of 50. Each reports statements/s,
and its p50/p99 request latency as a second row. The baseline, in the same run, writes the
same statements with plain INSERTs into the statement table (no HTTP, validation, scope,
filter rows): one transaction per statement for the single case, one per 50 for batches.

Actors are learners of a bench district matched by their login (the realistic path: scope
checked on every statement); the rows are removed afterwards.
"""

import asyncio
import base64
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from bench import Measurement, benchmark, record
from bench._served import CpuMeter, process_cpu, serve
from civtrain import testing
from civtrain.accounts.api import SYSTEM, User
from civtrain.accounts.models import RoleAssignment
from civtrain.organisations.api import org_by_codes, org_create
from civtrain.organisations.data import OrgKind
from civtrain.organisations.models import OrgNode
from civtrain.people.models import Person
from civtrain.xapi import api
from civtrain.xapi.data import dumps
from civtrain.xapi.models import (
    Credential,
    Document,
    Statement,
    StatementLink,
    UnknownActor,
)

PREFIX = "BENCH-X"
LEARNERS = 50
CONNECTIONS = 24
HOMEPAGE = "https://civtrain.gov.cn/"


def _progress(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _statement(login: str, i: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": HOMEPAGE, "name": login}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"zh-CN": "学习"}},
        "object": {"objectType": "Activity", "id": f"https://vendor.example/course/{i % 20}"},
        "result": {"duration": "PT5M", "completion": False},
        "context": {
            "registration": str(uuid.uuid4()),
            "contextActivities": {"parent": [{"id": "https://vendor.example/programme"}]},
        },
        "timestamp": "2026-06-01T10:00:00+08:00",
    }


@contextmanager
def _bench_district() -> Iterator[tuple[list[str], str, str]]:
    """A district with LEARNERS learners and a credential for it: (logins, key, secret)."""
    _cleanup()
    org_create(actor=SYSTEM, code=PREFIX, name="xAPI 基准市", kind=OrgKind.CITY)
    org_create(
        actor=SYSTEM,
        code=f"{PREFIX}-D",
        name="xAPI 基准区",
        kind=OrgKind.DISTRICT,
        parent_code=PREFIX,
    )
    org_create(
        actor=SYSTEM,
        code=f"{PREFIX}-U",
        name="xAPI 基准单位",
        kind=OrgKind.UNIT,
        parent_code=f"{PREFIX}-D",
    )
    unit = org_by_codes([f"{PREFIX}-U"])[f"{PREFIX}-U"]
    people = [
        # Region 990103: no real region, so bench learners never meet a registered number.
        testing.make_person(
            unit, name="基准学员", id_number=testing.make_id_number(region="990103", serial=i)
        )
        for i in range(LEARNERS)
    ]
    logins = list(
        User.objects.filter(pk__in=[p.user_id for p in people]).values_list("username", flat=True)
    )
    issued = api.credential_create(actor=SYSTEM, name="xAPI 基准", org_code=f"{PREFIX}-D")
    try:
        yield logins, issued.credential.key, issued.secret
    finally:
        _cleanup()


def _cleanup() -> None:
    """Remove the bench district and everything written for it (also a failed run's), but
    its audit rows."""
    nodes = list(OrgNode.objects.filter(code__startswith=PREFIX).order_by("-depth"))
    credentials = list(Credential.objects.filter(org__in=nodes).values_list("pk", flat=True))
    with transaction.atomic():
        statements = Statement.objects.filter(credential_id__in=credentials)
        StatementLink.objects.filter(statement__in=statements).delete()
        statements.delete()
        UnknownActor.objects.filter(credential_id__in=credentials).delete()
        Document.objects.filter(credential_id__in=credentials).delete()
        Credential.objects.filter(pk__in=credentials).delete()
        people = Person.objects.filter(unit__in=nodes)
        users = [*people.values_list("user_id", flat=True)]
        users += RoleAssignment.objects.filter(org__in=nodes).values_list("user_id", flat=True)
        people.delete()
        User.objects.filter(pk__in=users).delete()
        # The audit rows stay: they are append-only (#17), the record of what the bench did.
        for node in nodes:  # deepest first: a parent is protected while it has children
            node.delete()


# --- the load generator -------------------------------------------------------------------


async def _post_all(port: int, auth: str, bodies: list[bytes], connections: int) -> list[float]:
    """POST every body to /xapi/statements over `connections` keep-alive connections; the
    latency of each request in seconds. Any answer but 200 stops the run."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while not queue.empty():
                body = queue.get_nowait()
                head = (
                    f"POST /xapi/statements HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    f"Authorization: {auth}\r\nX-Experience-API-Version: 2.0.0\r\n"
                    f"Content-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n"
                ).encode()
                started = time.perf_counter()
                writer.write(head + body)
                await writer.drain()
                status = await reader.readline()
                length, close = 0, False
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                    elif name.lower() == b"connection" and value.strip().lower() == b"close":
                        close = True
                content = await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                if b" 200 " not in status:
                    raise RuntimeError(f"{status!r} {content[:300]!r}")
                if close:  # a server that does not keep connections alive (a sync worker)
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return latencies


def _own_backend_cpu() -> float:
    """CPU seconds of this process's own PostgreSQL backend (0 on SQLite: it is in-process)."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return process_cpu(pid) or 0.0


def _plain_inserts(
    credential_key: str, statements: list[dict[str, Any]], per_transaction: int
) -> tuple[float, float]:
    """The baseline: the same statements as plain INSERTs; (statements/s, CPU ms/statement
    of this process and its database backend)."""
    credential = api.credential_list_all()
    credential_id = next(c.id for c in credential if c.key == credential_key)
    rows = [
        (
            str(uuid.uuid4()), credential_id, s["verb"]["id"],
            f"account|{HOMEPAGE}|{s['actor']['account']['name']}", s["object"]["id"], dumps(s),
        )
        for s in statements
    ]  # fmt: skip
    sql = (
        "INSERT INTO xapi_statement (statement_id, credential_id, stored, verb, actor_key,"
        " activity, voided, payload) VALUES (%s, %s, now(), %s, %s, %s, false, %s)"
    )
    if connection.vendor != "postgresql":
        sql = sql.replace("now()", "CURRENT_TIMESTAMP")
        rows = [(r[0].replace("-", ""), *r[1:]) for r in rows]
    backend = _own_backend_cpu()
    cpu = time.process_time()
    started = time.perf_counter()
    for start in range(0, len(rows), per_transaction):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows[start : start + per_transaction])
    elapsed = time.perf_counter() - started
    spent = time.process_time() - cpu + _own_backend_cpu() - backend
    return len(rows) / elapsed, spent / len(rows) * 1000


def _run(name: str, size: int, batch: int, target: str) -> Measurement:
    with _bench_district() as (logins, key, secret), serve() as (port, pid):
        auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
        statements = [_statement(logins[i % len(logins)], i) for i in range(size)]
        bodies = [
            json.dumps(statements[i] if batch == 1 else statements[i : i + batch]).encode()
            for i in range(0, size, batch)
        ]
        warm = [json.dumps(_statement(logins[i % len(logins)], i)).encode() for i in range(60)]
        asyncio.run(_post_all(port, auth, warm, 6))  # load every worker's code and caches
        load = os.getloadavg()[0]
        meter = CpuMeter(pid)
        meter.start()
        latencies = asyncio.run(_post_all(port, auth, bodies, min(CONNECTIONS, len(bodies))))
        use = meter.stop()
        rate = size / use.wall
        baseline, baseline_cpu = _plain_inserts(key, statements, batch)
    cuts = statistics.quantiles([x * 1000 for x in latencies], n=100)
    p50, p99 = statistics.median(latencies) * 1000, cuts[98]
    cpu = use.per(size)
    served_cpu = (cpu["server"] or 0) + (cpu["database"] or 0)
    _progress(
        f"{name}: {rate:.0f} statements/s (plain inserts {baseline:.0f}/s), "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, load average {load:.1f} at start; "
        f"CPU ms per statement: server {cpu['server']}, database {cpu['database']} "
        f"({use.connections} connections), load generator {cpu['client']}; "
        f"plain inserts {baseline_cpu:.3f}; other processes used {use.others():.0%} "
        f"of the {use.cores} cores during the run"
    )
    record(
        f"{name}_p99",
        size,
        Measurement(
            value=p99,
            unit="ms",
            baseline=p50,
            target="p99 < 100 ms (baseline: p50)",
            higher_is_better=False,
        ),
    )
    record(
        f"{name}_cpu",
        size,
        Measurement(
            value=served_cpu,
            unit="CPU ms/statement (server + database)",
            baseline=baseline_cpu,
            target="the load-independent cost; baseline: plain inserts' CPU ms/statement",
            higher_is_better=False,
        ),
    )
    return Measurement(value=rate, unit="statements/s", baseline=baseline, target=target)


@benchmark(
    "xapi_single",
    default_size=5_000,
    description="POST /xapi/statements, one statement a request, via civtrain serve (statements/s)",
)
def xapi_single_bench(size: int) -> Measurement:
    return _run("xapi_single", size, 1, ">= 500 statements/s on postgresql, p99 < 100 ms")


@benchmark(
    "xapi_batch50",
    default_size=25_000,
    description="POST /xapi/statements, batches of 50, through civtrain serve (statements/s)",
)
def xapi_batch50_bench(size: int) -> Measurement:
    return _run("xapi_batch50", size, 50, ">= 3,000 statements/s on postgresql")
