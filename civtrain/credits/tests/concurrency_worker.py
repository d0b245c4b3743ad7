"""A separate process that writes ledger entries (spawned by test_concurrency)."""

import datetime as dt
import os
from decimal import Decimal


def write(args: tuple[str, int, list[int], int]) -> int:
    """Worker `n` writes `count` entries spread over `person_ids`, plus one shared source per
    person that every worker also writes (only one may land); returns entries it created."""
    db_name, n, person_ids, count = args
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = db_name
    django.setup()
    from django.db import connection

    from civtrain.accounts.api import SYSTEM
    from civtrain.credits.api import EntryInput, credit_entries_bulk_record, credit_entry_record

    created = 0
    for i in range(count):
        pid = person_ids[i % len(person_ids)]
        entry = credit_entry_record(
            actor=SYSTEM,
            person_id=pid,
            title=f"并发写入{n}-{i}",
            date=dt.date(2026, 1 + i % 12, 1 + n),
            hours=Decimal(1 + i % 5),
            subject_hours={"law": Decimal(1)},
            training_type="in_service",
            mode="online",
            source_type="online_course",
            source_ref=f"w{n}:{i}",
        )
        created += int(entry.created)
        if i % 10 == 0:
            shared = credit_entry_record(
                actor=SYSTEM,
                person_id=pid,
                title="共享来源",
                date=dt.date(2026, 6, 1),
                hours=Decimal(2),
                training_type="in_service",
                mode="online",
                source_type="class",
                source_ref=f"shared:{i}",
            )
            created += int(shared.created)
    batch = [
        EntryInput(
            person_id=pid,
            title=f"批量{n}",
            date=dt.date(2026, 7, 1),
            hours=Decimal(3),
            training_type="in_service",
            mode="online",
            source_type="class",
            source_ref=f"bulk:{n}:{pid}",
        )
        for pid in person_ids
    ]
    created += credit_entries_bulk_record(actor=SYSTEM, entries=batch).created
    connection.close()
    return created
