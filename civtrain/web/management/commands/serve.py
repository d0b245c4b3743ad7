"""`civtrain serve`: run the platform under gunicorn, as production does.

Sizing (docs/architecture.md, "Serving"): gunicorn's threaded worker, WEB_WORKERS processes
(default: one per CPU core plus one) of WEB_THREADS threads (default 4). A request spends
most of its time in Python, which one process runs on one core at a time (the GIL), so
processes, not threads, use the cores; the threads cover a request's waits on the database
and keep-alive connections. The access log (WEB_ACCESS_LOG: "-" for stdout, a file path, or
"off") costs a formatted line per request; production behind a proxy that logs already can
turn it off.
"""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


def default_workers() -> int:
    """One gunicorn worker per core the process may use, plus one to fill a core while
    another worker waits (reading a request, writing an answer)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return cores + 1


class Command(BaseCommand):
    help = "Serve the platform with gunicorn on $HOST:$PORT (default 127.0.0.1:8000)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default=None, help="host:port (default $HOST:$PORT)")
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_WORKERS") or default_workers()),
            help="worker processes (default $WEB_WORKERS, else one per CPU core plus one)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("WEB_THREADS") or 4),
            help="threads per worker (default $WEB_THREADS, else 4)",
        )
        parser.add_argument(
            "--worker-class",
            default=os.environ.get("WEB_WORKER_CLASS") or "gthread",
            choices=("gthread", "sync"),
            help="gunicorn worker class (default $WEB_WORKER_CLASS, else gthread)",
        )
        parser.add_argument(
            "--access-log",
            default=os.environ.get("WEB_ACCESS_LOG") or "-",
            help='"-" (stdout, the default), a file, or "off" (default $WEB_ACCESS_LOG)',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bind = options["bind"] or (
            f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
        )
        argv = [
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            bind,
            "--worker-class",
            options["worker_class"],
            "--workers",
            str(max(1, options["workers"])),
            "--threads",
            str(max(1, options["threads"])),
            "--timeout",
            "120",
        ]
        if options["access_log"] != "off":
            argv += ["--access-logfile", options["access_log"]]
        self.stdout.write(
            f"civtrain serving on http://{bind}/ "
            f"({options['workers']} workers × {options['threads']} threads)"
        )
        if not settings.CELERY_BROKER_URL:
            # No broker, so no `celery beat`: the schedule runs beside the server and ends
            # with it (the server replaces this process and so becomes its parent).
            subprocess.Popen([sys.executable, "-m", "civtrain", "run-schedule", "--with-parent"])
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        os.execv(gunicorn, [gunicorn, *argv[1:]])  # noqa: S606 - becomes the server
