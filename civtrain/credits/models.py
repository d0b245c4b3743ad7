"""The append-only, hash-chained ledger of credited training hours (CQ-M3, ZZ-M3).

Sums are plain SQL: a reversal entry carries the negated hours, days and subject hours of
the entry it cancels, dated like it, so every aggregate treats the pair as if the original
had never been written (REQUIREMENTS §8 "Corrections").
"""

from django.db import models

from civtrain.core.models import AppendOnlyModel


class LedgerEntry(AppendOnlyModel):  # type: ignore[django-manager-missing]  # stubs vs as_manager()
    # No index of its own: the (person, seq) and (person, year) indexes start with it.
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # Position in the person's chain, 1, 2, 3 …; unique per person so racing writers collide.
    seq = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    start_date = models.DateField(null=True, blank=True)
    date = models.DateField(help_text="end (completion) date; decides the year it counts in")
    year = models.PositiveSmallIntegerField()
    # What was recorded (REQUIREMENTS §8, issue #10 item 6): hours, days or both; the rule set
    # evaluating the entry converts the other with its 学时-per-day (PR-2). Null: not recorded
    # (schema version 2 on). Version-1 entries hold both, one possibly converted when written:
    # `derived` names it.
    hours = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    days = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    # "hours" or "days" when that value of a version-1 entry was converted from the other at
    # write time (set by migration 0009 from the entry's source, ADR 0007), "" otherwise;
    # readers take such a value as not recorded. Always "" from version 2 on, and hashed there.
    derived = models.CharField(max_length=5, blank=True, default="", db_default="")
    training_type = models.CharField(max_length=16)  # catalogue.data.TrainingType
    mode = models.CharField(max_length=16)  # catalogue.data.DeliveryMode
    result = models.CharField(max_length=8, blank=True)  # credits.data.Result
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    source_type = models.CharField(max_length=24)  # credits.data.SourceType
    # Identifies the source record (e.g. "class:17:enrolment:301"); with person and type it
    # makes writing the same source twice a no-op.
    source_ref = models.CharField(max_length=100)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    reason = models.CharField(max_length=300, blank=True)
    evidence = models.CharField(max_length=300, blank=True)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    # The version of the field schema (credits.ledger) the entry was written and is verified
    # under; rows written before versions existed are version 1 (issue #9 item 3, ADR 0007).
    schema_version = models.PositiveSmallIntegerField(db_default=1)
    # The hash that chained the entry: "sha256", or "sm3" under the 国密 suite (#17 item 5;
    # credits.chain). Changing it is an edit: the stored hash no longer matches.
    chain_algorithm = models.CharField(max_length=8, default="sha256", db_default="sha256")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "seq"], name="ledger_chain_position"),
            models.UniqueConstraint(
                fields=["person", "source_type", "source_ref"], name="ledger_source_once"
            ),
            models.CheckConstraint(
                condition=models.Q(hours__isnull=False) | models.Q(days__isnull=False),
                name="ledger_hours_or_days",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "year"]),
            models.Index(fields=["year"]),
            # Failed assessments are few; the compliance engine reads a year's whole population
            # of them (CQ-M3, ZZ-M4: no 优秀 after a failed off-the-job assessment).
            models.Index(
                fields=["year", "person"],
                condition=models.Q(result="failed"),
                name="ledger_failed_by_year",
            ),
        ]

    def __str__(self) -> str:
        amount = f"{self.hours}h" if self.hours is not None else f"{self.days}d"
        return f"{self.person_id}#{self.seq} {self.date} {amount} {self.title}"


class LedgerSubjectHours(AppendOnlyModel):
    """Hours of one subject inside an entry (e.g. 法治 4 h inside initial training, CQ-T4a).

    person_id and year are copied from the entry so rules aggregate without a join.
    """

    # No index of its own: the unique (entry, subject) index starts with it.
    entry = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="subjects", db_index=False
    )
    # A copy of entry.person, whose own foreign key already guarantees the person: no second
    # constraint to check per row (bulk writes, bench/ledger.py). Verification joins subject
    # rows on entry and person, so a changed copy shows as a changed entry.
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    year = models.PositiveSmallIntegerField()
    subject = models.CharField(max_length=32)  # catalogue subject code, e.g. "law"
    hours = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "subject"], name="ledger_subject_once"),
        ]
        indexes = [models.Index(fields=["year", "subject"])]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.subject} {self.hours}h"


