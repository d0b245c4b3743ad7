"""Celery application: background work on Redis in production (`celery -A config worker`,
and `celery -A config beat` for the schedule below).

Without CELERY_BROKER_URL the platform never sends tasks here; jobs run on a thread in the
web process instead (civtrain.core.jobs).
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("civtrain")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Task modules by name: jobs live in core, beside the model they drive.
app.conf.imports = ("civtrain.core.jobs", "civtrain.credits.tasks", "civtrain.compliance.tasks")

# Compliance (issue 4 §4): tonight's snapshots of this year at 02:00 Asia/Shanghai (the
# beat runs in CELERY_TIMEZONE), and whatever ledger writes left stale every 5 minutes.
COMPLIANCE_SCHEDULE = {
    "compliance-store-nightly": {
        "task": "compliance.store_year_nightly",
        "schedule": crontab(hour=2, minute=0),
        "options": {"expires": 4 * 3600},
    },
    "compliance-refresh-stale": {
        "task": "compliance.refresh_stale",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 300},
    },
}
app.conf.beat_schedule = {**(app.conf.beat_schedule or {}), **COMPLIANCE_SCHEDULE}
