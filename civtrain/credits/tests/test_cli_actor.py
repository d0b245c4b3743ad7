"""`import-records --actor` scopes every actor (#8 item 12): no "non-personnel is trusted"."""

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civtrain import testing
from civtrain.core.tabular import write_table
from civtrain.credits.imports import RECORD_HEADERS
from civtrain.credits.models import LedgerEntry
from civtrain.credits.tests.test_imports import good


@pytest.fixture
def records(tree: Any, tmp_path: Path) -> Path:
    number = testing.make_id_number(serial=601)
    testing.make_person(tree["U1"], "张三", id_number=number)
    path = tmp_path / "records.csv"
    path.write_bytes(write_table(RECORD_HEADERS, [good(number)], fmt="csv"))
    return path


@pytest.mark.parametrize("who", ["teacher", "institution", "evaluator", "other_city"])
def test_an_actor_without_personnel_scope_over_the_person_writes_nothing(
    records: Path, actors: dict[str, Any], who: str
) -> None:
    # Before the fix a teacher, an institution or an evaluator wrote anyone's ledger.
    with pytest.raises(CommandError, match="1 行有错误"):
        call_command(
            "import_records", str(records), "--actor", actors[who].username, stdout=StringIO()
        )
    assert LedgerEntry.objects.count() == 0


def test_personnel_in_scope_and_the_system_still_import(
    records: Path, actors: dict[str, Any]
) -> None:
    call_command(
        "import_records", str(records), "--actor", actors["unit_hr"].username, stdout=StringIO()
    )
    assert LedgerEntry.objects.count() == 1
    # Without --actor the command acts as the system (whole tree), as documented.
    call_command("import_records", str(records), stdout=StringIO())
    assert LedgerEntry.objects.count() == 1  # the same rows: idempotent
