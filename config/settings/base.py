"""Settings shared by every environment; everything variable comes from the environment."""

import datetime as dt
import ipaddress
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

# Personal-data keys (ADR 0003): base64 of 32 random bytes each.
CIVTRAIN_DATA_KEY = env("CIVTRAIN_DATA_KEY", default="")
CIVTRAIN_HASH_KEY = env("CIVTRAIN_HASH_KEY", default="")
# Keys replaced by the two above and still read until `civtrain crypto-migrate` has moved
# everything (ADR 0003, "Key rotation"): comma-separated, newest first.
CIVTRAIN_DATA_KEY_PREVIOUS = env.list("CIVTRAIN_DATA_KEY_PREVIOUS", default=[])
CIVTRAIN_HASH_KEY_PREVIOUS = env.list("CIVTRAIN_HASH_KEY_PREVIOUS", default=[])
# Field encryption and lookup hashes (#17 item 5, core.crypto): "standard" (AES-256-GCM,
# HMAC-SHA-256) or "gm" (国密: SM4-GCM, HMAC-SM3). Switching needs `civtrain crypto-migrate`.
CIVTRAIN_CRYPTO_SUITE = env("CIVTRAIN_CRYPTO_SUITE", default="standard")
# Ed25519 private key (base64 raw 32 bytes) that signs ledger checkpoints and certificates.
CIVTRAIN_SIGNING_KEY = env("CIVTRAIN_SIGNING_KEY", default="")
# SM2 private key (base64 of the 32-byte scalar) that signs instead under the gm suite
# (#17 item 5, core.signing): documents, ledger checkpoints and audit seals.
CIVTRAIN_SM2_SIGNING_KEY = env("CIVTRAIN_SM2_SIGNING_KEY", default="")
# Public halves (base64) of retired signing keys: what they signed still verifies (ADR 0020).
CIVTRAIN_SIGNING_RETIRED_KEYS = env.list("CIVTRAIN_SIGNING_RETIRED_KEYS", default=[])
# Documents (ADR 0020): the address their QR codes point at, and who issues them.
CIVTRAIN_PUBLIC_URL = env("CIVTRAIN_PUBLIC_URL", default="http://localhost:8000")
CIVTRAIN_DOCUMENT_ISSUER = env("CIVTRAIN_DOCUMENT_ISSUER", default="公务员培训管理平台")
# Requests a client may make to the public verify page per minute.
CIVTRAIN_VERIFY_RATE_PER_MINUTE = env.int("CIVTRAIN_VERIFY_RATE_PER_MINUTE", default=30)
# Requests a client (a bearer token, else an address) may make to /api/ per minute; 0: no
# limit (#17 item 6, core.middleware.ApiRateLimitMiddleware).
CIVTRAIN_API_RATE_PER_MINUTE = env.int("CIVTRAIN_API_RATE_PER_MINUTE", default=600)

CIVTRAIN_APPS = [
    "civtrain.core",
    "civtrain.organisations",
    "civtrain.accounts",
    "civtrain.people",
    "civtrain.credits",
    "civtrain.web",
    "civtrain.demo",
    "civtrain.catalogue",
    "civtrain.institutions",
    "civtrain.faculty",
    "civtrain.classes",
    "civtrain.enrolment",
    "civtrain.compliance",
    "civtrain.inbox",
    "civtrain.learning",
    "civtrain.scorm",
    "civtrain.exams",
    "civtrain.documents",
    "civtrain.xapi",
    "civtrain.evaluation",
    "civtrain.plans",
    "civtrain.surveys",
    "civtrain.materials",
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "axes",
    # Second factors of administrative roles (#17 item 1): TOTP devices; security keys are
    # accounts.SecurityKey, a django-otp device too.
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Listed so /api/v1/docs serves Swagger UI from ninja's bundled static files, not a CDN.
    "ninja",
    *CIVTRAIN_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "civtrain.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "civtrain.web.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "civtrain.core.middleware.RequestContextMiddleware",
    "civtrain.core.middleware.ApiRateLimitMiddleware",
    # After the request context, so that what they record names the client address.
    "civtrain.accounts.middleware.SessionLifetimeMiddleware",
    "civtrain.accounts.middleware.SecondFactorRequiredMiddleware",
    "civtrain.accounts.middleware.PasswordChangeRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
    "civtrain.web.middleware.ApplicationErrorMiddleware",
    "civtrain.web.input_guard.ControlCharacterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civtrain.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'civtrain.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and background imports share the file.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": ""}
