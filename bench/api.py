"""JSON API latency on a realistic roster: the people list and an exact ID-number lookup.

Reuses the page benchmarks' bench city (one district, 100 units, `size` people, removed
afterwards). Requests go through the whole stack with a bearer token (auth, scoping,
pydantic serialisation); the baseline, in the same run, is the plain ORM work the endpoint
cannot avoid: the same 50 rows with their units plus the count.
"""

from django.db import connection
from django.test import Client, override_settings

from bench import Measurement, benchmark
from bench.pages import PLAIN_STATIC, PREFIX, _bench_city, _id_number, _median_ms, _progress
from civtrain.accounts.api import SYSTEM, api_token_create
from civtrain.core import crypto
from civtrain.people.models import ID_CONTEXT, Person


def _measure(size: int, query: str, plain_filter: dict, expect: int) -> tuple[float, float]:
    with _bench_city(size) as (nodes, user), override_settings(STORAGES=PLAIN_STATIC):
        key = api_token_create(actor=SYSTEM, user=user, name="bench")
        client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {key}")
        city_path = Person.objects.filter(unit_id=nodes[f"{PREFIX}-U000"]).values_list(
            "unit__path", flat=True
        )[0][:10]

        def endpoint() -> None:
            response = client.get("/api/v1/people" + query)
            assert response.status_code == 200, response.content[:300]
            assert response.json()["count"] == expect

        def plain() -> None:
            qs = Person.objects.filter(unit__path__startswith=city_path, **plain_filter)
            rows = list(qs.select_related("unit").order_by("unit__path", "name", "id")[:50])
            assert len(rows) == min(50, expect) and qs.count() == expect

        try:
            return _median_ms(endpoint), _median_ms(plain)
        finally:
            with connection.cursor() as cursor:  # the bench city's cleanup deletes the user
                cursor.execute("DELETE FROM accounts_apitoken WHERE user_id = %s", [user.pk])


@benchmark(
    "api_people_list",
    default_size=100_000,
    description="GET /api/v1/people?limit=50 over a city (token auth) median ms",
)
def api_people_list_bench(size: int) -> Measurement:
    value, baseline = _measure(size, "?limit=50", {}, size)
    _progress(f"api people list: endpoint {value:.1f} ms, plain query {baseline:.1f} ms")
    return Measurement(
        value=value,
        unit="ms",
        baseline=baseline,
        target="<= 500 ms at 100,000 people",
        higher_is_better=False,
    )


@benchmark(
    "api_people_id_lookup",
    default_size=100_000,
    description="GET /api/v1/people?id_number=… (keyed-hash lookup, token auth) median ms",
)
def api_people_id_lookup_bench(size: int) -> Measurement:
    number = _id_number(size // 2)
    key = crypto.lookup_hash(number, context=ID_CONTEXT)
    value, baseline = _measure(size, f"?id_number={number}", {"id_number_hash": key}, 1)
    _progress(f"api id lookup: endpoint {value:.1f} ms, plain query {baseline:.1f} ms")
    return Measurement(
        value=value,
        unit="ms",
        baseline=baseline,
        target="<= 100 ms at 100,000 people",
        higher_is_better=False,
    )
