"""Production: every secret must come from the environment, or the process stops."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

for _name in ("SECRET_KEY", "CIVTRAIN_DATA_KEY", "CIVTRAIN_HASH_KEY", "CIVTRAIN_SIGNING_KEY"):
    if not globals()[_name]:
        raise ImproperlyConfigured(f"{_name} must be set in the environment in production")

DEBUG = False
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0)
