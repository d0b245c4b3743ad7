"""Compliance engine at scale (issue 4 "must show").

`compliance_full`: full evaluation of N people with 20 ledger entries each under the
chongqing-13fyp rule set (year 2018, as of 2018-12-31), against a baseline measured in the
same run: one hand-written `SELECT person_id, year, SUM(hours), SUM(days) … GROUP BY
person_id, year` over the same ledger rows and years, streamed to Python through a
server-side cursor. Target ≤ 3× the baseline and ≤ 60 s at 10⁶ people on PostgreSQL.

`compliance_person`: re-evaluating one person and storing the snapshot
(`compliance.api.person_reevaluate`), median of 200 people, against the same single-person
GROUP BY. Target ≤ 50 ms.

The data are a benchmark data set, not app data, generated set-wise in SQL (INSERT …
SELECT over generate_series on PostgreSQL, a recursive CTE elsewhere) with explicitly
reserved id blocks, so no row is read back to build another:

- people with a mix of categories, ranks, leadership levels, 双基 and law-enforcement
  flags, reporting dates (3 % hired in 2017–2018, the rest before the period), 0.5 %
  retired (with a retirement event), 2 % transferred between units in 2018, and one in
  four leaders promoted in 2017–2018 (appointment training triggered, CQ-T6b);
- 20 ledger entries a person over 2016–2019 (3 + 3 + 13 + 1), online (学时 only, as
  recorded: days NULL, schema version 2 — the engine converts, issue #10 item 6) or class
  results off-the-job / on-site / seminar (days and days × 7.5 学时, both recorded), initial
  training for the new hires,
  appointment training for the promoted, and 2 % of people with their 19th entry a
  reversal of their 18th (`reverses` set, amounts and subject hours negated);
- subject rows: law inside initial/appointment training (4 h) and on ~30 % of other
  entries, ethics on 2016/2017 entries for about half of the people (CQ-T2).

Pseudo-random values are a multiplicative hash of (row number, salt, seed): the same seed
gives the same data. The hash-chain columns are filled with a constant 64-character
string (md5 or sha256 in SQL cost more than the rest of the row), so they are NOT a
valid chain: the compliance engine never reads them, and this bench does not verify
chains. No audit rows are written for the generated rows. On PostgreSQL, when the
generated rows will be most of the ledger, the secondary indexes and unique constraints of
the four tables are dropped for the load and rebuilt after it (all in one transaction),
then the tables are vacuumed and analysed.

Keeping the data: with `CIVTRAIN_BENCH_KEEP=1` (or `civtrain bench … --keep`) the data
are left in place with a marker row (size, seed, generator version) in the table
`bench_compliance_data`, and the next run of the same size and seed reuses them; a run
without keep (or of another size) deletes them. `CIVTRAIN_BENCH_SEED` changes the seed.
"""

import datetime as dt
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from bench import Measurement, benchmark, timer
from civtrain.accounts.api import SYSTEM
from civtrain.compliance.api import person_reevaluate
from civtrain.compliance.bindings import Binding
from civtrain.compliance.engine import Engine
from civtrain.compliance.models import ComplianceSnapshot, RuleSet, RuleSetBinding
from civtrain.compliance.ruleset import parse_document, read_file, shipped_files
from civtrain.compliance.services import ruleset_bind, ruleset_load
from civtrain.organisations.api import OrgKind, org_by_codes, org_create

PREFIX = "BENCH-CP"
UNITS = 100
PER_PERSON = 20
YEAR = 2018
AS_OF = dt.date(2018, 12, 31)
MARKER = "bench_compliance_data"
GENERATOR_VERSION = 5  # bump when the generated data change: kept data are then rebuilt
TABLES = (
    "people_person",
    "people_careerevent",
    "credits_ledgerentry",
    "credits_ledgersubjecthours",
)


