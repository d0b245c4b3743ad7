"""Page latency of the people list and the org tree at a realistic roster size.

A bench city with one district and 100 units gets `size` people (inserted directly, already
encrypted); a city-bureau user opens pages through Django's test client (the whole request:
middleware, scoping, query, template). Baseline, in the same run: the plain ORM work the
page cannot avoid — the same 50 rows with their units plus the count — without scoping or
rendering. Everything created is removed afterwards.
"""

import datetime as dt
import statistics
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import Substr
from django.test import Client, override_settings

from bench import Measurement, benchmark, timer
from bench._served import login
from civtrain.accounts.api import SYSTEM, Role, role_assign, user_create
from civtrain.core import crypto
from civtrain.core.audit_chain import audit_purge_declare
from civtrain.organisations.api import OrgKind, org_by_codes, org_create
from civtrain.people.data import id_check_digit, mask_id_number
from civtrain.people.models import ID_CONTEXT, Person

PREFIX = "BENCH-P"
UNITS = 100
REPEAT = 15
REGION = "990102"  # no real region: bench people never collide with real ID numbers
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def _progress(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _id_number(i: int) -> str:
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=i % 14000)
    first17 = f"{REGION}{birth:%Y%m%d}{i // 14000:03d}"
    return first17 + id_check_digit(first17)


@contextmanager
def _bench_city(size: int) -> Iterator[tuple[dict[str, int], Any]]:
    org_create(actor=SYSTEM, code=PREFIX, name="页面基准市", kind=OrgKind.CITY)
    org_create(
        actor=SYSTEM,
        code=f"{PREFIX}-D",
        name="页面基准区",
        kind=OrgKind.DISTRICT,
        parent_code=PREFIX,
    )
    for u in range(UNITS):
        org_create(
            actor=SYSTEM,
            code=f"{PREFIX}-U{u:03d}",
            name=f"页面基准单位{u}",
            kind=OrgKind.UNIT,
            parent_code=f"{PREFIX}-D",
        )
    nodes = {code: n.id for code, n in org_by_codes().items() if code.startswith(PREFIX)}
    user = user_create(actor=SYSTEM, username=f"{PREFIX.lower()}-city", display_name="基准")
    role_assign(actor=SYSTEM, user=user, role=Role.CITY_BUREAU, org_id=nodes[PREFIX])
    # One ciphertext for all rows: the pages never decrypt, and encrypting is not measured.
    blob = crypto.encrypt(_id_number(0), context=ID_CONTEXT)
    units = [nodes[f"{PREFIX}-U{u:03d}"] for u in range(UNITS)]
    _progress(f"inserting {size} people …")
    with transaction.atomic():
        Person.objects.bulk_create(
            (
                Person(
                    name=SURNAMES[i % 20] + GIVEN[(i // 20) % 20] + GIVEN[(i // 400) % 20],
                    id_number_enc=blob,
                    id_number_hash=crypto.lookup_hash(_id_number(i), context=ID_CONTEXT),
                    id_number_masked=mask_id_number(_id_number(i)),
                    gender="M" if i % 2 else "F",
                    unit_id=units[i % UNITS],
                    category="general",
                    rank="一级科员",
                    grassroots=i % 3 == 0,
                )
                for i in range(size)
            ),
            batch_size=2000,
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # as autovacuum would after a bulk load
            cursor.execute("ANALYZE people_person")
            cursor.execute("ANALYZE organisations_orgnode")
    try:
        yield nodes, user
    finally:
        with transaction.atomic(), connection.cursor() as cursor:
            ids = list(nodes.values())
            marks = ",".join(["%s"] * len(ids))
            cursor.execute(f"DELETE FROM people_person WHERE unit_id IN ({marks})", ids)
            cursor.execute("DELETE FROM accounts_roleassignment WHERE user_id = %s", [user.pk])
            cursor.execute("DELETE FROM otp_totp_totpdevice WHERE user_id = %s", [user.pk])
            cursor.execute("DELETE FROM accounts_user WHERE id = %s", [user.pk])
            audit_purge_declare(cursor)
            cursor.execute("DELETE FROM core_auditevent WHERE object_label LIKE %s", ["%基准%"])
            for code in sorted(nodes, key=lambda c: -c.count("-")):
                cursor.execute("DELETE FROM organisations_orgnode WHERE id = %s", [nodes[code]])


def _median_ms(func: Callable[[], object]) -> float:
    func()  # warm caches (templates, session, query plans)
    samples = []
    for _ in range(REPEAT):
        with timer() as elapsed:
            func()
        samples.append(elapsed() * 1000)
    return statistics.median(samples)


def _client(user: Any) -> Client:
    """Signed in as the login page leaves a bureau official: password and second factor
    (without it every request times SecondFactorRequiredMiddleware's redirect)."""
    client = Client(HTTP_HOST="127.0.0.1")
    login(client, user)
    return client


@benchmark(
    "people_list_page",
    default_size=100_000,
    description="people list page (first 50 of a city, sorted by name) median ms",
)
def people_list_page_bench(size: int) -> Measurement:
    with _bench_city(size) as (nodes, user), override_settings(STORAGES=PLAIN_STATIC):
        client = _client(user)
        city_path = Person.objects.filter(unit_id=nodes[f"{PREFIX}-U000"]).values_list(
            "unit__path", flat=True
        )[0][:10]

        def page() -> None:
            response = client.get("/people/", {"sort": "name"})
            assert response.status_code == 200

        def plain() -> None:
            qs = Person.objects.filter(unit__path__startswith=city_path).select_related("unit")
            rows = list(qs.order_by("name", "id")[:50])
            assert len(rows) == 50 and qs.count() == size

        value, baseline = _median_ms(page), _median_ms(plain)
    _progress(f"people list: page {value:.1f} ms, plain query {baseline:.1f} ms")
    return Measurement(
        value=value,
        unit="ms",
        baseline=baseline,
        target="<= 500 ms at 100,000 people",
        higher_is_better=False,
    )


@benchmark(
    "org_tree_children",
    default_size=100_000,
    description="org tree: children of a district with 100 units and their people counts, ms",
)
def org_tree_children_bench(size: int) -> Measurement:
    with _bench_city(size) as (nodes, user), override_settings(STORAGES=PLAIN_STATIC):
        client = _client(user)
        district = nodes[f"{PREFIX}-D"]
        prefix = org_by_codes([f"{PREFIX}-D"])[f"{PREFIX}-D"].path

        def page() -> None:
            response = client.get(f"/orgs/{district}/children/")
            assert response.status_code == 200

        def plain() -> None:
            rows = (
                Person.objects.filter(unit__path__startswith=prefix, status="active")
                .annotate(p=Substr("unit__path", 1, len(prefix) + 10))
                .values("p")
                .annotate(n=Count("id"))
                .order_by()
            )
            assert len(list(rows)) == UNITS

        value, baseline = _median_ms(page), _median_ms(plain)
    _progress(f"org children: page {value:.1f} ms, plain GROUP BY {baseline:.1f} ms")
    return Measurement(
        value=value,
        unit="ms",
        baseline=baseline,
        target="<= 500 ms at 100,000 people",
        higher_is_better=False,
    )
