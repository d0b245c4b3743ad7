"""The ledger's outbox (ADR 0013): which (person, year) pairs changed, recorded in the
writer's own transaction and pulled by the apps that derive state from the ledger.

The ledger is a lower app than compliance and may not call it; a signal sent after commit
hid that flow from the import linter and lost it when the process died between the two
commits. A row here commits or rolls back with the entries that caused it, and the puller
deletes what it took in the same transaction in which it records what it will do about it.
"""

from collections.abc import Iterable

from django.db import connection, transaction

from civtrain.core import clock
from civtrain.credits.models import LedgerChange


def changes_record(pairs: Iterable[tuple[int, int]]) -> None:
    """Record (person, year) pairs inside the caller's transaction (one statement); a pair
    still waiting gets the newer time."""
    unique = sorted(set(pairs))
    if not unique:
        return
    now = clock.now()
    if connection.vendor == "postgresql":
        table = LedgerChange._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (person_id, year, changed_at) "  # nosec B608  # noqa: S608 - own table
                "SELECT p, y, %s FROM unnest(%s::bigint[], %s::int[]) AS t(p, y) "
                "ON CONFLICT (person_id, year) DO UPDATE SET changed_at = EXCLUDED.changed_at",
                [now, [p for p, _ in unique], [y for _, y in unique]],
            )
        return
    LedgerChange.objects.bulk_create(
        [LedgerChange(person_id=p, year=y, changed_at=now) for p, y in unique],
        update_conflicts=True,
        unique_fields=["person", "year"],
        update_fields=["changed_at"],
        batch_size=5000,
    )


def changes_take(*, limit: int = 50_000) -> list[tuple[int, int]]:
    """Remove and return up to `limit` waiting (person, year) pairs, oldest first.

    Call it inside the transaction that records what the caller does with them: if that
    transaction rolls back, the pairs are still waiting. On PostgreSQL concurrent pullers
    skip each other's rows; a writer that re-records a pair being taken waits for the
    taker's commit and then records it anew, so no change is lost."""
    with transaction.atomic():
        qs = LedgerChange.objects.order_by("id")
        if connection.vendor == "postgresql":
            qs = qs.select_for_update(skip_locked=True)
        rows = list(qs.values_list("id", "person_id", "year")[:limit])
        if rows:
            LedgerChange.objects.filter(id__in=[r[0] for r in rows]).delete()
    return [(person, year) for _, person, year in rows]


def changes_waiting() -> list[tuple[int, int]]:
    """The (person, year) pairs waiting to be pulled, without taking them."""
    return sorted(LedgerChange.objects.values_list("person_id", "year"))
