"""`civtrain learning-audit [--date YYYY-MM-DD]`: flag a day's earned-time anomalies (PR-3)."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand

from civtrain.core import clock
from civtrain.learning.review import learning_audit


class Command(BaseCommand):
    help = "Flag a day's anomalies of online study time for the reviewers (default: yesterday)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        day = options["date"] or clock.today() - dt.timedelta(days=1)
        found = learning_audit(day=day)
        self.stdout.write(f"{day}: {found} 条新的异常记录")
