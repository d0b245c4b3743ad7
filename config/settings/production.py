"""Production: every secret must come from the environment, or the process stops."""

import base64
import binascii

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

for _name in ("SECRET_KEY", "CIVTRAIN_DATA_KEY", "CIVTRAIN_HASH_KEY", "CIVTRAIN_SIGNING_KEY"):
    if not globals()[_name]:
        raise ImproperlyConfigured(f"{_name} must be set in the environment in production")
# Keys still read after a rotation (ADR 0003) are checked now, not at the first old row.
for _name, _keys in (
    ("CIVTRAIN_DATA_KEY_PREVIOUS", CIVTRAIN_DATA_KEY_PREVIOUS),  # noqa: F405
    ("CIVTRAIN_HASH_KEY_PREVIOUS", CIVTRAIN_HASH_KEY_PREVIOUS),  # noqa: F405
):
    for _key in _keys:
        try:
            _length = len(base64.b64decode(_key, validate=True))
        except binascii.Error:
            _length = 0
        if _length < 32 or (_name.startswith("CIVTRAIN_DATA") and _length != 32):
            raise ImproperlyConfigured(f"{_name}: each key must be base64 of 32 bytes")
# 国密 (#17 item 5): under the gm suite documents, checkpoints and seals are signed with SM2.
if CIVTRAIN_CRYPTO_SUITE == "gm" and not CIVTRAIN_SM2_SIGNING_KEY:  # noqa: F405
    raise ImproperlyConfigured(
        "CIVTRAIN_SM2_SIGNING_KEY must be set under CIVTRAIN_CRYPTO_SUITE=gm"
    )

DEBUG = False
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS only (#8 item 14): HSTS for a year and a redirect from plain HTTP by default; both
# can be set down by the environment for a deployment that terminates TLS elsewhere.
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The load balancer's health probe speaks plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind a TLS-terminating proxy that sets e.g. X-Forwarded-Proto: https, name the header
# and value as "HTTP_X_FORWARDED_PROTO,https". Unset (the default) trusts no header: only
# set it when that proxy always overwrites the header a client could send.
_proxy_ssl_header = env.list("DJANGO_SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_ssl_header:
    if len(_proxy_ssl_header) != 2:
        raise ImproperlyConfigured(
            "DJANGO_SECURE_PROXY_SSL_HEADER must be HEADER,VALUE, e.g. HTTP_X_FORWARDED_PROTO,https"
        )
    SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header[0], _proxy_ssl_header[1])