def _say(message: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {message}\n")
    sys.stderr.flush()


def _keep() -> bool:
    return os.environ.get("CIVTRAIN_BENCH_KEEP", "") not in ("", "0")


def _seed() -> int:
    return int(os.environ.get("CIVTRAIN_BENCH_SEED", "1"))


def _pg() -> bool:
    return connection.vendor == "postgresql"


# -- SQL helpers ---------------------------------------------------------------------------
def _series(n: int, alias: str, col: str) -> str:
    if _pg():
        return f"generate_series(1, {int(n)}) AS {alias}({col})"
    return (
        f"(WITH RECURSIVE r(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM r WHERE v < {int(n)}) "
        f"SELECT v AS {col} FROM r) AS {alias}"
    )


def _fence() -> str:
    """Keeps a subquery from being flattened into its parent, so each of its computed
    columns is evaluated once per row instead of once per reference (PostgreSQL inlines
    them, and the nested CASE expressions here reference each other)."""
    return " OFFSET 0" if _pg() else " LIMIT -1 OFFSET 0"


def _rnd(expr: str, salt: int, m: int) -> str:
    """A pseudo-random integer in [0, m) from an integer SQL expression (portable SQL)."""
    mult = 2654435761 + 2 * 7919 * salt
    add = 104729 * salt + 15485863 * _seed()
    return f"(((({expr}) * {mult} + {add}) % 1000003) % {int(m)})"


def _date(base: str, days: str) -> str:
    """The SQL date `days` days after the ISO date `base`."""
    if _pg():
        return f"(DATE '{base}' + ({days})::int)"
    return f"date('{base}', '+' || ({days}) || ' days')"


def _date_plus(date_expr: str, days: str) -> str:
    if _pg():
        return f"(({date_expr}) + ({days})::int)"
    return f"date({date_expr}, '+' || ({days}) || ' days')"


def _year_of(date_expr: str) -> str:
    if _pg():
        return f"date_part('year', {date_expr})::int"
    return f"CAST(strftime('%Y', {date_expr}) AS INTEGER)"


HASH = "'" + "0" * 64 + "'"  # not a chain: see the module docstring


# -- id blocks -----------------------------------------------------------------------------
def _reserve(c: object, table: str, count: int) -> int:
    """Base id b such that ids b+1 … b+count are free for `table` (caller holds a lock)."""
    cur = c  # a DB-API cursor
    if _pg():
        cur.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")  # type: ignore[attr-defined]
        seq = cur.fetchone()[0]  # type: ignore[attr-defined]
        cur.execute(  # type: ignore[attr-defined]
            f"SELECT GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}),"
            f" (SELECT last_value FROM {seq}))"
        )
        base = int(cur.fetchone()[0])  # type: ignore[attr-defined]
        cur.execute("SELECT setval(%s, %s)", [seq, base + count])  # type: ignore[attr-defined]
        return base
    cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # type: ignore[attr-defined]
    return int(cur.fetchone()[0])  # type: ignore[attr-defined]


# -- indexes (PostgreSQL) ------------------------------------------------------------------
def _secondary_indexes(c: object, table: str) -> list[tuple[str, str]]:
    """(drop statement, create statement) of each non-primary index of `table` that no
    foreign key depends on; unique constraints are dropped and re-added as constraints."""
    c.execute(  # type: ignore[attr-defined]
        "SELECT i.indexrelid::regclass::text, con.conname,"
        " pg_get_indexdef(i.indexrelid), pg_get_constraintdef(con.oid)"
        " FROM pg_index i LEFT JOIN pg_constraint con"
        "  ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid"
        "  AND con.contype IN ('u', 'x')"
        " WHERE i.indrelid = %s::regclass AND NOT i.indisprimary"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint f"
        "  WHERE f.contype = 'f' AND f.conindid = i.indexrelid)",
        [table],
    )
    out = []
    for index, conname, indexdef, condef in c.fetchall():  # type: ignore[attr-defined]
        if conname:
            out.append(
                (
                    f'ALTER TABLE {table} DROP CONSTRAINT "{conname}"',
                    f'ALTER TABLE {table} ADD CONSTRAINT "{conname}" {condef}',
                )
            )
        else:
            out.append((f"DROP INDEX {index}", indexdef))
    return out


def _drop_indexes_for_load(c: object, rows: int) -> list[str]:
    """Drop the secondary indexes when the load is most of the ledger; the statements that
    rebuild them."""
    c.execute("SELECT count(*) FROM credits_ledgerentry")  # type: ignore[attr-defined]
    existing = int(c.fetchone()[0])  # type: ignore[attr-defined]
    if existing > rows:
        return []
    rebuild = []
    for table in TABLES:
        for drop, create in _secondary_indexes(c, table):
            c.execute(drop)  # type: ignore[attr-defined]
            rebuild.append(create)
    return rebuild


def _promoted(n: str) -> str:
    """Leaders (the first 10 of 100 level draws) promoted in 2017–2018: one in four."""
    return f"{_rnd(n, 3, 100)} < 10 AND {_rnd(n, 10, 100)} < 25"


# -- generation ----------------------------------------------------------------------------
def _generate(n_people: int, unit_ids: list[int]) -> tuple[int, int]:
    """People, career events, ledger entries and subject rows; returns the person id range."""
    first_unit, n_units = unit_ids[0], len(unit_ids)
    n_entries = n_people * PER_PERSON
    now = "CURRENT_TIMESTAMP"
    pg = _pg()
    blob = "'\\x00'::bytea" if pg else "X'00'"
    hired = f"{_rnd('n', 6, 100)} < 3"  # reported for duty in 2017–2018
    leader_level = (
        f"CASE {_rnd('n', 3, 100)} WHEN 0 THEN 'division_chief' WHEN 1 THEN 'division_deputy'"
        " WHEN 2 THEN 'division_deputy' WHEN 3 THEN 'section_chief' WHEN 4 THEN 'section_chief'"
        " WHEN 5 THEN 'section_chief' WHEN 6 THEN 'section_deputy' WHEN 7 THEN 'section_deputy'"
        " WHEN 8 THEN 'section_deputy' WHEN 9 THEN 'section_deputy' ELSE '' END"
    )
    promoted = _promoted("n")
    with transaction.atomic(), connection.cursor() as c:
        rebuild: list[str] = []
        if pg:
            # Generated rows are consistent by construction: no per-row FK trigger queue
            # (bench only); big sorts for the index builds.
            c.execute("SET LOCAL session_replication_role = replica")
            c.execute("SET LOCAL maintenance_work_mem = '512MB'")
            c.execute("SET LOCAL work_mem = '256MB'")
            c.execute("SET LOCAL jit = off")
            c.execute(f"LOCK TABLE {', '.join(TABLES)} IN EXCLUSIVE MODE")
            rebuild = _drop_indexes_for_load(c, n_entries)
            if rebuild:
                _say(f"  {len(rebuild)} secondary indexes dropped for the load")
        p0 = _reserve(c, "people_person", n_people)
        e0 = _reserve(c, "credits_ledgerentry", n_entries)
        cat = _rnd("n", 1, 100)
        rank = (
            f"CASE WHEN {cat} < 70 THEN (CASE {_rnd('n', 2, 8)} WHEN 0 THEN '二级科员'"
            " WHEN 1 THEN '一级科员' WHEN 2 THEN '四级主任科员' WHEN 3 THEN '三级主任科员'"
            " WHEN 4 THEN '二级主任科员' WHEN 5 THEN '一级主任科员' WHEN 6 THEN '四级调研员'"
            " ELSE '三级调研员' END)"
            f" WHEN {cat} < 85 THEN (CASE {_rnd('n', 2, 3)} WHEN 0 THEN '四级主管'"
            " WHEN 1 THEN '二级主管' ELSE '四级高级主管' END)"
            f" ELSE (CASE {_rnd('n', 2, 3)} WHEN 0 THEN '三级主办' WHEN 1 THEN '一级主办'"
            " ELSE '四级高级主办' END) END"
        )
        c.execute(
            "INSERT INTO people_person (id, name, id_number_enc, id_number_hash,"
            " id_number_masked, gender, phone_masked, category, rank, leadership_level,"
            " grassroots, basic_post, law_enforcement, reporting_date, status, created_at,"
            " updated_at, unit_id) "
            f"SELECT {p0} + n, '基准' || n, {blob}, 'bench-compliance-' || n,"
            " '50****************',"  # the display mask: province only (issue 8 item 3)
            f" CASE WHEN {_rnd('n', 4, 2)} = 0 THEN 'M' ELSE 'F' END, '',"
            f" CASE WHEN {cat} < 70 THEN 'general' WHEN {cat} < 85 THEN 'professional'"
            f" ELSE 'enforcement' END, {rank}, {leader_level},"
            f" {_rnd('n', 5, 100)} < 30, {_rnd('n', 20, 100)} < 20,"
            f" {cat} >= 85 OR {_rnd('n', 21, 100)} < 8,"
            f" CASE WHEN {hired} THEN {_date('2017-01-01', _rnd('n', 7, 730))}"
            f" ELSE {_date('1988-01-01', _rnd('n', 7, 10000))} END,"
            f" CASE WHEN {_rnd('n', 8, 1000)} < 5 THEN 'retired' ELSE 'active' END,"
            f" {now}, {now}, {first_unit} + {_rnd('n', 9, n_units)}"
            f" FROM {_series(n_people, 's', 'n')}"
        )
        lo, hi = p0 + 1, p0 + n_people
        _say(f"  {n_people} people")
        person_n = f"(id - {p0})"
        n = person_n
        c.execute(
            "INSERT INTO people_careerevent (person_id, kind, date, leadership_level, rank,"
            " note, created_at, unit_id) "
            f"SELECT id, 'hired', reporting_date, '', rank, '', {now}, unit_id"
            f" FROM people_person WHERE id BETWEEN {lo} AND {hi}"
            f"  AND reporting_date >= {_date('2017-01-01', '0')} "
            f"UNION ALL SELECT id, 'promoted', {_date('2017-01-01', _rnd(n, 11, 700))},"
            f" leadership_level, '', '', {now}, NULL"
            f" FROM people_person WHERE id BETWEEN {lo} AND {hi}"
            f"  AND {_promoted(n)} "
            f"UNION ALL SELECT id, 'retirement', {_date('2018-01-01', _rnd(n, 12, 300))},"
            f" '', '', '', {now}, NULL FROM people_person"
            f" WHERE id BETWEEN {lo} AND {hi} AND status = 'retired' "
            f"UNION ALL SELECT id, 'transfer', {_date('2018-03-01', _rnd(n, 14, 200))},"
            f" '', '', '', {now}, {first_unit} + {_rnd(n, 15, n_units)} FROM people_person"
            f" WHERE id BETWEEN {lo} AND {hi} AND status = 'active'"
            f"  AND {_rnd(n, 13, 100)} < 2"
        )
        _say("  career events")
        # One row per (person n, entry k); g numbers the entry globally.
        g = f"((n - 1) * {PER_PERSON} + k)"
        hire_day = _date("2017-01-01", _rnd("n", 7, 730))
        promo_day = _date("2017-01-01", _rnd("n", 11, 700))
        plain_day = (
            f"CASE WHEN k <= 3 THEN {_date('2016-01-01', _rnd(g, 30, 365))}"
            f" WHEN k <= 6 THEN {_date('2017-01-01', _rnd(g, 30, 365))}"
            f" WHEN k <= 19 THEN {_date('2018-01-01', _rnd(g, 30, 365))}"
            f" ELSE {_date('2019-01-01', _rnd(g, 30, 31))} END"
        )
        kind = (
            f"CASE WHEN k BETWEEN 7 AND 9 AND {hired} THEN 'initial'"
            f" WHEN k BETWEEN 10 AND 11 AND {promoted} THEN 'appointment'"
            f" WHEN {_rnd(g, 31, 10)} = 0 THEN 'specialised' ELSE 'in_service' END"
        )
        inner = (
            f"SELECT n, k, {g} AS g, {kind} AS ttype,"
            f" {_rnd(g, 32, 10)} AS m, {hire_day} AS hire_day, {promo_day} AS promo_day,"
            f" {_rnd('n', 33, 4)} AS short"
            f" FROM {_series(n_people, 's', 'n')} CROSS JOIN {_series(PER_PERSON, 'q', 'k')}"
            f"{_fence()}"
        )
        mid = (
            "SELECT n, k, g, ttype,"
            " CASE WHEN ttype IN ('initial', 'appointment') OR m BETWEEN 4 AND 7"
            "  THEN 'off_the_job' WHEN m < 4 THEN 'online' WHEN m = 8 THEN 'on_site'"
            "  ELSE 'seminar' END AS mode,"
            f" CASE WHEN ttype = 'initial' THEN"
            f"  {_date_plus('hire_day', f'20 + 100 * (k - 7) + {_rnd(g, 34, 60)}')}"
            f"  WHEN ttype = 'appointment' THEN"
            f"  {_date_plus('promo_day', f'10 + 120 * (k - 10) + {_rnd(g, 35, 150)}')}"
            f"  ELSE {plain_day} END AS d,"
            f" CASE WHEN ttype = 'initial' THEN (CASE WHEN short = 0 THEN 3 ELSE 4 END)"
            f"  WHEN ttype = 'appointment' THEN 4 + {_rnd(g, 36, 9)}"
            f"  ELSE 0.5 * (1 + {_rnd(g, 37, 6)}) END AS class_days,"
            f" 1 + 0.5 * {_rnd(g, 38, 7)} AS online_hours"
            f" FROM ({inner}) AS a{_fence()}"
        )
        rows = (
            "SELECT g, n, k, ttype, mode, d,"
            " CASE WHEN mode = 'online' THEN online_hours ELSE class_days * 7.5 END AS hours,"
            " CASE WHEN mode = 'online' THEN NULL ELSE class_days END AS days"
            f" FROM ({mid}) AS b{_fence()}"
        )
        c.execute(
            "INSERT INTO credits_ledgerentry (id, person_id, seq, title, start_date, date, year,"
            " hours, days, training_type, mode, result, score, source_type, source_ref,"
            " reverses_id, reason, evidence, recorded_by_id, recorded_at, schema_version,"
            " prev_hash, hash) "
            f"SELECT {e0} + g, {p0} + n, k,"
            " CASE WHEN mode = 'online' THEN '网络课程 ' || k ELSE '培训班 ' || k END, NULL, d,"
            f" {_year_of('d')}, hours, days, ttype, mode,"
            " CASE WHEN mode = 'online' THEN '' ELSE 'passed' END, NULL,"
            " CASE WHEN mode = 'online' THEN 'online_course' ELSE 'class' END,"
            f" CASE WHEN mode = 'online' THEN 'course:' || g ELSE 'class:' || (g / 7) || ':' || k"
            "  END, NULL, '', '', NULL,"
            f" {now}, 2, CASE WHEN k = 1 THEN '' ELSE {HASH} END, {HASH}"
            f" FROM ({rows}) AS e"
        )
        _say(f"  {n_entries} ledger entries")
        rn = f"(r.person_id - {p0})"
        c.execute(
            "UPDATE credits_ledgerentry AS r SET hours = -o.hours, days = -o.days,"
            " date = o.date, year = o.year, training_type = o.training_type, mode = o.mode,"
            " result = '', source_type = 'reversal', source_ref = 'reversal:' || o.id,"
            " reverses_id = o.id, reason = '重复登记', title = '冲销：' || o.title"
            " FROM credits_ledgerentry AS o"
            f" WHERE r.id BETWEEN {e0 + 1} AND {e0 + n_entries} AND r.seq = 19"
            f" AND o.id = r.id - 1 AND {_rnd(rn, 19, 100)} < 2"
        )
        _say("  reversals")
        # Subject rows, keyed on the original entry for a reversal (amounts negated).
        key = f"(CASE WHEN source_type = 'reversal' THEN id - 1 ELSE id END - {e0})"
        sign = "(CASE WHEN hours < 0 THEN -1 ELSE 1 END)"
        pn = f"(person_id - {p0})"
        c.execute(
            "INSERT INTO credits_ledgersubjecthours (entry_id, person_id, year, subject, hours) "
            f"SELECT id, person_id, year, 'law', CASE WHEN training_type IN"
            f" ('initial', 'appointment') THEN 4 * {sign} ELSE hours END"
            f" FROM credits_ledgerentry WHERE id BETWEEN {e0 + 1} AND {e0 + n_entries}"
            " AND ((training_type IN ('initial', 'appointment')"
            f"  AND {_rnd(key, 40, 5)} > 0) OR (training_type NOT IN ('initial', 'appointment')"
            f"  AND {_rnd(key, 41, 10)} < 3)) "
            "UNION ALL SELECT id, person_id, year, 'ethics', hours"
            f" FROM credits_ledgerentry WHERE id BETWEEN {e0 + 1} AND {e0 + n_entries}"
            f" AND seq IN (2, 5) AND {_rnd(pn, 42, 100)} < 35"
        )
        _say("  subject hours")
        if rebuild:
            with timer() as t:
                for statement in rebuild:
                    c.execute(statement)
            _say(f"  {len(rebuild)} indexes rebuilt in {t():.1f} s")
    if pg:
        with timer() as t, connection.cursor() as c:
            for table in TABLES:
                c.execute(f"VACUUM ANALYZE {table}")
        _say(f"  vacuum + analyze {t():.1f} s")
    return lo, hi


# -- kept data -----------------------------------------------------------------------------
def _marker() -> tuple[int, int, int, int, int] | None:
    """(size, seed, version, lo, hi) of kept data, or None."""
    with connection.cursor() as c:
        c.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER} (size bigint NOT NULL, seed integer NOT NULL,"
            " version integer NOT NULL, lo bigint NOT NULL, hi bigint NOT NULL)"
        )
        c.execute(f"SELECT size, seed, version, lo, hi FROM {MARKER}")
        row = c.fetchone()
    return tuple(int(x) for x in row) if row else None  # type: ignore[return-value]


