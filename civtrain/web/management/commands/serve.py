"""`civtrain serve`: run the platform under gunicorn, as production does."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform with gunicorn on $HOST:$PORT (default 127.0.0.1:8000)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default=None, help="host:port (default $HOST:$PORT)")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", 3)))

    def handle(self, *args: Any, **options: Any) -> None:
        bind = options["bind"] or (
            f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
        )
        argv = [
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--timeout",
            "120",
        ]
        self.stdout.write(f"civtrain serving on http://{bind}/")
        if not settings.CELERY_BROKER_URL:
            # No broker, so no `celery beat`: the schedule runs beside the server and ends
            # with it (the server replaces this process and so becomes its parent).
            subprocess.Popen([sys.executable, "-m", "civtrain", "run-schedule", "--with-parent"])
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        os.execv(gunicorn, [gunicorn, *argv[1:]])  # noqa: S606 - becomes the server
