"""Plain bulk inserts and the background COPY writer (issue 2: roster import speed)."""

import pytest
from django.db import IntegrityError, connection, transaction

from civtrain.core import clock
from civtrain.core.bulk import copy_in_background, insert_rows, reserve_ids
from civtrain.core.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


def _rows(ids: list[int], action: str) -> list[list[object]]:
    at = clock.now()
    return [[pk, at, action, "test", str(pk), {"n": pk}] for pk in ids]


COLUMNS = ["id", "at", "action", "object_type", "object_id", "changes"]


def test_rows_written_in_background_are_there_after_the_block() -> None:
    with transaction.atomic():
        ids = reserve_ids(AuditEvent, 3)
        with copy_in_background() as writer:
            assert insert_rows(AuditEvent, COLUMNS, _rows(ids, "bulk.ok"), writer=writer) == 3
        # The block waits for its COPYs: the rows are readable inside the transaction.
        stored = list(
            AuditEvent.objects.filter(action="bulk.ok").order_by("id").values_list("id", "changes")
        )
    assert stored == [(pk, {"n": pk}) for pk in ids]
    # Fields not given get their defaults.
    event = AuditEvent.objects.get(pk=ids[0])
    assert (event.actor_id, event.object_label, event.org_path) == (None, "", "")


def test_a_failed_background_copy_raises_and_nothing_stays() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ids = reserve_ids(AuditEvent, 2)
        with copy_in_background() as writer:
            insert_rows(AuditEvent, COLUMNS, _rows(ids, "bulk.failed"), writer=writer)
            again = _rows(ids[:1], "bulk.failed")  # same id again
            insert_rows(AuditEvent, COLUMNS, again, writer=writer)
    assert not AuditEvent.objects.filter(action="bulk.failed").exists()


def test_an_error_in_the_block_stops_the_writer_before_the_rollback() -> None:
    with pytest.raises(RuntimeError, match="caller failed"), transaction.atomic():
        ids = reserve_ids(AuditEvent, 2)
        with copy_in_background() as writer:
            insert_rows(AuditEvent, COLUMNS, _rows(ids, "bulk.cancelled"), writer=writer)
            raise RuntimeError("caller failed")
    assert not AuditEvent.objects.filter(action="bulk.cancelled").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the writer thread is PostgreSQL's")
def test_background_copy_needs_a_transaction() -> None:
    with pytest.raises(RuntimeError, match="transaction"), copy_in_background():
        pass


def test_inserts_not_given_the_writer_are_written_at_once() -> None:
    """#9 item 7: the background writer is handed over explicitly. Another caller's insert
    inside the block (another app's, say) is not switched over to it unseen: it is written
    before insert_rows returns, and its error is raised right there."""
    with transaction.atomic():
        ids = reserve_ids(AuditEvent, 4)
        insert_rows(AuditEvent, COLUMNS, _rows(ids[3:], "bulk.before"))
        with copy_in_background() as writer:
            # (Raised before anything is queued: a savepoint rolled back inside the block
            # would take queued rows with it.)
            with pytest.raises(IntegrityError):
                insert_rows(AuditEvent, COLUMNS, _rows(ids[3:], "bulk.again"))  # same id
            insert_rows(AuditEvent, COLUMNS, _rows(ids[:1], "bulk.queued"), writer=writer)
            insert_rows(AuditEvent, COLUMNS, _rows(ids[1:3], "bulk.direct"))
            assert AuditEvent.objects.filter(action="bulk.direct").count() == 2
    actions = AuditEvent.objects.filter(pk__in=ids).values_list("action", flat=True)
    assert sorted(actions) == ["bulk.before", "bulk.direct", "bulk.direct", "bulk.queued"]
