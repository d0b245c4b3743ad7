"""Every page's time as each demo role on the demo data (issue #11 must-show).

`pages_all_roles`: each demo account (the nine staff roles and the two learners) walks the
site from its home page the way the page-size test does (civtrain.web.sitewalk: every link,
three URLs per URL pattern); each page found is then requested `size` more times through
Django's test client (the whole request: middleware, scoping, queries, template). The value
is the worst page's 95th percentile; the baseline, in the same run, is the 95th percentile of
the login page for an anonymous visitor (a template and the middleware, no data), the floor
any page pays. Target: no page slower than 300 ms at p95.

Data: the demo data already in the database (`make run` builds it); on a database without
the demo's accounts the demo is built (2,000 people, as `civtrain demo-data` does) inside a
transaction that is rolled back afterwards, so nothing is left behind.
"""

import statistics
import sys
from collections import Counter
from typing import Any

from django.db import transaction
from django.test import Client, override_settings

from bench import Measurement, benchmark, timer
from bench._served import BenchFailed, login, require_answers
from bench.pages import PLAIN_STATIC
from civtrain.accounts.api import User
from civtrain.core import clock
from civtrain.demo.accounts import STAFF
from civtrain.demo.steps import DemoContext, run_all
from civtrain.web import sitewalk

TARGET_MS = 300.0
SLOWEST_SHOWN = 10


class _Rollback(Exception):
    pass


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def _times(
    client: Client, path: str, repeat: int, errors: Counter[int] | None = None
) -> list[float]:
    """Times of `repeat` GETs of `path`; an answer other than 200 is counted in `errors` and
    not timed (a redirect to the login or second-factor page is not the page)."""
    samples = []
    for _ in range(repeat):
        with timer() as elapsed:
            status = client.get(path).status_code
        if status != 200 and errors is not None:
            errors[status] += 1
            continue
        samples.append(elapsed() * 1000)
    return samples


def _accounts() -> list[Any]:
    staff = list(User.objects.filter(username__in=[s[1] for s in STAFF]))
    # The demo learners: the accounts of people that were given a password ("!" = none).
    learners = list(
        User.objects.filter(person__isnull=False).exclude(password__startswith="!")[:2]  # noqa: S106
    )
    return staff + learners


def _measure(repeat: int) -> Measurement:
    slowest: list[tuple[float, str, str]] = []
    errors: Counter[int] = Counter()
    walked: Counter[int] = Counter()
    for user in _accounts():
        client = Client()
        login(client, user)
        for visit in sitewalk.walk(client):
            walked[visit.status] += 1
            if visit.status == 200:
                times = _times(client, visit.path, repeat, errors)
                if len(times) > 1:
                    slowest.append((_p95(times), user.username, visit.path))
    sys.stderr.write(f"pages walked, by status: {dict(sorted(walked.items()))}\n")
    # The walk meets 403/404/405 by design (links a role may not follow); the timed requests
    # are of pages first answered 200, and must keep being answered 200.
    require_answers("pages_all_roles", len(slowest) * repeat, errors)
    if not slowest or walked[200] < sum(walked.values()) / 2:
        raise BenchFailed(f"pages_all_roles: most pages were not answered 200: {dict(walked)}")
    slowest.sort(reverse=True)
    baseline = _p95(_times(Client(), "/login/", repeat))
    for p95, username, path in slowest[:SLOWEST_SHOWN]:
        sys.stderr.write(f"{p95:8.1f} ms p95  {username:16} {path}\n")
    sys.stderr.write(f"{len(slowest)} pages; login page p95 {baseline:.1f} ms\n")
    return Measurement(
        value=slowest[0][0],
        unit="ms",
        baseline=baseline,
        target=f"<= {TARGET_MS:.0f} ms p95 for every page as every demo role",
        higher_is_better=False,
    )


@benchmark(
    "pages_all_roles",
    default_size=20,
    description="worst page's p95 ms, every page as every demo role (size = requests a page)",
)
def pages_all_roles_bench(size: int) -> Measurement:
    with override_settings(STORAGES=PLAIN_STATIC, ALLOWED_HOSTS=["testserver"]):
        # The demo's accounts, not just any person: other benches leave their own people.
        if User.objects.filter(username__in=[s[1] for s in STAFF]).exists():
            return _measure(size)
        result: list[Measurement] = []
        try:
            with transaction.atomic():
                sys.stderr.write("no data: building the demo (rolled back afterwards) …\n")
                ctx = run_all(DemoContext(seed=1, people=2000, as_of=clock.today()))
                assert ctx.accounts
                result.append(_measure(size))
                raise _Rollback
        except _Rollback:
            pass
        return result[0]
