"""The benchmark's baseline write (bench/exams.py): one row, nothing checked, no audit."""

from django.db import connection

from civtrain.core import clock, lean
from civtrain.exams.models import PlainInsert


def plain_insert(*, value: str) -> None:
    """As a save writes its row: one prepared statement (core.lean.run)."""
    table = PlainInsert._meta.db_table
    at = connection.ops.adapt_datetimefield_value(clock.now())
    lean.run(f'INSERT INTO "{table}" (value, at) VALUES (%s, %s)', [value, at])  # noqa: S608 - the model's table, values bound
