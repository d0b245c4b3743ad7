"""Writes of the compliance app: loading and binding rule sets, storing snapshots."""

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from civtrain.compliance import conversions
from civtrain.compliance.data import PersonResult
from civtrain.compliance.errors import ComplianceErrorCode
from civtrain.compliance.models import (
    ComplianceSnapshot,
    RuleSet,
    RuleSetBinding,
    StaleEvaluation,
)
from civtrain.compliance.ruleset import parse_document
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import ApplicationError, NotFound, ValidationFailed
from civtrain.credits import api as credits_api
from civtrain.organisations.api import org_by_codes


def ruleset_load(*, actor: Actor, document: dict[str, Any]) -> tuple[RuleSet, bool]:
    """Store a validated rule-set document; (row, created). Loading the same version with the
    same content again is a no-op; different content under an existing version is refused."""
    spec = parse_document(document)
    digest = hashlib.sha256(
        json.dumps(document, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    with transaction.atomic():
        existing = RuleSet.objects.filter(name=spec.name, version=spec.version).first()
        if existing is not None:
            if existing.sha256 != digest:
                raise ApplicationError(
                    ComplianceErrorCode.RULESET_VERSION_EXISTS,
                    f"规则集 {spec.label} 已载入且内容不同；修改规则请提高 version 后再载入",
                )
            return existing, False
        # Forget cached conversions now (this connection sees the row) and at commit.
        conversions.cache_clear()
        transaction.on_commit(conversions.cache_clear)
        row = RuleSet.objects.create(
            name=spec.name,
            version=spec.version,
            title=spec.title,
            valid_from=spec.valid_from,
            valid_to=None if spec.valid_to.year == 9999 else spec.valid_to,
            document=document,
            sha256=digest,
            loaded_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action="ruleset.load",
            object_type="compliance.ruleset",
            object_id=row.pk,
            object_label=str(row),
            changes={"sha256": digest},
        )
    return row, True


def ruleset_bind(
    *,
    actor: Actor,
    name: str,
    org_code: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    version: int | None = None,
) -> RuleSetBinding:
    """Bind a loaded rule set (latest version unless given) to an org node for a period."""
    qs = RuleSet.objects.filter(name=name)
    if version is not None:
        qs = qs.filter(version=version)
    ruleset = qs.order_by("-version").first()
    if ruleset is None:
        raise NotFound(f"规则集 {name} 未载入，请先运行 civtrain rules load")
    org = org_by_codes([org_code]).get(org_code)
    if org is None:
        raise NotFound(f"组织机构编码 {org_code} 不存在")
    if valid_to is not None and valid_to < valid_from:
        raise ValidationFailed("绑定的结束日期早于开始日期")
    # issue #9 item 1: a binding may not reach outside its set's own period (an open-ended
    # binding of a set that ends would claim years the set's text never covered).
    spec = parse_document(ruleset.document)
    ends = None if spec.valid_to.year == 9999 else spec.valid_to
    if valid_from < spec.valid_from or (ends is not None and (valid_to is None or valid_to > ends)):
        period = f"{spec.valid_from.isoformat()} 至 {ends.isoformat() if ends else '长期'}"
        raise ApplicationError(
            ComplianceErrorCode.BINDING_INVALID,
            f"规则集 {ruleset} 的有效期为 {period}，绑定期限须在其内"
            + (f"：结束日期须指定且不晚于 {ends.isoformat()}" if ends else ""),
            {"ruleset_from": spec.valid_from.isoformat(),
             "ruleset_to": ends.isoformat() if ends else None},
        )  # fmt: skip
    with transaction.atomic():
        conversions.cache_clear()
        transaction.on_commit(conversions.cache_clear)
        binding = RuleSetBinding.objects.create(
            ruleset=ruleset,
            org_id=org.id,
            valid_from=valid_from,
            valid_to=valid_to,
            created_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action="ruleset.bind",
            object_type="compliance.binding",
            object_id=binding.pk,
            object_label=f"{ruleset} → {org.name}",
            org_path=org.path,
            changes={
                "from": valid_from.isoformat(),
                "to": valid_to.isoformat() if valid_to else None,
            },
        )
    return binding


SNAPSHOT_LOCK = 0x636F6D70  # "comp": the advisory lock serialising snapshot stores


def snapshot_store(*, actor: Actor, results: Iterable[PersonResult], batch: int = 5000) -> int:
    """Store results as the latest snapshots of their person and year; earlier ones stay for
    history with is_latest cleared. A result outside the unit's headcount (every rule stopped
    applying: retired, left) only clears the earlier ones, so the lists and the units page
    count the people the people list counts. Returns the number stored."""
    now = clock.now()
    stored = 0
    buffer: list[PersonResult] = []

    def flush() -> None:
        nonlocal stored
        if not buffer:
            return
        with transaction.atomic():
            # One store at a time: two re-evaluations of one person must not both leave a
            # row is_latest.
            _snapshot_lock()
            by_year: dict[int, list[int]] = {}
            for r in buffer:
                by_year.setdefault(r.year, []).append(r.person_id)
            for year, ids in by_year.items():
                ComplianceSnapshot.objects.filter(
                    person_id__in=ids, year=year, is_latest=True
                ).update(is_latest=False)
            counted = [_snapshot(r, now) for r in buffer if r.in_headcount]
            ComplianceSnapshot.objects.bulk_create(counted, batch_size=2000)
        stored += len(counted)
        buffer.clear()

    for r in results:
        buffer.append(r)
        if len(buffer) >= batch:
            flush()
    flush()
    if stored:
        audit_record(
            actor=actor,
            action="compliance.snapshot",
            object_type="compliance.snapshot",
            object_label=f"{stored} 人次",
            changes={"count": stored},
        )
    return stored


def _snapshot(r: PersonResult, now: dt.datetime) -> ComplianceSnapshot:
    return ComplianceSnapshot(
        person_id=r.person_id,
        year=r.year,
        as_of=r.as_of,
        unit_id=r.unit_id,
        unit_path=r.unit_path,
        ruleset=r.ruleset,
        outcomes=[o.as_json() for o in r.outcomes],
        linkage=r.linkage.as_json(),
        complete=r.linkage.complete,
        eligible_excellent=r.linkage.eligible_excellent,
        grade_deferred=r.linkage.grade_deferred,
        appointment_blocked=r.linkage.appointment_blocked,
        risk=r.risk,
        is_latest=True,
        computed_at=now,
    )


# -- re-evaluation after ledger writes (issue 4 §4) ---------------------------------------
def stale_mark(*, person_ids: Iterable[int], years: Iterable[int]) -> int:
    """Mark every (person, year) pair stale in one statement (PostgreSQL: INSERT … SELECT
    unnest … ON CONFLICT; elsewhere one bulk upsert). Cheap enough to run inside the ledger
    writer's call (100,000 entries → one INSERT). A pair marked again gets the new time, so
    a re-evaluation that started before this write does not clear it. Returns the number
    of pairs offered."""
    people = sorted(set(person_ids))
    yrs = sorted(set(years))
    if not people or not yrs:
        return 0
    now = clock.now()
    table = StaleEvaluation._meta.db_table
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (person_id, year, marked_at) "  # nosec B608  # noqa: S608 - own table name
                    "SELECT p, y, %s FROM unnest(%s::bigint[]) AS p, unnest(%s::int[]) AS y "
                    "ON CONFLICT (person_id, year) DO UPDATE SET marked_at = EXCLUDED.marked_at",
                    [now, people, yrs],
                )
        else:
            StaleEvaluation.objects.bulk_create(
                [StaleEvaluation(person_id=p, year=y, marked_at=now) for p in people for y in yrs],
                update_conflicts=True,
                unique_fields=["person", "year"],
                update_fields=["marked_at"],
                batch_size=5000,
            )
    return len(people) * len(yrs)


def ledger_changes_pull(*, batch: int = 50_000) -> int:
    """Take what the ledger's outbox holds and mark those (person, year) pairs stale, in one
    transaction per batch (ADR 0013): a crash before the commit leaves the changes waiting,
    after it the marks are there. An entry of an earlier year also moves this year's rolling
    and triggered rules, so it marks this year too. Returns the number of changes taken."""
    this_year = clock.today().year
    taken = 0
    while True:
        with transaction.atomic():
            pairs = credits_api.ledger_changes_take(limit=batch)
            if not pairs:
                return taken
            by_year: dict[int, set[int]] = {}
            for person_id, year in pairs:
                for y in {year, this_year} if year < this_year else {year}:
                    if y <= this_year:
                        by_year.setdefault(y, set()).add(person_id)
            for year, people in by_year.items():
                stale_mark(person_ids=people, years=[year])
        taken += len(pairs)


def stale_refresh(
    *, actor: Actor, person_ids: list[int] | None = None, batch: int = 5000, max_batches: int = 0
) -> int:
    """Re-evaluate the stale pairs (those of `person_ids`, or all of them, `batch` at a
    time) and store their snapshots; returns the number of snapshots stored.

    Each batch is one transaction under the snapshot lock (PostgreSQL), so re-evaluations
    store in the order they evaluated and the newest snapshot is always the freshest; a
    mark is cleared only if no write re-marked it meanwhile, and a batch that fails (or a
    process that dies) leaves its marks for the next periodic run."""
    from civtrain.compliance.selectors import evaluate

    stored = 0
    rounds = 0
    while True:
        with transaction.atomic():
            _snapshot_lock()
            claimed_at = clock.now()
            qs = StaleEvaluation.objects.order_by("id")
            if person_ids is not None:
                qs = qs.filter(person_id__in=person_ids)
            rows = list(qs.values_list("id", "person_id", "year")[:batch])
            if not rows:
                return stored
            for year, ids in sorted(_worth_refreshing(rows).items()):
                _, results = evaluate(actor=actor, year=year, person_ids=sorted(ids))
                stored += snapshot_store(actor=actor, results=list(results))
            StaleEvaluation.objects.filter(
                id__in=[r[0] for r in rows], marked_at__lte=claimed_at
            ).delete()
        rounds += 1
        if person_ids is not None or (max_batches and rounds >= max_batches):
            return stored


def _worth_refreshing(rows: list[tuple[int, int, int]]) -> dict[int, list[int]]:
    """year → people of the claimed (id, person, year) rows whose stored snapshot is out of
    date: this year's always (the dashboards show it), an earlier year's only if a snapshot
    of it is stored (a back-dated entry must not start a partial dashboard of a past year)."""
    this_year = clock.today().year
    past = {(pid, year) for _, pid, year in rows if year != this_year}
    stored: set[tuple[int, int]] = set()
    if past:
        stored = set(
            ComplianceSnapshot.objects.filter(
                person_id__in={p for p, _ in past},
                year__in={y for _, y in past},
                is_latest=True,
            ).values_list("person_id", "year")
        )
    by_year: dict[int, list[int]] = {}
    for _, pid, year in rows:
        if year == this_year or (pid, year) in stored:
            by_year.setdefault(year, []).append(pid)
    return by_year


def _snapshot_lock() -> None:
    """Serialise snapshot stores (and the re-evaluations feeding them) on PostgreSQL, for
    the rest of the transaction; SQLite has one writer anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SNAPSHOT_LOCK])


def stale_clear_year(*, year: int, before: dt.datetime) -> int:
    """Drop the marks of `year` made up to `before` (a full --store run since covers them).
    Marks come only from pulls of the ledger's outbox; a write committed during the run is
    still in the outbox then, and is marked by a later pull."""
    deleted, _ = StaleEvaluation.objects.filter(year=year, marked_at__lte=before).delete()
    return deleted
