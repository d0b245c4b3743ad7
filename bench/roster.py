"""Roster import and export throughput (issue 2 "must show": ≥ 5,000 rows/s on PostgreSQL).

Both run against a fresh set of units made for the run and remove everything they created
(people, learner accounts, audit rows, units) afterwards. The import is timed end to end:
reading the .xlsx, validating every row, encrypting, writing people, learner accounts and
audit rows. Its baseline writes the same Person rows, already encrypted, with one plain
bulk_create. The export is timed as the CSV export with clear ID and phone numbers against
a plain values_list dump of the same rows to CSV.
"""

import csv
import datetime as dt
import io
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from django.db import connection, transaction

from bench import Measurement, benchmark, timer
from civtrain.accounts.api import SYSTEM
from civtrain.core import crypto
from civtrain.core.audit_chain import audit_purge_declare
from civtrain.core.models import AuditEvent
from civtrain.core.tabular import cyclic_gc_paused, write_table
from civtrain.organisations.api import OrgKind, org_by_codes, org_create
from civtrain.people.data import id_check_digit, mask_id_number, mask_phone
from civtrain.people.exports import ExportRequest, roster_export
from civtrain.people.imports import ROSTER_HEADERS, roster_import
from civtrain.people.models import ID_CONTEXT, PHONE_CONTEXT, Person

PREFIX = "BENCH-R"
UNITS = 50
REGION = "990101"  # no real region: bench people never collide with real ID numbers
RANKS = ("一级科员", "二级科员", "四级主任科员", "三级主任科员", "一级主任科员", "四级调研员")
LEVELS = ("", "", "", "乡科级副职", "乡科级正职", "县处级副职")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def _id_number(i: int) -> str:
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=i % 14000)
    first17 = f"{REGION}{birth:%Y%m%d}{i // 14000:03d}"
    return first17 + id_check_digit(first17)