def _set_marker(values: tuple[int, int, int, int, int] | None) -> None:
    with connection.cursor() as c:
        c.execute(f"DELETE FROM {MARKER}")
        if values:
            c.execute(f"INSERT INTO {MARKER} VALUES (%s, %s, %s, %s, %s)", list(values))


def _bench_org_ids() -> list[int]:
    with connection.cursor() as c:
        c.execute(
            "SELECT id FROM organisations_orgnode WHERE code = %s OR code LIKE %s",
            [PREFIX, PREFIX + "-U%"],
        )
        return [int(r[0]) for r in c.fetchall()]


def _in(values: list[int]) -> str:
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def _cleanup(lo: int | None, hi: int | None) -> None:
    """Delete the generated people and their rows (by id range, or by the bench units when
    the range is unknown after a crash), the bench bindings and org nodes."""
    org_ids = _bench_org_ids()
    with transaction.atomic(), connection.cursor() as c:
        if _pg():
            c.execute("SET LOCAL session_replication_role = replica")
        if lo is None or hi is None:
            if not org_ids:
                return
            c.execute(
                f"SELECT MIN(id), MAX(id) FROM people_person WHERE unit_id IN {_in(org_ids)}",
                org_ids,
            )
            lo, hi = c.fetchone()
        if lo is not None and hi is not None:
            done = False
            if _pg():
                c.execute(
                    "SELECT EXISTS (SELECT 1 FROM credits_ledgerentry"
                    " WHERE person_id < %s OR person_id > %s)",
                    [lo, hi],
                )
                if not c.fetchone()[0]:
                    # The ledger holds only bench rows: empty it at once, with the tables
                    # referencing it when they are empty too (TRUNCATE needs them all).
                    c.execute(
                        "SELECT DISTINCT conrelid::regclass::text FROM pg_constraint"
                        " WHERE contype = 'f' AND confrelid IN"
                        " ('credits_ledgerentry'::regclass,"
                        "  'credits_ledgersubjecthours'::regclass)"
                    )
                    ledger = ["credits_ledgerentry", "credits_ledgersubjecthours"]
                    others = sorted({r[0] for r in c.fetchall()} - set(ledger))
                    empty = True
                    for other in others:
                        c.execute(f"SELECT EXISTS (SELECT 1 FROM {other})")
                        empty = empty and not c.fetchone()[0]
                    if empty:
                        c.execute(f"TRUNCATE {', '.join([*ledger, *others])}")
                        done = True
            tables = ["compliance_compliancesnapshot", "people_careerevent"]
            if not done:
                tables[1:1] = ["credits_ledgersubjecthours", "credits_ledgerentry"]
            for table in tables:
                c.execute(f"DELETE FROM {table} WHERE person_id BETWEEN %s AND %s", [lo, hi])
            c.execute("DELETE FROM people_person WHERE id BETWEEN %s AND %s", [lo, hi])
        if org_ids:
            c.execute(
                f"DELETE FROM compliance_rulesetbinding WHERE org_id IN {_in(org_ids)}", org_ids
            )
            c.execute(
                f"DELETE FROM organisations_orgnode WHERE id IN {_in(org_ids)} AND code <> %s",
                [*org_ids, PREFIX],
            )
            c.execute("DELETE FROM organisations_orgnode WHERE code = %s", [PREFIX])
    if not RuleSetBinding.objects.exists():
        RuleSet.objects.filter(name="chongqing-13fyp", bindings__isnull=True).delete()
    _set_marker(None)


