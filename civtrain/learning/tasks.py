"""Background jobs of online learning: the overnight audit of earned time (PR-3)."""

import datetime as dt
import logging

from celery import shared_task

from civtrain.core import clock
from civtrain.learning.review import learning_audit

logger = logging.getLogger(__name__)


@shared_task(name="learning.audit_yesterday", ignore_result=True)
def audit_yesterday() -> int:
    """What `civtrain learning-audit` does for yesterday (Shanghai)."""
    found = learning_audit(day=clock.today() - dt.timedelta(days=1))
    logger.info("learning audit: %s new findings", found)
    return found