def _rows(n: int) -> Iterator[list[object]]:
    for i in range(n):
        id_number = _id_number(i)
        yield [
            SURNAMES[i % 20] + GIVEN[(i // 20) % 20] + GIVEN[(i // 400) % 20],
            id_number,
            "男" if int(id_number[16]) % 2 else "女",
            "",
            f"{PREFIX}-U{i % UNITS:02d}",
            "综合管理类",
            RANKS[i % len(RANKS)],
            LEVELS[i % len(LEVELS)],
            "是" if i % 3 == 0 else "否",
            "是" if i % 2 == 0 else "否",
            "否",
            dt.date(2010, 1, 1) + dt.timedelta(days=i % 4000),
            f"139{i:08d}",
        ]


def _server_pid() -> int | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def _server_cpu(pid: int | None) -> float:
    """CPU seconds of the PostgreSQL backend serving this connection (same host only)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _progress(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


@contextmanager
def _bench_units() -> Iterator[dict[str, int]]:
    """A city with one district and UNITS units, removed afterwards with all it holds."""
    org_create(actor=SYSTEM, code=PREFIX, name="基准测试市", kind=OrgKind.CITY)
    org_create(
        actor=SYSTEM, code=f"{PREFIX}-D", name="基准区", kind=OrgKind.DISTRICT, parent_code=PREFIX
    )
    for u in range(UNITS):
        org_create(
            actor=SYSTEM,
            code=f"{PREFIX}-U{u:02d}",
            name=f"基准单位{u}",
            kind=OrgKind.UNIT,
            parent_code=f"{PREFIX}-D",
        )
    nodes = {code: n.id for code, n in org_by_codes().items() if code.startswith(PREFIX)}
    first_audit = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    try:
        yield nodes
    finally:
        _clean(nodes, first_audit)


def _clean_people(unit_ids: list[int]) -> None:
    """Remove bench people and their learner accounts with plain DELETEs (no collector)."""
    with connection.cursor() as cursor:
        marks = ",".join(["%s"] * len(unit_ids))
        cursor.execute(
            f"CREATE TEMPORARY TABLE bench_users AS SELECT user_id FROM people_person "
            f"WHERE unit_id IN ({marks}) AND user_id IS NOT NULL",
            unit_ids,
        )
        for sql in (
            f"DELETE FROM people_careerevent WHERE person_id IN "
            f"(SELECT id FROM people_person WHERE unit_id IN ({marks}))",
            f"DELETE FROM people_person WHERE unit_id IN ({marks})",
        ):
            cursor.execute(sql, unit_ids)
        cursor.execute(
            "DELETE FROM accounts_roleassignment WHERE user_id IN (SELECT user_id FROM bench_users)"
        )
        cursor.execute("DELETE FROM accounts_user WHERE id IN (SELECT user_id FROM bench_users)")
        cursor.execute("DROP TABLE bench_users")


def _clean(nodes: dict[str, int], first_audit: int) -> None:
    unit_ids = list(nodes.values())
    with transaction.atomic():
        _clean_people(unit_ids)
        with connection.cursor() as cursor:
            # Audit rows are append-only inside the app; the bench removes its own with SQL.
            audit_purge_declare(cursor)
            cursor.execute("DELETE FROM core_auditevent WHERE id > %s", [first_audit])
            for code in sorted(nodes, key=lambda c: -c.count("-")):
                cursor.execute("DELETE FROM organisations_orgnode WHERE id = %s", [nodes[code]])


def _plain_people(n: int, nodes: dict[str, int]) -> list[Person]:
    """The same rows as Person objects, encrypted ahead of time (the baseline's input)."""
    people = []
    for row in _rows(n):
        id_number, phone = str(row[1]), str(row[12])
        people.append(
            Person(
                name=str(row[0]),
                id_number_enc=crypto.encrypt(id_number, context=ID_CONTEXT),
                id_number_hash=crypto.lookup_hash(id_number, context=ID_CONTEXT),
                id_number_masked=mask_id_number(id_number),
                gender="M" if row[2] == "男" else "F",
                birth_date=dt.date(
                    int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])
                ),
                phone_enc=crypto.encrypt(phone, context=PHONE_CONTEXT),
                phone_masked=mask_phone(phone),
                unit_id=nodes[str(row[4])],
                category="general",
                rank=str(row[6]),
                grassroots=row[8] == "是",
                basic_post=row[9] == "是",
                reporting_date=cast(dt.date, row[11]),
            )
        )
    return people


@benchmark(
    "roster_import",
    default_size=100_000,
    description="full roster import (.xlsx → validated, encrypted people, accounts, audit) rows/s",
)
def roster_import_bench(size: int) -> Measurement:
    headers = list(ROSTER_HEADERS)
    _progress(f"generating a {size}-row roster …")
    data = write_table(headers, _rows(size), fmt="xlsx")
    with _bench_units() as nodes:
        _progress("importing …")
        server = _server_pid()
        server_cpu = _server_cpu(server)
        cpu = time.process_time()
        # As `civtrain import-roster` runs it: the command pauses the cyclic collector for its
        # own process (run_cli_import). A page's upload runs without (core.tabular, #9 item 7).
        with timer() as elapsed, cyclic_gc_paused():
            report, _ = roster_import(data, actor=SYSTEM, filename="bench.xlsx")
        seconds = elapsed()
        cpu = time.process_time() - cpu
        server_cpu = _server_cpu(server) - server_cpu
        assert report.ok and report.created == size, report.summary()
        # On a shared machine the wall time includes waiting for a CPU; the CPU times of
        # this process and of its PostgreSQL backend say what two free cores would do (the
        # import overlaps the two: core.bulk.copy_in_background).
        _progress(
            f"import: {seconds:.1f} s wall, {cpu:.1f} s CPU in this process, "
            f"{server_cpu:.1f} s in the database backend, load average "
            f"{os.getloadavg()[0]:.1f}; cleaning up …"
        )
        _clean_people(list(nodes.values()))
        people = _plain_people(size, nodes)
        with timer() as elapsed, transaction.atomic():
            Person.objects.bulk_create(people, batch_size=2000)
        base_seconds = elapsed()
        _progress(f"baseline bulk_create: {base_seconds:.1f} s")
    return Measurement(
        value=size / seconds,
        unit="rows/s",
        baseline=size / base_seconds,
        target=">= 5000 rows/s on postgresql",
    )


@benchmark(
    "roster_export",
    default_size=100_000,
    description="roster export to CSV with clear ID/phone numbers (audited) rows/s",
)
def roster_export_bench(size: int) -> Measurement:
    with _bench_units() as nodes:
        with transaction.atomic():
            Person.objects.bulk_create(_plain_people(size, nodes), batch_size=2000)
        with timer() as elapsed:
            count = roster_export(
                actor=SYSTEM, request=ExportRequest(fmt="csv", unit_code=PREFIX)
            ).rows
        seconds = elapsed()
        assert count == size
        with timer() as elapsed:
            count = roster_export(
                actor=SYSTEM, request=ExportRequest(fmt="xlsx", unit_code=PREFIX)
            ).rows
        _progress(f"export csv {seconds:.1f} s, xlsx {elapsed():.1f} s")
        with timer() as elapsed:
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(ROSTER_HEADERS)
            writer.writerows(
                Person.objects.filter(unit_id__in=list(nodes.values()))
                .values_list(
                    "name",
                    "id_number_masked",
                    "gender",
                    "birth_date",
                    "unit__code",
                    "category",
                    "rank",
                    "leadership_level",
                    "grassroots",
                    "basic_post",
                    "law_enforcement",
                    "reporting_date",
                    "phone_masked",
                )
                .iterator(5000)
            )
            out.getvalue().encode()
        base_seconds = elapsed()
    return Measurement(
        value=size / seconds,
        unit="rows/s",
        baseline=size / base_seconds,
        target="(no target; baseline is a plain values_list dump to CSV)",
    )
