"""`civtrain learning-remind [--date YYYY-MM-DD]`: remind learners of required courses due."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand

from civtrain.learning.reminders import required_reminders_send


class Command(BaseCommand):
    help = "Remind learners behind on a required online course whose deadline is near (inbox)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        sent = required_reminders_send(on=options["date"])
        self.stdout.write(f"已发送 {sent} 条必修课程提醒")
