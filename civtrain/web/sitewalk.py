"""Walk the site as one signed-in user, the way they would click through it (issue #11 must-show).

Starting from the home page, every same-site link (`href`, `hx-get`) in each HTML page is
followed, and what a browser fetches for the page's media (`src`, a video's `poster`): a few
concrete URLs per URL pattern (the tenth person page tells nothing the third did not). Only
GET, never `/logout/` or the language switch; downloads are fetched and recorded but not
parsed. Used by the page-size test (every page under 500 KB of HTML on the
demo data) and by the `pages_all_roles` benchmark (every page's time per role).
"""

import logging
import re
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

LINK = re.compile(r"""(?:href|hx-get|hx-post|action|src|poster)\s*=\s*["']([^"'#][^"']*)["']""")
SKIP_PREFIXES = ("/static/", "/media/", "/logout/", "/i18n/", "/api/")
PER_ROUTE = 3
MAX_PAGES = 400


@dataclass(frozen=True)
class Visit:
    path: str
    route: str  # the URL pattern, e.g. "people/<int:person_id>/"
    status: int
    html_bytes: int  # 0 for anything that is not HTML
    ms: float


def routes() -> list[str]:
    """Every pattern of the URL conf as a route string, API included."""

    def patterns_of(patterns: list, prefix: str) -> Iterator[str]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from patterns_of(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    return sorted(set(patterns_of(get_resolver().url_patterns, "")))


def route_of(path: str) -> str | None:
    try:
        return resolve(path).route
    except Resolver404:
        return None


def _links(body: str, base: str) -> Iterator[str]:
    for raw in LINK.findall(body):
        url = urldefrag(urljoin(base, raw.replace("&amp;", "&")))[0]
        parts = urlsplit(url)
        if parts.scheme in ("", "http", "https") and parts.netloc in ("", "testserver"):
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path.startswith("/") and not path.startswith(SKIP_PREFIXES):
                yield path


@contextmanager
def _expected_405s_unlogged() -> Iterator[None]:
    """A GET of a form's URL answers 405 by design; the walk does not log each one."""
    log = logging.getLogger("django.request")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def walk(client: Client, start: str = "/", per_route: int = PER_ROUTE) -> list[Visit]:
    """Breadth-first from `start`; at most `per_route` URLs per pattern and MAX_PAGES in all."""
    seen: set[str] = {start}
    per: dict[str, int] = {}
    queue: deque[str] = deque([start])
    visits: list[Visit] = []
    with _expected_405s_unlogged():
        while queue and len(visits) < MAX_PAGES:
            path = queue.popleft()
            route = route_of(path.split("?")[0])
            if route is None or per.get(route, 0) >= per_route:
                continue
            per[route] = per.get(route, 0) + 1
            began = time.perf_counter()
            response = client.get(path)
            ms = (time.perf_counter() - began) * 1000
            is_html = response.get("Content-Type", "").startswith("text/html")
            body = response.content if is_html and not response.streaming else b""
            visits.append(Visit(path, route, response.status_code, len(body), ms))
            if response.status_code == 200 and body:
                for link in _links(body.decode("utf-8", "replace"), path):
                    if link not in seen:
                        seen.add(link)
                        queue.append(link)
    return visits
