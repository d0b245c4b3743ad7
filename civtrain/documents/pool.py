"""Rendering PDFs over a pool of processes, one per core (issue #15 item 4: "a city can
produce ten thousand without blocking the web process").

A zip job runs on a thread of the web process in the embedded default (core.jobs) or in a
Celery worker; either way WeasyPrint's rendering is pure Python and holds the interpreter
lock, ~0.3–0.4 CPU s per 40-line booklet. The job's own process keeps what needs the database
and the keys — issuing each document (ledger read, content signature, the stored row), its
HTML, the file signature and the zip — and hands only the rendering (HTML in, PDF bytes out)
to worker processes. The workers are started fresh (`spawn`: no copy of a threaded web
process's locks or database connections), set Django up for the font paths, and never see a
secret, a database connection or a request.

A spawned worker imports the parent's `__main__` module again (as `__mp_main__`): granian,
Celery, `civtrain` and pytest guard theirs; a script that builds zips must keep its work under
`if __name__ == "__main__":` (an unguarded one re-ran itself in each worker and waited on the
parent's database locks).

Results come back in the order the documents were issued; at most `WINDOW × workers`
documents are in flight, so a city's ten thousand are never all in memory at once.
"""

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings

T = TypeVar("T")
WINDOW = 2  # documents in flight per worker: one rendering, one waiting
# Below this many documents a batch is rendered in the job's own process: starting a worker
# (Django, WeasyPrint and the fonts loaded) costs about as much CPU as ten booklets.
POOL_FROM = 24


@dataclass(frozen=True)
class PdfInput:
    """What render.pdf_of needs: plain strings, so that it crosses to a worker process."""

    html: str
    attachment: str
    name: str
    at: Any  # datetime | None


def workers_for(count: int) -> int:
    """How many worker processes a batch of `count` documents gets: none below POOL_FROM or
    from a daemonic process (which may not have children); else one per core, or
    CIVTRAIN_DOCUMENT_WORKERS when set (0 or 1: always in the job's own process)."""
    if count < POOL_FROM or multiprocessing.current_process().daemon or not _settings_module():
        return 0
    configured = getattr(settings, "CIVTRAIN_DOCUMENT_WORKERS", None)
    workers = int(configured) if configured is not None else (os.cpu_count() or 1)
    workers = min(workers, count)
    return workers if workers > 1 else 0


def _settings_module() -> str:
    """The settings module a worker sets Django up with: the process's own (settings changed
    at run time, as tests do, are not carried over; workers read only BASE_DIR)."""
    return os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE or ""


def _start(settings_module: str) -> None:
    """In a worker: Django set up with the job's settings module (render reads BASE_DIR)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()


def render_one(item: PdfInput) -> bytes:
    from civtrain.documents import render

    return render.pdf_of(item.html, attachment=item.attachment, name=item.name, at=item.at)


def rendered(items: Iterable[tuple[T, PdfInput]], workers: int) -> Iterator[tuple[T, bytes]]:
    """Each item's key with its PDF, in the items' order, rendered by `workers` processes."""
    context = multiprocessing.get_context("spawn")
    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_start,
        initargs=(_settings_module(),),
    )
    window: deque[tuple[T, Future[bytes]]] = deque()
    try:
        for key, item in items:
            window.append((key, executor.submit(render_one, item)))
            if len(window) >= WINDOW * workers:
                first, future = window.popleft()
                yield first, future.result()
        while window:
            first, future = window.popleft()
            yield first, future.result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