else:
    # One connection per worker thread, reused (no connect and authentication per request);
    # the health check costs a round trip each request: on where the database may restart
    # under a running server (docs/architecture.md, "Serving").
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DB_CONN_HEALTH_CHECKS", default=False)
    # Django leaves psycopg's prepared statements off; the lean endpoints (civtrain.core.lean,
    # ADR 0029) prepare their few statements once per connection. Django's own queries bind
    # on the client and are never prepared, so this changes nothing else. A pooler between
    # the platform and PostgreSQL must keep prepared statements (PgBouncer >= 1.21:
    # max_prepared_statements) or run in session mode.
    # Those statements are planned once, for any value (force_generic_plan): left to choose,
    # PostgreSQL re-plans a statement over an array of tokens (a batch of heartbeats) at every
    # execution, as a custom plan for one array length always looks cheaper than the generic
    # one; planning cost more than running them. Django's queries carry their values inline
    # (client-side binding), so no plan of theirs changes.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["prepare_threshold"] = 5
    options["options"] = (
        options.get("options", "") + " -c plan_cache_mode=force_generic_plan"
    ).strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    # One-time passwords issued by HR only, until their first login (ADR 0015).
    "civtrain.accounts.hashers.IssuedPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    # Length, character classes and history as the user's city sets them (#17 item 1).
    {"NAME": "civtrain.accounts.password_policy.CityPolicyValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Reverse proxies whose X-Forwarded-For is believed (#8 item 8): addresses or networks,
# comma-separated (e.g. "10.0.0.5,10.1.0.0/16"). Empty, the default: the connecting address
# is the client's. Parsed here so a typo stops the start, not every request.
CIVTRAIN_TRUSTED_PROXIES = env.list("CIVTRAIN_TRUSTED_PROXIES", default=[])
# The exams benchmark's baseline endpoint (bench/exams.py, ADR 0019): off unless a
# benchmark's server turns it on.
CIVTRAIN_BENCH_ENDPOINTS = env.bool("CIVTRAIN_BENCH_ENDPOINTS", default=False)
for _proxy in CIVTRAIN_TRUSTED_PROXIES:
    ipaddress.ip_network(_proxy, strict=False)

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
# The issuer shown in authenticator apps, and the WebAuthn relying party (#17 item 1). The
# RP id is the site's host name; origins are the addresses browsers use to reach it.
OTP_TOTP_ISSUER = env.str("CIVTRAIN_OTP_ISSUER", default="公务员培训管理平台")
CIVTRAIN_WEBAUTHN_RP_ID = env.str("CIVTRAIN_WEBAUTHN_RP_ID", default="localhost")
CIVTRAIN_WEBAUTHN_ORIGINS = env.list(
    "CIVTRAIN_WEBAUTHN_ORIGINS", default=["http://localhost:8000", "http://127.0.0.1:8000"]
)
# The city's idle timeout, absolute session lifetime and password expiry (#17 item 1),
# measured on the platform clock. Always on, except in the test settings.
CIVTRAIN_SESSION_TIME_LIMITS = True
# `civtrain otp-code` prints demo accounts' codes only where demo commands are allowed
# (local settings); never under the production settings.
CIVTRAIN_DEMO_COMMANDS = False

# Login throttling: five failures lock the user name from that address for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
# The same client address as the audit (trusted proxies only), and logins, failures and
# lockouts recorded in the audit trail (#8 item 9).
AXES_CLIENT_IP_CALLABLE = "civtrain.core.middleware.client_ip"
AXES_HANDLER = "civtrain.accounts.login_audit.AuditingAxesHandler"

# Sessions end when the browser closes, after the city's idle timeout and at its absolute
# lifetime (accounts.middleware.SessionLifetimeMiddleware, #17 item 1); the cookie's own age
# is only the outer bound.
SESSION_COOKIE_AGE = 12 * 3600
# Saved when it changes: the lifetime middleware stamps an active session at least once a
# minute (accounts.sessions.SEEN_STEP), which keeps the stored expiry moving; saving it on
# every request besides cost three statements a heartbeat or answer save (#12, #14).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag instead
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (#8 item 14, #17 item 6): scripts and styles only from our own
# static files — no inline script, handler, <style> or style="" anywhere (behaviour is in
# web/site.js and each app's static JS, sizes in web/site.css or set through the CSSOM from
# data-percent / data-height), no eval; data: images for the empty favicon and Swagger UI's
# icons. The SCORM content frame has its own policy (scorm.views).
CIVTRAIN_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Browser features no page of ours uses.
CIVTRAIN_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "civtrain" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # SCORM packages' files (ADR 0017): outside MEDIA_ROOT, served only through the app,
    # to the learners and authors who may see them.
    "scorm": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "scorm"},
    },
}

