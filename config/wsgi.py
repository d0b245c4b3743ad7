"""The WSGI application granian serves (`civtrain serve`): the site, and the xAPI resources
through a shorter middleware chain.

An activity provider's request to /xapi/statements (and the other LRS resources) carries an
HTTP Basic credential and JSON, never a session, a CSRF token, a language cookie or a static
file: the middleware that serve browsers only (sessions, messages, CSRF, sign-in and its
throttle, the forced password change, htmx, the language switch, static files) did nothing
for it but cost a fifth of its CPU (docs/benchmarks.md, #13). Those are left out for the
resource paths; everything else — security headers, the host check, the audit of refused
requests, the control-character guard, the error pages — runs as for any request, and a
middleware added to settings later runs there too unless it is listed below.
"""

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
site = get_wsgi_application()

from django.conf import settings  # noqa: E402 - after the settings are configured
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.urls import reverse  # noqa: E402

from civtrain.core.lean import LeanApp  # noqa: E402
from civtrain.exams import rest_api as exams_rest  # noqa: E402
from civtrain.learning import rest_api as learning_rest  # noqa: E402
from civtrain.xapi.urls import RESOURCE_NAMES  # noqa: E402

# Middleware that only serves a browser (see above); nothing about security among them.
BROWSER_ONLY = frozenset(
    {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "civtrain.web.middleware.ChineseFirstLocaleMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",  # the resources are csrf_exempt
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django_htmx.middleware.HtmxMiddleware",
        "civtrain.accounts.middleware.PasswordChangeRequiredMiddleware",
        "axes.middleware.AxesMiddleware",
    }
)


class MachineClientHandler(WSGIHandler):
    """Django's WSGI handler with the site's middleware less `skipped`."""

    def __init__(self, skipped: Iterable[str]) -> None:
        self.skipped = frozenset(skipped)
        super().__init__()

    def load_middleware(self, is_async: bool = False) -> None:
        # Django builds the chain from settings.MIDDLEWARE; it is set aside for the moment
        # of building (at start-up, before any request) and put back.
        everything = settings.MIDDLEWARE
        settings.MIDDLEWARE = [m for m in everything if m not in self.skipped]
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = everything


lrs = MachineClientHandler(BROWSER_ONLY)
LRS_PATHS = frozenset(reverse(f"xapi:{name}") for name in RESOURCE_NAMES)


def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    if environ.get("PATH_INFO") in LRS_PATHS:
        return lrs(environ, start_response)
    return site(environ, start_response)


# The player's heartbeats and the candidate's answer saves, answered in front of the request
# stack when they carry their capability and are plain (civtrain.core.lean, ADR 0029).
application = LeanApp(
    dispatch,
    [
        *(route.under("/api/v1/learning") for route in learning_rest.LEAN_ROUTES),
        *(route.under("/api/v1/exams") for route in exams_rest.LEAN_ROUTES),
    ],
)
