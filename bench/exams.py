"""Answer saves under many concurrent candidates (issue #14 must-show).

`exam_answer_saves`: `size` candidates each hold an open attempt on a 50-question paper;
the platform is started with `civtrain serve` (gunicorn, as production runs it) on a free
port, and a load generator in two processes of 32 threads each (keep-alive connections,
each thread a set of candidates, logged-in browser sessions with their CSRF token) PUTs
answers to `/api/v1/exams/attempts/{id}/answers/{question}` for DURATION seconds: the path
the candidate's page takes. The baseline, in the same run and the same way, POSTs to
`/api/v1/exams/bench/plain-insert` (one row inserted, nothing checked; served only with
CIVTRAIN_BENCH_ENDPOINTS, which this benchmark sets for its server). Value: saves per second;
p50/p99 of both are printed. Target (2 cores, load generator included): ≥ 1,500 saves/s
with p99 < 150 ms. The generator shares the machine's cores with the server: say so when
recording figures, with the load average.

Data: an org node BENCH-EX with the candidates, a bank and a paper, made on first run and
reused by the next (attempts are reopened each run).
"""

import datetime as dt
import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from decimal import Decimal

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from bench import Measurement, benchmark
from civtrain.accounts.api import SYSTEM, User
from civtrain.core import clock
from civtrain.exams import api as exams
from civtrain.exams import services as exam_services
from civtrain.exams.models import Attempt, Candidate, Paper, QuestionBank
from civtrain.organisations.api import OrgKind, org_by_codes, org_create
from civtrain.people.api import person_create
from civtrain.people.data import Gender, PersonInput, id_check_digit

DURATION = 10.0  # seconds of load per endpoint
PROCESSES, THREADS = 2, 32
QUESTIONS = 50
CSRF = "benchexamscsrftoken0123456789abc"  # 32 characters: a CSRF secret as Django reads it


