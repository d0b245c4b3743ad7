"""Periodic work of exams on the beat schedule (ADR 0013): attempts left open past their
deadline are submitted by the server (issue #14 item 3)."""

from celery import shared_task

from civtrain.exams import api


@shared_task(name="exams.submit_overdue")
def submit_overdue() -> int:
    return api.attempts_submit_overdue()


@shared_task(name="exams.remind_daily")
def remind_daily() -> int:
    """Year-end test reminders through the inbox, once a day per candidate (ZZ-N3)."""
    return api.reminders_send_due()
