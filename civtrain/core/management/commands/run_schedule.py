"""`civtrain run-schedule`: run the beat schedule without a broker (civtrain.core.schedule)."""

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from civtrain.core.schedule import EmbeddedBeat


class Command(BaseCommand):
    help = (
        "Run CELERY_BEAT_SCHEDULE's tasks in this process when each is due (the embedded "
        "default; with a broker use `celery -A config beat`). Ends when its parent does."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--with-parent",
            action="store_true",
            help="stop when the process that started this one ends (civtrain serve uses it)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from config.celery import app

        beat = EmbeddedBeat(app, settings.CELERY_BEAT_SCHEDULE)
        parent = os.getppid()
        names = ", ".join(e.name for e in beat.entries)
        self.stdout.write(f"civtrain run-schedule: {names}")
        beat.run_forever(
            keep_going=(lambda: os.getppid() == parent) if options["with_parent"] else lambda: True
        )
