"""The embedded default: SQLite under var/, demo keys derived from a fixed phrase."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Local keys are fixed so demo data stays readable across restarts; production
# refuses to start without real ones (config/settings/production.py).
SECRET_KEY = SECRET_KEY or "local-only-not-secret-civtrain"  # noqa: F405
CIVTRAIN_DATA_KEY = CIVTRAIN_DATA_KEY or "bG9jYWwtb25seS1jaXZ0cmFpbi1kYXRhLWtleS0wMDE="  # noqa: F405
CIVTRAIN_HASH_KEY = CIVTRAIN_HASH_KEY or "bG9jYWwtb25seS1jaXZ0cmFpbi1oYXNoLWtleS0wMDE="  # noqa: F405
CIVTRAIN_SIGNING_KEY = CIVTRAIN_SIGNING_KEY or "bG9jYWwtb25seS1jaXZ0cmFpbi1zaWduLWtleS0wMDE="  # noqa: F405
_LOCAL_SM2 = "bG9jYWwtb25seS1jaXZ0cmFpbi1zbTIta2V5LTAwMDE="  # the gm suite's (#17 item 5)
CIVTRAIN_SM2_SIGNING_KEY = CIVTRAIN_SM2_SIGNING_KEY or _LOCAL_SM2  # noqa: F405
# `civtrain otp-code USER` for the demo administrators (#17 item 1): local settings only.
CIVTRAIN_DEMO_COMMANDS = True