class LedgerChainHead(models.Model):
    """The last (seq, hash) of a person's chain: the row writers lock to extend the chain.

    Internal bookkeeping, not evidence: verification recomputes chains from the entries and
    only reports where this row disagrees with them (a deleted last entry).
    """

    person = models.OneToOneField(
        "people.Person", primary_key=True, on_delete=models.PROTECT, related_name="+"
    )
    seq = models.PositiveIntegerField(default=0)
    hash = models.CharField(max_length=64)
    # What the latest checkpoint signed for this chain (issue 8 item 15). A head whose hash
    # differs is what the next checkpoint must cover; the partial index finds those without
    # reading every head. Bookkeeping too: the checkpoint job takes the signed head from
    # LedgerCheckpointHead (the evidence) and verification compares the two.
    # Database defaults as well: writers insert heads with raw SQL (services.writer.lock_heads).
    signed_seq = models.PositiveIntegerField(default=0, db_default=0)
    signed_hash = models.CharField(max_length=64, default="0" * 64, db_default="0" * 64)

    class Meta:
        indexes = [
            models.Index(
                fields=["person"],
                condition=~models.Q(hash=models.F("signed_hash")),
                name="ledger_head_unsigned",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.seq}"


class LedgerChange(models.Model):
    """Outbox of the ledger (ADR 0013): a (person, year) whose entries changed, written in the
    writer's own transaction. Apps that derive state from the ledger (compliance) pull and
    delete these rows in their own transaction, so a change is never lost between the
    ledger's commit and theirs. A pair changed again before it was pulled gets the newer
    time. Bookkeeping, not evidence: not audited, not hashed."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    year = models.PositiveSmallIntegerField()
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="ledger_change_once")
        ]

    def __str__(self) -> str:
        return f"changed {self.person_id} {self.year}"


class LedgerCheckpoint(AppendOnlyModel):
    """A signed digest of every chain's head at one moment (ADR 0007).

    Scheme 1 (the first, daily checkpoints) signs SHA-256 of every head; scheme 2 signs
    SHA-256 of the previous checkpoint's digest and the heads changed since, so signing costs
    what changed (issue 8 item 15: a checkpoint every few minutes); scheme 3 is scheme 2 in
    SM3, written under the 国密 suite and signed with its SM2 key when one is set (#17 item 5).
    `public_key` says which kind of key signed (core.signing)."""

    date = models.DateField(help_text="day (Asia/Shanghai) the checkpoint was taken")
    created_at = models.DateTimeField()
    scheme = models.PositiveSmallIntegerField(default=1)
    entry_count = models.PositiveBigIntegerField()
    chain_count = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    signature = models.CharField(max_length=200)
    public_key = models.CharField(max_length=200)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"checkpoint {self.date} {self.entry_count} entries"


class LedgerCheckpointHead(AppendOnlyModel):
    """A chain head that changed since the previous checkpoint; the heads of checkpoint n are
    the latest rows per person with checkpoint ≤ n, so a checkpoint stores only what
    changed since the previous one."""

    checkpoint = models.ForeignKey(LedgerCheckpoint, on_delete=models.PROTECT, related_name="+")
    person_id = models.BigIntegerField()
    seq = models.PositiveIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["person_id", "checkpoint"])]

    def __str__(self) -> str:
        return f"{self.checkpoint_id}:{self.person_id}@{self.seq}"


class LedgerVerification(AppendOnlyModel):
    """The outcome of one `civtrain verify-ledger` run, for the bureau's status page."""

    at = models.DateTimeField()
    ok = models.BooleanField()
    entry_count = models.PositiveBigIntegerField()
    chain_count = models.PositiveIntegerField()
    checkpoint_id = models.BigIntegerField(null=True, blank=True)
    checkpoint_valid = models.BooleanField(null=True)
    problem_count = models.PositiveIntegerField()
    problems = models.JSONField(default=list, blank=True)  # the first 200 problems
    seconds = models.FloatField()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"verification {self.at:%Y-%m-%d %H:%M} ok={self.ok}"


class ExternalClaim(models.Model):
    """External or degree study claimed for credit, approved by the unit (ZZ-T2(3)).

    A claim is a workflow record, not evidence of hours: only its approval writes a ledger
    entry, so its status may change.
    """

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    training_type = models.CharField(max_length=16)
    mode = models.CharField(max_length=16)
    start_date = models.DateField(null=True, blank=True)
    date = models.DateField()
    hours = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    days = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    subject_hours = models.JSONField(default=dict, blank=True)  # code → "4.00"
    degree_study = models.BooleanField(default=False)
    description = models.TextField(blank=True)
    evidence = models.FileField(upload_to="claims/%Y/%m/", blank=True)
    status = models.CharField(max_length=12, default="pending", db_index=True)
    submitted_by_id = models.BigIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField()
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(max_length=300, blank=True)
    entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"claim {self.pk} {self.title}"
