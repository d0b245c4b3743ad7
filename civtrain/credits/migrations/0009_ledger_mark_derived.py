"""Existing entries carry only what was recorded (issue #10 item 6; REQUIREMENTS §8 "Hours and
days are converted when a rule is evaluated"; ADR 0007).

Until now the writer filled in whichever of hours and days was not given, converting with the
学时-per-day of the rule set governing the person when the entry was written (or the platform
default, 7.5). Those version-1 entries are hashed with both values, and their hashes are in
signed checkpoints: the values cannot be changed, nor nulled, without breaking verification,
and re-chaining them would be exactly the rewrite the ledger exists to prevent. So the values
stay as they were hashed, and this migration marks, in the unhashed column `derived`, which of
them was converted at write time ("hours" or "days"). Readers (the compliance engine, the
pages, the API) take a marked value as not recorded and convert the other one with the
evaluating set's 学时-per-day. Version-2 entries, written from now on, store NULL instead and
hash `derived` (always "").

Which value was converted is not stored anywhere, so it is established from what the entry's
source keeps, and otherwise from the arithmetic of the old writer:

- a class result records both (the class's 学时 and its days, pro-rated by attendance): "";
- an approved external-study claim keeps what the learner entered: the claim's missing value;
- a reversal negates its original entry's values: the original's mark;
- anything else (manual entries, historical imports, integrations, online courses, exams):
  the old writer computed days = round(hours ÷ r, 2) or hours = round(days × r, 2), half up,
  for a per-day figure r among those it could have used (PR-2's 6, 7.5 and 8, the configured
  default, every stored rule set's). A value that is exactly such a conversion of the other,
  while the other is not a conversion of it, was derived. Where both readings fit (3 days and
  22.5 学时 at 7.5), the entry cannot tell: an online course earns 学时 only (PR-1), so its days
  were derived; otherwise the entry is left as recording both, so the numbers every report has
  used so far stand, and its id is listed in the audit event below so the bureau can correct
  it with a reversal if its source says otherwise.

One audit event (`credit.ledger_mark_derived`, written only where there were entries) records
the counts, the ambiguous ids (up to 1,000) and the SHA-256 of the sorted "id:mark" lines, so
the marks can be checked later against this record. The marks of version-1 entries are not
hashed: that residual risk is stated in ADR 0007.
"""

import hashlib
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import migrations
from django.utils import timezone

CENT = Decimal("0.01")
CHUNK = 2000
PR2_PER_DAY = ("6", "7.5", "8")  # PR-2: one day may be 6, 7.5 or 8 学时


def _rates(apps) -> list[Decimal]:
    rates = {Decimal(v) for v in PR2_PER_DAY}
    rates.add(Decimal(str(getattr(settings, "CIVTRAIN_DEFAULT_HOURS_PER_DAY", "7.5"))))
    for document in apps.get_model("compliance", "RuleSet").objects.values_list(
        "document", flat=True
    ):
        try:
            rates.add(Decimal(str(document["conversions"]["hours_per_day"])))
        except (KeyError, TypeError, InvalidOperation):
            continue
    return sorted(r for r in rates if r > 0)


def derived_mark(
    source_type: str, hours: Decimal, days: Decimal, rates: list[Decimal]
) -> tuple[str, bool]:
    """(mark, ambiguous) of a version-1 entry whose source keeps no trace of its input."""

    def half_up(value: Decimal) -> Decimal:
        return value.quantize(CENT, rounding=ROUND_HALF_UP)

    days_converted = any(half_up(hours / r) == days for r in rates)
    hours_converted = any(half_up(days * r) == hours for r in rates)
    if days_converted and not hours_converted:
        return "days", False
    if hours_converted and not days_converted:
        return "hours", False
    if days_converted and hours_converted:
        if source_type == "online_course":
            return "days", False
        return "", True
    return "", False


def forward(apps, schema_editor) -> None:
    entries = apps.get_model("credits", "LedgerEntry").objects
    claims = apps.get_model("credits", "ExternalClaim").objects
    rates = _rates(apps)
    claimed = {
        entry_id: (hours, days)
        for entry_id, hours, days in claims.filter(entry__isnull=False).values_list(
            "entry_id", "hours", "days"
        )
    }
    marks: dict[str, list[int]] = {"hours": [], "days": []}
    ambiguous: list[int] = []
    rows = (
        entries.filter(schema_version=1)
        .exclude(source_type__in=("class", "reversal"))
        .order_by("id")
        .values_list("id", "source_type", "hours", "days")
    )
    examined = 0
    for pk, source_type, hours, days in rows.iterator(chunk_size=CHUNK):
        examined += 1
        if pk in claimed:
            given_hours, given_days = claimed[pk]
            mark = "hours" if given_hours is None else "days" if given_days is None else ""
        else:
            mark, unsure = derived_mark(source_type, Decimal(hours), Decimal(days), rates)
            if unsure:
                ambiguous.append(pk)
        if mark:
            marks[mark].append(pk)
    for mark, ids in marks.items():
        for start in range(0, len(ids), CHUNK):
            entries.filter(id__in=ids[start : start + CHUNK]).update(derived=mark)
    # A version-1 reversal negated both values of its original: it carries the same mark.
    for mark in marks:
        reversals = entries.filter(
            schema_version=1, source_type="reversal", reverses__derived=mark
        ).values_list("id", flat=True)
        ids = list(reversals)
        for start in range(0, len(ids), CHUNK):
            entries.filter(id__in=ids[start : start + CHUNK]).update(derived=mark)
        marks[mark] += ids
    if not examined:
        return
    lines = sorted(f"{pk}:{mark}" for mark, ids in marks.items() for pk in ids)
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    apps.get_model("core", "AuditEvent").objects.create(
        at=timezone.now(),
        actor_label="系统（数据迁移）",
        action="credit.ledger_mark_derived",
        object_type="credits.LedgerEntry",
        object_label="标记写入时换算的学时/天数（#10 item 6）",
        changes={
            "hours_derived": len(marks["hours"]),
            "days_derived": len(marks["days"]),
            "ambiguous_kept_both": len(ambiguous),
            "ambiguous_ids": ambiguous[:1000],
            "rates": [str(r) for r in rates],
            "marks_sha256": digest,
        },
    )


def backward(apps, schema_editor) -> None:
    apps.get_model("credits", "LedgerEntry").objects.exclude(derived="").update(derived="")


class Migration(migrations.Migration):
    dependencies = [
        ("credits", "0008_ledger_recorded_hours_days"),
        ("compliance", "0002_staleevaluation"),
        ("core", "0003_fewer_indexes"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
