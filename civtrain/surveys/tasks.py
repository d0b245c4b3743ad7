"""Background job of needs surveys (config/settings CELERY_BEAT_SCHEDULE): the daily
reminder to units and people who have not answered an open survey (CQ-M1)."""

from celery import shared_task

from civtrain.surveys import services


@shared_task(name="surveys.remind_daily", ignore_result=True)
def remind_daily() -> int:
    return services.reminders_send()
