"""`civtrain serve`: run the platform under granian, as production does.

Sizing (docs/architecture.md, "Serving"; ADR 0029): granian reads and writes HTTP in Rust
and hands each request to the WSGI application on one of WEB_THREADS Python threads
(default 8) in each of WEB_WORKERS processes (default: one per CPU core). A request spends
most of its CPU in Python, which one process runs on one core at a time (the GIL), so
processes use the cores; the threads cover a request's waits on the database. granian's
own access log (WEB_ACCESS_LOG: "-" for stdout, or a file path) is off by default: production
runs behind a proxy that logs every request already (docs/architecture.md, "Serving"), and a
line formatted in Python per request cost an eighth of the server's CPU on a heartbeat.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def default_workers() -> int:
    """One worker per core the process may use: granian's own threads read and write the
    connections, so no extra process is needed to fill a core while another waits."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _access_log_config(path: str) -> Path:
    """A logging configuration for granian that writes its access log to `path` (appended),
    kept beside it; granian's own messages stay on stdout."""
    config = {
        "handlers": {
            "console": {
                "formatter": "generic",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
            },
            "access": {
                "formatter": "access",
                "class": "logging.FileHandler",
                "filename": path,
                "encoding": "utf-8",
            },
        },
    }
    target = Path(path).with_name(Path(path).name + ".logging.json")
    target.write_text(json.dumps(config))
    return target


class Command(BaseCommand):
    help = "Serve the platform with granian on $HOST:$PORT (default 127.0.0.1:8000)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default=None, help="host:port (default $HOST:$PORT)")
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_WORKERS") or default_workers()),
            help="worker processes (default $WEB_WORKERS, else one per CPU core)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("WEB_THREADS") or 8),
            help="Python threads per worker (default $WEB_THREADS, else 8)",
        )
        parser.add_argument(
            "--access-log",
            default=os.environ.get("WEB_ACCESS_LOG") or "off",
            help='"-" (stdout), a file, or "off" (default $WEB_ACCESS_LOG, else off)',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bind = options["bind"] or (
            f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
        )
        host, _, port = bind.rpartition(":")
        if not host or not port.isdigit():
            raise CommandError(f"--bind 需要“主机:端口”，例如 127.0.0.1:8000，而不是 {bind!r}")
        workers, threads = max(1, options["workers"]), max(1, options["threads"])
        argv = [
            "granian",
            "--interface", "wsgi",
            "--host", host.strip("[]"),
            "--port", port,
            "--workers", str(workers),
            "--blocking-threads", str(threads),
            "--no-ws",
            "--respawn-failed-workers",
            "--workers-kill-timeout", "120",
            "--log-level", "warning",
        ]  # fmt: skip
        access_log = options["access_log"]
        if access_log != "off":
            argv.append("--access-log")
            if access_log != "-":
                argv += ["--log-config", str(_access_log_config(access_log))]
        argv.append("config.wsgi:application")
        self.stdout.write(
            f"civtrain serving on http://{bind}/ ({workers} workers × {threads} threads)"
        )
        self.stdout.flush()
        if not settings.CELERY_BROKER_URL:
            # No broker, so no `celery beat`: the schedule runs beside the server and ends
            # with it (the server replaces this process and so becomes its parent).
            subprocess.Popen([sys.executable, "-m", "civtrain", "run-schedule", "--with-parent"])
        granian = str(Path(sys.executable).with_name("granian"))
        os.execv(granian, argv)  # noqa: S606 - becomes the server
