"""The engine's pipeline: a population walked in chunks of id ranges, each chunk read
(reads.fetch) and then evaluated (Evaluator.evaluate_chunk); on PostgreSQL, outside a
transaction, reader threads with their own connections read the next chunks meanwhile."""

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.db import connection
from django.db.models import Q

from civtrain.compliance.data import PersonResult
from civtrain.compliance.evaluator import Evaluator
from civtrain.compliance.reads import OrgCache, fetch_tuned
from civtrain.people.api import person_rows

CHUNK = 20_000
READERS = 2  # threads reading chunks ahead on PostgreSQL, one database backend each


def people(
    ev: Evaluator, orgs: OrgCache, people_q: Q | None, id_range: tuple[int, int] | None = None
) -> Iterator[PersonResult]:
    """Results person by person, in id order, computed CHUNK ids at a time. `people_q`
    None with `id_range` evaluates every person whose id lies in the range."""
    base = person_rows()
    if people_q is not None:
        base = base.filter(people_q)
    if people_q is None:
        orgs.load_all()  # everyone: the whole tree, once
    if id_range is not None:
        lo, hi = id_range
    else:
        bounds = base.order_by().values_list("id", flat=True)
        lo = bounds.order_by("id").first()
        hi = bounds.order_by("-id").first()
    if lo is None or hi is None:
        return
    spans = []
    start = lo
    while start <= hi:
        spans.append((start, min(start + CHUNK - 1, hi)))
        start += CHUNK
    if connection.vendor != "postgresql" or connection.in_atomic_block or len(spans) < 2:
        for a, b in spans:
            yield from ev.evaluate_chunk(fetch_tuned(ev, base, people_q, a, b))
        return
    # Pipelined: READERS threads (each with its own connection, so as many database
    # backends) read the next chunks while this one evaluates the current one, so the
    # reads, which cost more than the evaluation, run on both cores and overlap the
    # Python time instead of adding to it (bench/compliance.py). Only outside a
    # transaction, where the other connections see the same rows.
    readers = [ThreadPoolExecutor(max_workers=1) for _ in range(READERS)]

    def read(i: int) -> Future[tuple[Any, ...]]:
        return readers[i % READERS].submit(fetch_tuned, ev, base, people_q, *spans[i])

    try:
        pending = deque(read(i) for i in range(min(READERS, len(spans))))
        for i in range(len(spans)):
            data = pending.popleft().result()
            if i + READERS < len(spans):
                pending.append(read(i + READERS))
            yield from ev.evaluate_chunk(data)
    finally:
        for reader in readers:
            reader.submit(_close_connection).result()  # the reading thread's own
            reader.shutdown()


def _close_connection() -> None:
    connection.close()  # the calling thread's connection (a per-thread proxy)
