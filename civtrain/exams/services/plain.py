"""The benchmark's baseline write (bench/exams.py): one row, nothing checked, no audit."""

from civtrain.core import clock
from civtrain.exams.models import PlainInsert


def plain_insert(*, value: str) -> None:
    PlainInsert.objects.create(value=value, at=clock.now())
