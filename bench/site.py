"""Every page's time as each demo role on the demo data (issue #11 must-show).

`pages_all_roles`: each demo account (the nine staff roles and the two learners) walks the
site from its home page the way the page-size test does (civtrain.web.sitewalk: every link,
three URLs per URL pattern); each page found is then requested `size` more times through
Django's test client (the whole request: middleware, scoping, queries, template). The value
is the worst page's 95th percentile; the baseline, in the same run, is the 95th percentile of
the login page for an anonymous visitor (a template and the middleware, no data), the floor
any page pays. Target: no page slower than 300 ms at p95.

Data: the demo data already in the database (`make run` builds it); on an empty database the
demo is built (2,000 people, as `civtrain demo-data` does) inside a transaction that is rolled
back afterwards, so nothing is left behind.
"""

import statistics
import sys
from typing import Any

from django.db import transaction
from django.test import Client, override_settings

from bench import Measurement, benchmark, timer
from bench._served import login
from bench.pages import PLAIN_STATIC
from civtrain.accounts.api import User
from civtrain.core import clock
from civtrain.demo.accounts import STAFF
from civtrain.demo.steps import DemoContext, run_all
from civtrain.people.api import person_any
from civtrain.web import sitewalk

TARGET_MS = 300.0
SLOWEST_SHOWN = 10


class _Rollback(Exception):
    pass


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def _times(client: Client, path: str, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        with timer() as elapsed:
            client.get(path)
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
    for user in _accounts():
        client = Client()
        login(client, user)
        for visit in sitewalk.walk(client):
            if visit.status == 200:
                p95 = _p95(_times(client, visit.path, repeat))
                slowest.append((p95, user.username, visit.path))
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
        if person_any():
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
