"""Background jobs of online learning: the overnight audit of earned time (PR-3) and the
morning reminders of required courses due (#12 item 5)."""

import datetime as dt
import logging

from celery import shared_task

from civtrain.core import clock
from civtrain.learning.reminders import required_reminders_send
from civtrain.learning.review import learning_audit

logger = logging.getLogger(__name__)


@shared_task(name="learning.audit_yesterday", ignore_result=True)
def audit_yesterday() -> int:
    """What `civtrain learning-audit` does for yesterday (Shanghai)."""
    found = learning_audit(day=clock.today() - dt.timedelta(days=1))
    logger.info("learning audit: %s new findings", found)
    return found


@shared_task(name="learning.remind_required", ignore_result=True)
def remind_required() -> int:
    """What `civtrain learning-remind` does for today (#12 item 5)."""
    sent = required_reminders_send()
    logger.info("learning reminders: %s sent", sent)
    return sent
