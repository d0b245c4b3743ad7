"""Celery application: background work on Redis in production (`celery -A config worker`,
and `celery -A config beat` for the schedule below).

Without CELERY_BROKER_URL the platform never sends tasks here; jobs run on a thread in the
web process instead (civtrain.core.jobs).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("civtrain")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Task modules by name: jobs live in core, beside the model they drive.
app.conf.imports = (
    "civtrain.core.jobs",
    "civtrain.core.files",
    "civtrain.core.audit_chain",
    "civtrain.credits.tasks",
    "civtrain.compliance.tasks",
    "civtrain.exams.tasks",
    "civtrain.learning.tasks",
    "civtrain.evaluation.tasks",
    "civtrain.surveys.tasks",
)

# The schedule is CELERY_BEAT_SCHEDULE in config/settings/base.py (read by config_from_object).