# Background work: Celery on Redis in production; in the embedded default tasks run
# in-process (on a thread, so a page can poll progress).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TIMEZONE = TIME_ZONE
# The ledger's signed checkpoint (CQ-M3; issue 8 item 15, ADR 0007): every few minutes, so
# an entry is covered by a signature at most this long after it was written. It signs only
# what changed, and nothing when nothing did.
CIVTRAIN_LEDGER_CHECKPOINT_MINUTES = env.int("CIVTRAIN_LEDGER_CHECKPOINT_MINUTES", default=5)
# Also right after every ledger write commits (a bulk write: once at its end). On by default
# where there is no broker and so no beat: the embedded default has no other scheduler.
CIVTRAIN_LEDGER_CHECKPOINT_AFTER_WRITE = env.bool(
    "CIVTRAIN_LEDGER_CHECKPOINT_AFTER_WRITE", default=not CELERY_BROKER_URL
)
# Every periodic task, in CELERY_TIMEZONE (Asia/Shanghai). `celery -A config beat` runs it with
# a broker; without one, `civtrain serve` runs it in a child process (`civtrain run-schedule`).
# How often compliance pulls the ledger's outbox and re-evaluates what it changed (ADR 0013).
COMPLIANCE_REFRESH_SECONDS = env.int("COMPLIANCE_REFRESH_SECONDS", default=15)
CELERY_BEAT_SCHEDULE = {
    "ledger-checkpoint": {
        "task": "credits.ledger_checkpoint",
        "schedule": dt.timedelta(minutes=CIVTRAIN_LEDGER_CHECKPOINT_MINUTES),
        "options": {"expires": CIVTRAIN_LEDGER_CHECKPOINT_MINUTES * 60},
    },
    # Compliance (issue 4 §4): tonight's snapshots of this year at 02:00 ...
    "compliance-store-nightly": {
        "task": "compliance.store_year_nightly",
        "schedule": crontab(hour=2, minute=0),
        "options": {"expires": 4 * 3600},
    },
    # ... and what ledger writes changed since the last pull, within seconds.
    "compliance-refresh-stale": {
        "task": "compliance.refresh_stale",
        "schedule": dt.timedelta(seconds=COMPLIANCE_REFRESH_SECONDS),
        "options": {"expires": max(COMPLIANCE_REFRESH_SECONDS, 60)},
    },
    # The audit chain (#17 item 3, core.audit_chain): rows committed since the last run sealed.
    "audit-seal": {
        "task": "core.audit_seal",
        "schedule": dt.timedelta(minutes=1),
        "options": {"expires": 60},
    },
    # Class evaluation (CQ-M4, ADR 0021): forms open for classes that ended, pulled every
    # few minutes; and one reminder a day to trainees who have not answered.
    "evaluation-open-due": {
        "task": "evaluation.open_due",
        "schedule": dt.timedelta(minutes=5),
        "options": {"expires": 300},
    },
    "evaluation-remind-daily": {
        "task": "evaluation.remind_daily",
        "schedule": crontab(hour=9, minute=0),
        "options": {"expires": 4 * 3600},
    },
    # Needs surveys (CQ-M1): one reminder a day to units and people who have not answered.
    "surveys-remind-daily": {
        "task": "surveys.remind_daily",
        "schedule": crontab(hour=9, minute=5),
        "options": {"expires": 4 * 3600},
    },
    # The overnight audit of online study time (PR-3, ADR 0016): yesterday's findings.
    "learning-audit-nightly": {
        "task": "learning.audit_yesterday",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 4 * 3600},
    },
    # Required online courses closing within a month or a week (#12 item 5): one inbox
    # message per learner, course and window (deduplicated).
    "learning-remind-daily": {
        "task": "learning.remind_required",
        "schedule": crontab(hour=8, minute=30),
        "options": {"expires": 4 * 3600},
    },
    # Jobs whose process died (#17 faults, core.jobs.jobs_recover): failed, files removed.
    "jobs-recover": {
        "task": "core.jobs_recover",
        "schedule": dt.timedelta(minutes=5),
        "options": {"expires": 300},
    },
    # Personal-data files past their retention (issue 8 item 7, core.files), every hour.
    "files-purge-hourly": {
        "task": "core.files_purge",
        "schedule": crontab(minute=20),
        "options": {"expires": 3600},
    },
    # Exams (issue #14 item 3, ADR 0019): attempts left open past their deadline are
    # submitted by the server; requests touching such an attempt submit it too.
    "exams-submit-overdue": {
        "task": "exams.submit_overdue",
        "schedule": dt.timedelta(seconds=30),
        "options": {"expires": 30},
    },
    # ... and the year-end test's reminders through the inbox, each morning (ZZ-N3).
    "exams-remind-daily": {
        "task": "exams.remind_daily",
        "schedule": crontab(hour=9, minute=0),
        "options": {"expires": 4 * 3600},
    },
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Uploads and error workbooks hold personal data: owner-only on disk (issue 8 item 7), and
# deleted after CIVTRAIN_FILE_RETENTION_HOURS at the latest (civtrain.core.files).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
CIVTRAIN_FILE_RETENTION_HOURS = env.float("CIVTRAIN_FILE_RETENTION_HOURS", default=24)
# Audit rows stay in the database at least this long before `civtrain audit-archive` may move
# them to a file (GB/T 22239-2019 8.1.4.3 asks for six months; #17 item 3, ADR 0025).
CIVTRAIN_AUDIT_ONLINE_DAYS = env.int("CIVTRAIN_AUDIT_ONLINE_DAYS", default=183)
# A class or teacher whose evaluation mean (out of 100) is below this lands on the bureau's
# alert list (CQ-M4).
CIVTRAIN_EVALUATION_ALERT_BELOW = env.int("CIVTRAIN_EVALUATION_ALERT_BELOW", default=70)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # every 15 s a task "succeeded" line (the outbox pull) would drown the log
    "loggers": {"axes": {"level": "WARNING"}, "celery.app.trace": {"level": "WARNING"}},
}