@contextmanager
def _population(size: int) -> Iterator[tuple[int, int, Binding]]:
    codes = [PREFIX] + [f"{PREFIX}-U{i:03d}" for i in range(UNITS)]
    marker = _marker()
    wanted = (size, _seed(), GENERATOR_VERSION)
    reuse = marker is not None and marker[:3] == wanted and len(_bench_org_ids()) == UNITS + 1
    if not reuse and (marker is not None or _bench_org_ids()):
        _say("deleting earlier bench data …")
        _cleanup(*(marker[3:] if marker else (None, None)))
    doc = read_file(shipped_files()["chongqing-13fyp"])
    spec = parse_document(doc)
    if reuse:
        assert marker is not None
        lo, hi = marker[3], marker[4]
        nodes = org_by_codes(codes)
        binding = RuleSetBinding.objects.get(org_id=nodes[PREFIX].id)
        _say(f"reusing kept data: {size} people (ids {lo}–{hi}), seed {_seed()}")
    else:
        org_create(actor=SYSTEM, code=PREFIX, name="达标基准市", kind=OrgKind.CITY)
        for code in codes[1:]:
            org_create(actor=SYSTEM, code=code, name=code, kind=OrgKind.UNIT, parent_code=PREFIX)
        nodes = org_by_codes(codes)
        unit_ids = sorted(nodes[c].id for c in codes[1:])
        assert unit_ids == list(range(unit_ids[0], unit_ids[0] + UNITS)), "units not contiguous"
        ruleset_load(actor=SYSTEM, document=doc)
        binding = ruleset_bind(
            actor=SYSTEM,
            name="chongqing-13fyp",
            org_code=PREFIX,
            valid_from=dt.date(2016, 1, 1),
            valid_to=dt.date(2020, 12, 31),
        )
        lo = hi = 0
        _say(f"generating {size} people × {PER_PERSON} entries (seed {_seed()}) …")
        try:
            with timer() as gen:
                lo, hi = _generate(size, unit_ids)
        except BaseException:
            _cleanup(None, None)
            raise
        _say(f"  generated in {gen():.1f} s")
        _set_marker((*wanted, lo, hi))
    try:
        yield lo, hi, Binding(nodes[PREFIX].path, binding.valid_from, binding.valid_to, spec)
    finally:
        if _keep():
            _say("keeping the data for the next run (CIVTRAIN_BENCH_KEEP)")
        else:
            _say("cleaning up …")
            _cleanup(lo, hi)


