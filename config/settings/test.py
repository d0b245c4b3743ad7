"""Test settings: the local ones with a fast password hasher and no throttling noise."""

from .local import *  # noqa: F403

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "civtrain.accounts.hashers.IssuedPasswordHasher",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "scorm": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}
LANGUAGE_CODE = "zh-hans"
CELERY_TASK_ALWAYS_EAGER = True
# Tests freeze the clock at dates days or years apart within one login (deadlines, closed
# years): the idle timeout, the session lifetime and the password expiry (#17 item 1) would
# end those sessions. Their own tests turn them on (accounts/tests/test_account_policy.py).
CIVTRAIN_SESSION_TIME_LIMITS = False
# Tests that want a checkpoint after each write turn it on (credits/tests/test_window.py).
CIVTRAIN_LEDGER_CHECKPOINT_AFTER_WRITE = False
# The API's rate limit is off for the suite (the contract test sends thousands of requests a
# minute); civtrain/web/tests/test_security_headers.py turns it on to test it.
CIVTRAIN_API_RATE_PER_MINUTE = 0

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file in WAL mode, not Django's in-memory default: in the embedded default jobs run
    # on threads, and an in-memory shared-cache database answers "table is locked" at once
    # to a thread reading while the request writes, where a file waits (busy timeout).
    # pytest-xdist gives each worker its own file (…_gw0, …_gw1).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405
