"""The one source of the current time and date (Asia/Shanghai); tests may freeze it."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

TZ = ZoneInfo("Asia/Shanghai")
_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    return _frozen if _frozen is not None else timezone.now()


def today() -> dt.date:
    return now().astimezone(TZ).date()


def freeze(moment: dt.datetime | None) -> None:
    """Pin now() to `moment` (aware) or release it with None; for tests and replays."""
    global _frozen
    if moment is not None and timezone.is_naive(moment):
        raise ValueError("freeze() needs an aware datetime")
    _frozen = moment


def frozen() -> dt.datetime | None:
    """The moment now() is pinned to, or None: a replay that freezes the clock for a while
    (the demo data's past events) puts back what it found."""
    return _frozen