def _say(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _id_number(i: int) -> str:
    first17 = f"990101{dt.date(1980, 1, 1) + dt.timedelta(days=i // 900):%Y%m%d}{i % 900 + 100:03d}"
    return first17 + id_check_digit(first17)


def _setup(size: int) -> tuple[int, list[tuple[str, int, list[int]]]]:
    """(paper id, [(session key, attempt id, question ids)]) for `size` candidates."""
    nodes = org_by_codes(["BENCH-EX"])
    if "BENCH-EX" not in nodes:
        org_create(actor=SYSTEM, code="BENCH-EXC", name="考试压测市", kind=OrgKind.CITY)
        org_create(
            actor=SYSTEM,
            code="BENCH-EX",
            name="考试压测单位",
            kind=OrgKind.UNIT,
            parent_code="BENCH-EXC",
        )
        nodes = org_by_codes(["BENCH-EX"])
    unit = nodes["BENCH-EX"]
    bank = QuestionBank.objects.filter(org_id=unit.id, name="压测题库").first()
    if bank is None:
        bank = exams.bank_create(actor=SYSTEM, name="压测题库", org_id=unit.id)
        gift = "\n\n".join(f"压测第 {i} 题 {{=甲 ~乙 ~丙 ~丁}}" for i in range(QUESTIONS))
        parsed = exams.parse_file(gift.encode(), "gift")
        exams.questions_import(actor=SYSTEM, bank_id=bank.pk, parsed=parsed)
    paper = Paper.objects.filter(org_id=unit.id, title="压测试卷").first()
    if paper is None:
        ids = list(bank.questions.order_by("id").values_list("pk", flat=True))
        paper = exams.paper_create(
            actor=SYSTEM, title="压测试卷", org_id=unit.id, pass_mark=Decimal(30),
            questions=[(q, Decimal(1)) for q in ids], time_limit_minutes=600, max_attempts=20,
        )  # fmt: skip
    have = Candidate.objects.filter(paper=paper).count()
    for i in range(have, size):
        person = person_create(
            actor=SYSTEM,
            data=PersonInput(
                name=f"考生{i}", unit_id=unit.id, gender=Gender.MALE, id_number=_id_number(i)
            ),
        )
        exams.candidates_add(actor=SYSTEM, paper_id=paper.pk, person_ids=[person.pk])
    # a fresh open attempt per candidate, started through the service
    Attempt.objects.filter(paper=paper, status="open").update(
        deadline=clock.now() - dt.timedelta(seconds=1)
    )
    exams.attempts_submit_overdue(limit=100_000)
    Candidate.objects.filter(paper=paper).update(extra_attempts=0)
    Attempt.objects.filter(paper=paper).delete()
    out = []
    for c in Candidate.objects.filter(paper=paper).order_by("id")[:size]:
        user = User.objects.get(person__pk=c.person_id)
        attempt = exam_services.attempt_start(actor=user, paper_id=paper.pk)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        out.append((str(session.session_key), attempt.pk, [e["q"] for e in attempt.layout]))
    return paper.pk, out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CIVTRAIN_BENCH_ENDPOINTS": "1", "PORT": str(port), "HOST": "127.0.0.1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "civtrain", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("civtrain serve did not start")


def _worker(
    args: tuple[int, str, list[tuple[str, int, list[int]]], float],
) -> tuple[list[float], int]:
    """One load process: THREADS threads over its candidates until `stop` (epoch seconds)."""
    port, kind, candidates, stop = args
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def run(mine: list[tuple[str, int, list[int]]]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine_lat: list[float] = []
        n = 0
        bad = 0
        while time.time() < stop:
            session, attempt, questions = mine[n % len(mine)]
            headers = {
                "Cookie": f"sessionid={session}; csrftoken={CSRF}",
                "X-CSRFToken": CSRF,
                "Content-Type": "application/json",
            }
            if kind == "save":
                q = questions[n % len(questions)]
                method, path = "PUT", f"/api/v1/exams/attempts/{attempt}/answers/{q}"
                body = json.dumps({"response": n % 4})
            else:
                method, path = "POST", "/api/v1/exams/bench/plain-insert"
                body = json.dumps({"value": f"{attempt}-{n}"})
            start = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status in (200, 204)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            if ok:
                mine_lat.append(time.perf_counter() - start)
            else:
                bad += 1
            n += 1
        with lock:
            latencies.extend(mine_lat)
            errors[0] += bad

    shares = [candidates[i::THREADS] for i in range(THREADS)]
    threads = [threading.Thread(target=run, args=(s,)) for s in shares if s]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0]


def _load(port: int, kind: str, candidates: list[tuple[str, int, list[int]]]) -> dict[str, float]:
    stop = time.time() + DURATION
    parts = [candidates[i::PROCESSES] for i in range(PROCESSES)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(PROCESSES) as pool:
        results = pool.map(_worker, [(port, kind, p, stop) for p in parts])
    latencies = sorted(x for lat, _e in results for x in lat)
    errors = sum(e for _l, e in results)
    q = (
        statistics.quantiles(latencies, n=100, method="inclusive")
        if len(latencies) > 1
        else [0.0] * 99
    )
    return {
        "per_second": len(latencies) / DURATION,
        "p50_ms": q[49] * 1000,
        "p99_ms": q[98] * 1000,
        "errors": errors,
    }


@benchmark(
    "exam_answer_saves",
    default_size=200,
    description="answer saves/s through civtrain serve, many concurrent candidates (#14)",
)
def exam_answer_saves(size: int) -> Measurement:
    _say(f"exam_answer_saves: preparing {size} candidates …")
    _paper, candidates = _setup(size)
    port = _free_port()
    server = _serve(port)
    try:
        _load(port, "save", candidates[:4])  # warm-up: workers imported, connections open
        saves = _load(port, "save", candidates)
        plain = _load(port, "plain", candidates)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    load = os.getloadavg()
    for name, r in (("answer saves", saves), ("plain inserts", plain)):
        _say(
            f"{name}: {r['per_second']:.0f}/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
            f"{r['errors']:.0f} errors"
        )
    _say(f"{PROCESSES}×{THREADS} client threads on the same machine; load average {load[0]:.1f}")
    return Measurement(
        value=saves["per_second"],
        unit="saves/s",
        baseline=plain["per_second"],
        target=(
            ">= 1500 saves/s with p99 < 150 ms on 2 cores (postgresql); "
            f"this run p50 {saves['p50_ms']:.0f} ms p99 {saves['p99_ms']:.0f} ms, "
            f"plain p99 {plain['p99_ms']:.0f} ms, load {load[0]:.1f}"
        ),
    )
