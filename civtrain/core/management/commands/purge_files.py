"""`civtrain purge-files`: delete personal-data files past their retention (hourly by beat)."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand

from civtrain.core.files import files_purge, retention


class Command(BaseCommand):
    help = (
        "Delete uploads, import error workbooks and roster exports older than the retention "
        "(default 24 hours, CIVTRAIN_FILE_RETENTION_HOURS); fail jobs a dead process left running."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--older-than-hours", type=float, help="instead of the configured retention"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        hours = options.get("older_than_hours")
        older_than = dt.timedelta(hours=hours) if hours is not None else retention()
        result = files_purge(older_than=older_than)
        self.stdout.write(f"{result}（保留期 {older_than.total_seconds() / 3600:g} 小时）")
