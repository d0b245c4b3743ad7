"""The beat schedule without a broker (ADR 0013).

With CELERY_BROKER_URL, `celery -A config beat` sends CELERY_BEAT_SCHEDULE's tasks to the
workers. The embedded default has no broker, so `civtrain serve` starts `civtrain
run-schedule`, which runs the same schedule in one process: each entry's task, in-process,
when its Celery schedule says it is due. One process, so no entry runs twice at once.
"""

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from celery import Celery
from celery.schedules import BaseSchedule, maybe_schedule
from django.db import close_old_connections

logger = logging.getLogger(__name__)

LONGEST_SLEEP = 60.0  # seconds; also how soon a stop request is noticed at worst


@dataclass
class _Entry:
    name: str
    task: Any
    schedule: BaseSchedule
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    last_run_at: Any


class EmbeddedBeat:
    """The entries of a beat schedule, each run when due. Like Celery beat, a fresh start
    counts as a run of every entry, so a nightly task does not fire at start-up."""

    def __init__(self, app: Celery, schedule: Mapping[str, Mapping[str, Any]]) -> None:
        app.loader.import_default_modules()
        self.app = app
        now = app.now()
        self.entries = [
            _Entry(
                name=name,
                task=app.tasks[spec["task"]],
                schedule=maybe_schedule(spec["schedule"], app=app),
                args=tuple(spec.get("args", ())),
                kwargs=dict(spec.get("kwargs", {})),
                last_run_at=now,
            )
            for name, spec in schedule.items()
        ]

    def tick(self) -> float:
        """Run every entry that is due; return the seconds until the next one is."""
        wait = LONGEST_SLEEP
        for entry in self.entries:
            due, next_in = entry.schedule.is_due(entry.last_run_at)
            if due:
                entry.last_run_at = self.app.now()
                self._run(entry)
            wait = min(wait, float(next_in))
        return max(wait, 0.5)

    def _run(self, entry: _Entry) -> None:
        result = entry.task.apply(args=entry.args, kwargs=entry.kwargs)
        if result.failed():
            logger.error("scheduled task %s failed:\n%s", entry.name, result.traceback)

    def run_forever(self, *, keep_going: Callable[[], bool]) -> None:
        while keep_going():
            close_old_connections()  # as between two requests: drop a broken connection
            wait = self.tick()
            close_old_connections()
            time.sleep(wait)
