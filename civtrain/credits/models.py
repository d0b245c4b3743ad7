"""The append-only, hash-chained ledger of credited training hours (CQ-M3, ZZ-M3).

Sums are plain SQL: a reversal entry carries the negated hours, days and subject hours of
the entry it cancels, dated like it, so every aggregate treats the pair as if the original
had never been written (REQUIREMENTS §8 "Corrections").
"""

from django.db import models

from civtrain.core.models import AppendOnlyModel


class LedgerEntry(AppendOnlyModel):
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    # Position in the person's chain, 1, 2, 3 …; unique per person so racing writers collide.
    seq = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    start_date = models.DateField(null=True, blank=True)
    date = models.DateField(help_text="end (completion) date; decides the year it counts in")
    year = models.PositiveSmallIntegerField()
    hours = models.DecimalField(max_digits=8, decimal_places=2)
    days = models.DecimalField(max_digits=7, decimal_places=2)
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
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "seq"], name="ledger_chain_position"),
            models.UniqueConstraint(
                fields=["person", "source_type", "source_ref"], name="ledger_source_once"
            ),
        ]
        indexes = [models.Index(fields=["person", "year"]), models.Index(fields=["year"])]

    def __str__(self) -> str:
        return f"{self.person_id}#{self.seq} {self.date} {self.hours}h {self.title}"


class LedgerSubjectHours(AppendOnlyModel):
    """Hours of one subject inside an entry (e.g. 法治 4 h inside initial training, CQ-T4a).

    person_id and year are copied from the entry so rules aggregate without a join.
    """

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="subjects")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
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
