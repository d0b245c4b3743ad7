"""kill -9 during a roster import (#17 "must show": faults): the people written before the
kill were inside the import's transaction and are gone with it; the rerun imports everyone
once (civtrain.core.tests.faults: a real process, a real SIGKILL)."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from civtrain import testing
from civtrain.core.models import AuditEvent
from civtrain.core.tabular import write_table
from civtrain.core.tests.faults import kill_when_paused, paused_progress, run_to_the_end, start
from civtrain.people.imports import ROSTER_HEADERS
from civtrain.people.management.commands import import_roster
from civtrain.people.models import Person

pytestmark = pytest.mark.django_db(transaction=True)
HOOK = "civtrain.people.tests.test_faults:import_roster_paused"


def import_roster_paused(path: str, pause_at: int) -> None:
    """In the worker process: `civtrain import-roster FILE`, pausing after `pause_at` people
    are written (inside its transaction)."""
    real = import_roster.roster_import

    def roster_import(source: Any, *, progress: Any = None, **kwargs: Any) -> Any:
        return real(source, progress=paused_progress(progress, pause_at), **kwargs)

    import_roster.roster_import = roster_import  # type: ignore[assignment]
    call_command("import_roster", path, verbosity=0)


def roster_row(name: str, id_number: str) -> list[Any]:
    values = {
        "姓名": name,
        "身份证号": id_number,
        "单位编码": "U1",
        "人员类别": "综合管理类",
        "职级": "一级科员",
        "是否基层": "否",
        "是否机关基础岗位": "是",
        "是否行政执法": "否",
        "报到日期": "2015-03-01",
        "手机号": "13800138000",
    }
    return [values.get(h, "") for h in ROSTER_HEADERS]


def test_kill_9_during_a_roster_import_writes_no_one_and_the_rerun_imports_everyone(
    tree: Any, tmp_path: Path
) -> None:
    numbers = [
        testing.make_id_number(dt.date(1980 + n % 20, 1 + n % 12, 1 + n % 28), serial=100 + n)
        for n in range(600)
    ]
    path = tmp_path / "roster.csv"
    rows = [roster_row(f"故障{n}", number) for n, number in enumerate(numbers)]
    path.write_bytes(write_table(list(ROSTER_HEADERS), rows, fmt="csv"))
    people_before, audit_before = Person.objects.count(), AuditEvent.objects.count()

    kill_when_paused(start(HOOK, str(path), 1))

    # People were written inside the import's transaction; the kill rolled it back.
    assert Person.objects.count() == people_before
    assert not Person.objects.filter(name__startswith="故障").exists()
    assert AuditEvent.objects.count() == audit_before  # no audit row for work undone

    run_to_the_end(HOOK, str(path))
    assert Person.objects.filter(name__startswith="故障").count() == len(numbers)
    assert AuditEvent.objects.filter(action="person.create").count() >= len(numbers)
