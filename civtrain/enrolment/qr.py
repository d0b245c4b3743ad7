"""Rotating check-in tokens for the QR code on the institution's screen (item 5a).

A token is an HMAC of the session id and the current 30-second window under the Django
secret; the current and the previous window are accepted, so a scan made just before the
code changes still counts, while a photo of the code passed around later does not.
"""

import datetime as dt
import hashlib
import hmac

from django.conf import settings

from civtrain.core import clock

WINDOW_SECONDS = 30


def _window(at: dt.datetime) -> int:
    return int(at.timestamp()) // WINDOW_SECONDS


def _token(session_id: int, window: int) -> str:
    message = f"civtrain.checkin:{session_id}:{window}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:20]


def qr_token(session_id: int, at: dt.datetime | None = None) -> str:
    return _token(session_id, _window(at or clock.now()))


def qr_token_valid(session_id: int, token: str, at: dt.datetime | None = None) -> bool:
    window = _window(at or clock.now())
    # Bytes, not str: compare_digest raises TypeError on non-ASCII text, and a scanned or
    # typed token is whatever the client sent (#8 item 11: a 500 on the page and the API).
    sent = token.encode()
    return any(
        hmac.compare_digest(sent, _token(session_id, w).encode()) for w in (window, window - 1)
    )


def seconds_left(at: dt.datetime | None = None) -> int:
    moment = at or clock.now()
    return WINDOW_SECONDS - int(moment.timestamp()) % WINDOW_SECONDS