def _baseline(lo: int, hi: int) -> tuple[float, int]:
    """The hand-written GROUP BY over the same rows, streamed to Python."""
    start = time.perf_counter()
    rows = 0
    with transaction.atomic():
        cursor = connection.chunked_cursor()
        cursor.execute(
            "SELECT person_id, year, SUM(hours), SUM(days) FROM credits_ledgerentry"
            " WHERE person_id BETWEEN %s AND %s AND year BETWEEN %s AND %s"
            " GROUP BY person_id, year",
            [lo, hi, 2016, YEAR],
        )
        while batch := cursor.fetchmany(10_000):
            rows += len(batch)
        cursor.close()
    return time.perf_counter() - start, rows


@benchmark(
    "compliance_full",
    default_size=1_000_000,
    description="full evaluation of N people × 20 entries vs one SQL GROUP BY (s)",
)
def compliance_full(size: int) -> Measurement:
    with _population(size) as (lo, hi, binding):
        base, base_rows = _baseline(lo, hi)
        _say(f"baseline GROUP BY: {base:.2f} s ({base_rows} rows)")
        statuses: Counter[str] = Counter()
        people = 0
        with timer() as elapsed:
            ev = Engine(year=YEAR, as_of=AS_OF, bindings=[binding])
            for r in ev.people(None, id_range=(lo, hi)):
                people += 1
                for o in r.outcomes:
                    statuses[o.status] += 1
        value = elapsed()
        _say(f"engine: {value:.2f} s for {people} people; outcomes {dict(statuses)}")
        assert people == hi - lo + 1
    return Measurement(
        value=value,
        unit="s",
        baseline=base,
        target="<= 3x baseline and <= 60 s at 1,000,000 people on postgresql",
        higher_is_better=False,
    )


@benchmark(
    "compliance_person",
    default_size=10_000,
    description="re-evaluate one person and store the snapshot (median ms)",
)
def compliance_person(size: int) -> Measurement:
    with _population(size) as (lo, hi, _):
        rng = random.Random(7)
        ids = [rng.randint(lo, hi) for _ in range(200)]
        person_reevaluate(ids[0], year=YEAR, as_of=AS_OF)  # warm caches
        times, base_times = [], []
        for pid in ids:
            with timer() as t:
                person_reevaluate(pid, year=YEAR, as_of=AS_OF)
            times.append(t() * 1000)
            with timer() as b, connection.cursor() as c:
                c.execute(
                    "SELECT person_id, year, SUM(hours), SUM(days) FROM credits_ledgerentry"
                    " WHERE person_id = %s AND year BETWEEN %s AND %s GROUP BY person_id, year",
                    [pid, 2016, YEAR],
                )
                c.fetchall()
            base_times.append(b() * 1000)
        ComplianceSnapshot.objects.filter(person_id__gte=lo, person_id__lte=hi).delete()
    return Measurement(
        value=statistics.median(times),
        unit="ms",
        baseline=statistics.median(base_times),
        target="<= 50 ms",
        higher_is_better=False,
    )
