"""Background jobs of class evaluation (config/settings CELERY_BEAT_SCHEDULE): forms open
for classes that ended, and the daily reminder to those who have not answered (CQ-M4)."""

import logging

from celery import shared_task

from civtrain.evaluation import services

logger = logging.getLogger(__name__)


@shared_task(name="evaluation.open_due", ignore_result=True)
def open_due() -> int:
    opened = services.evaluations_open_due()
    if opened:
        logger.info("class evaluations opened: %s", opened)
    return opened


@shared_task(name="evaluation.remind_daily", ignore_result=True)
def remind_daily() -> int:
    return services.reminders_send()
