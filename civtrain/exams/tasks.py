"""Periodic work of exams on the beat schedule (ADR 0013): attempts left open past their
deadline are submitted by the server (issue #14 item 3)."""

from celery import shared_task

from civtrain.exams import api


@shared_task(name="exams.submit_overdue")
def submit_overdue() -> int:
    return api.attempts_submit_overdue()
