"""Answer saves under many concurrent candidates (issue #14 must-show).

`exam_answer_saves`: `size` candidates each hold an open attempt on a 50-question paper;
the platform is started with `civtrain serve` (granian, as production runs it) on a free
port, and a load generator in this process (asyncio, CONNECTIONS keep-alive connections,
each carrying a share of the candidates; each candidate a browser session of a full login
with its CSRF token, bench._served.session_cookie) PUTs answers to
`/api/v1/exams/attempts/{id}/answers/{question}` for DURATION seconds: the path the
candidate's page takes. CPU per request of granian, PostgreSQL and the load generator is
read from /proc (bench._served.CpuMeter) and recorded as `exam_answer_saves_cpu`: on a
shared machine, the figure to compare. A phase with more than 1 % failed requests stops
the run (no rate is reported over errors). The baseline, in the same run and the same way, POSTs to
`/api/v1/exams/bench/plain-insert` (one row inserted, nothing checked; served only with
CIVTRAIN_BENCH_ENDPOINTS, which this benchmark sets for its server). Value: saves per second;
p50/p99 of both are printed. Target (2 cores, load generator included): ≥ 1,500 saves/s
with p99 < 150 ms. The generator shares the machine's cores with the server: say so when
recording figures, with the load average.

Data: an org node BENCH-EX with the candidates, a bank and a paper, made on first run and
reused by the next (attempts are reopened each run).
"""

import datetime as dt
import itertools
import json
import os
import sys
from collections.abc import Iterator
from decimal import Decimal

from bench import Measurement, benchmark, record
from bench._served import CpuMeter, Request, drive, require_answers, serve, session_cookie
from civtrain.accounts.api import NO_LIMITS, SYSTEM, User
from civtrain.core import clock
from civtrain.exams import api as exams
from civtrain.exams import services as exam_services
from civtrain.exams.models import Attempt, Candidate, Paper, QuestionBank
from civtrain.organisations.api import OrgKind, org_by_codes, org_create
from civtrain.people.api import person_create
from civtrain.people.data import Gender, PersonInput, id_check_digit

DURATION = float(os.environ.get("BENCH_SECONDS", "10"))  # seconds of load per endpoint
CONNECTIONS = 48
QUESTIONS = 50
CSRF = "benchexamscsrftoken0123456789abc"  # 32 characters: a CSRF secret as Django reads it


def _say(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _id_number(i: int) -> str:
    first17 = f"990101{dt.date(1980, 1, 1) + dt.timedelta(days=i // 900):%Y%m%d}{i % 900 + 100:03d}"
    return first17 + id_check_digit(first17)


def _setup(size: int) -> tuple[int, "Candidates"]:
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
        # the token the candidate's page is given with the sheet (ADR 0029)
        token = exam_services.attempt_token_issue(
            actor=user, attempt_id=attempt.pk, sign_in=NO_LIMITS
        )
        questions = [e["q"] for e in attempt.layout]
        out.append((session_cookie(user), attempt.pk, questions, token))
    return paper.pk, out


Candidates = list[tuple[str, int, list[int], str]]


def _clients(kind: str, candidates: Candidates) -> list[Iterator[Request]]:
    """CONNECTIONS keep-alive clients, each a share of the candidates taking turns; a
    candidate answers its questions in order, over and over (the last answer wins)."""

    def stream(mine: Candidates) -> Iterator[Request]:
        for n in itertools.count():
            session, attempt, questions, token = mine[n % len(mine)]
            headers = (
                f"Cookie: sessionid={session}; csrftoken={CSRF}\r\nX-CSRFToken: {CSRF}\r\n"
                "Content-Type: application/json\r\n"
            )
            if kind != "floor":  # the page's saves carry the attempt's token
                headers += f"X-Attempt-Token: {token}\r\n"
            if kind == "floor":  # a signed-in JSON read that writes nothing
                yield Request("GET", "/api/v1/me", headers, b"")
            elif kind == "save":
                q = questions[(n // len(mine)) % len(questions)]
                path = f"/api/v1/exams/attempts/{attempt}/answers/{q}"
                yield Request("PUT", path, headers, json.dumps({"response": n % 4}).encode())
            else:
                body = json.dumps({"value": f"{attempt}-{n}"}).encode()
                yield Request("POST", "/api/v1/exams/bench/plain-insert", headers, body)

    shares = [candidates[i::CONNECTIONS] for i in range(min(CONNECTIONS, len(candidates)))]
    return [stream(share) for share in shares]


@benchmark(
    "exam_answer_saves",
    default_size=200,
    description="answer saves/s through civtrain serve, many concurrent candidates (#14)",
)
def exam_answer_saves(size: int) -> Measurement:
    _say(f"exam_answer_saves: preparing {size} candidates …")
    _paper, candidates = _setup(size)
    with serve(env={"CIVTRAIN_BENCH_ENDPOINTS": "1"}) as (port, pid):
        warm = drive("warm-up", port, _clients("save", candidates[:8]), 3)
        require_answers("warm-up", warm.done, warm.errors)
        meter = CpuMeter(pid)
        saves = drive("answer saves", port, _clients("save", candidates), DURATION, meter)
        plain = drive("plain inserts", port, _clients("plain", candidates), DURATION, meter)
        # The floor of any signed-in JSON request here: GET /api/v1/me (session, user and
        # roles read, nothing written), printed beside the two.
        floor = drive("floor: GET /api/v1/me", port, _clients("floor", candidates), 5, meter)
    load = os.getloadavg()
    for phase in (saves, plain, floor):
        _say(phase.line())
    _say(f"{CONNECTIONS} client connections on the same machine; load average {load[0]:.1f}")
    require_answers(saves.name, saves.done, saves.errors)
    require_answers(plain.name, plain.done, plain.errors)
    require_answers(floor.name, floor.done, floor.errors)
    cpu, plain_cpu = saves.cpu(), plain.cpu()
    record(
        "exam_answer_saves_cpu",
        size,
        Measurement(
            value=cpu["total"] or 0.0,
            unit="CPU ms/save (server + database + load generator)",
            baseline=plain_cpu["total"] or 0.0,
            target="the load-independent cost; baseline: the plain insert's",
            higher_is_better=False,
        ),
    )
    return Measurement(
        value=saves.rate,
        unit="saves/s",
        baseline=plain.rate,
        target=(
            ">= 1500 saves/s with p99 < 150 ms on 2 cores (postgresql); "
            f"this run p50 {saves.ms(0.5):.0f} ms p99 {saves.ms(0.99):.0f} ms, "
            f"plain p99 {plain.ms(0.99):.0f} ms, load {load[0]:.1f}"
        ),
    )