# API tokens expire (#8 item 13): days a new token is valid unless its creator says otherwise.
CIVTRAIN_TOKEN_DAYS = env.int("CIVTRAIN_TOKEN_DAYS", default=90)

# Earned time of online courses (PR-3, ADR 0016): the playback speed cap (the platform's, and
# per city code, e.g. CIVTRAIN_LEARNING_SPEED_CAPS=C1=1.25), the daily cap on earned hours,
# and the attention check's random interval in minutes of earned time ("0,0": none).
CIVTRAIN_LEARNING_BEAT_SECONDS = env.int("CIVTRAIN_LEARNING_BEAT_SECONDS", default=15)
CIVTRAIN_LEARNING_SPEED_CAP = env.float("CIVTRAIN_LEARNING_SPEED_CAP", default=1.0)
CIVTRAIN_LEARNING_SPEED_CAPS = env.dict(
    "CIVTRAIN_LEARNING_SPEED_CAPS", cast={"value": float}, default={}
)
# The overnight audit flags an address from which at least this many accounts studied a day.
CIVTRAIN_LEARNING_SHARED_ADDRESS_MIN = env.int("CIVTRAIN_LEARNING_SHARED_ADDRESS_MIN", default=20)
CIVTRAIN_LEARNING_DAILY_CAP_HOURS = env.float("CIVTRAIN_LEARNING_DAILY_CAP_HOURS", default=6)
CIVTRAIN_LEARNING_CHECK_MINUTES = tuple(
    env.list("CIVTRAIN_LEARNING_CHECK_MINUTES", cast=int, default=[5, 15])
)

# The xAPI learning record store (issue #13, ADR 0018). The account homePage that names a
# civtrain login in a statement's actor; the version an answer names when the request names
# none (the newest; "1.0.3" for a deployment whose providers all speak 1.0.3).
CIVTRAIN_XAPI_ACCOUNT_HOMEPAGE = env(
    "CIVTRAIN_XAPI_ACCOUNT_HOMEPAGE", default="https://civtrain.gov.cn/"
)
CIVTRAIN_XAPI_DEFAULT_VERSION = env("CIVTRAIN_XAPI_DEFAULT_VERSION", default="2.0.0")
# Courseware files (videos, posters, documents; uploads in progress under uploads/): kept
# for as long as their courses, never purged with the 24-hour personal-data files.
CIVTRAIN_COURSEWARE_DIR = env.path("CIVTRAIN_COURSEWARE_DIR", default=VAR_DIR / "courseware")
# Production: the web server sends courseware bytes (nginx `internal` location, X-Accel-Redirect
# to this prefix + the path under CIVTRAIN_COURSEWARE_DIR); empty: Django serves ranges itself.
CIVTRAIN_COURSEWARE_ACCEL = env("CIVTRAIN_COURSEWARE_ACCEL", default="")
# bench/heartbeats.py serves its baseline endpoint (a plain insert) only with this on.
CIVTRAIN_BENCH_ENDPOINTS = env.bool("CIVTRAIN_BENCH_ENDPOINTS", default=False)
