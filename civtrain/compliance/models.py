"""Loaded rule sets, their bindings to org nodes, and stored evaluation snapshots."""

from django.db import models


class RuleSet(models.Model):
    """One version of a rule-set file as loaded; versions are never edited, only added."""

    name = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    document = models.JSONField()  # the validated file, as JSON
    sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="ruleset_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"


class RuleSetBinding(models.Model):
    """A rule set governs an org subtree for a period; the nearest bound ancestor wins."""

    ruleset = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="bindings")
    org = models.ForeignKey("organisations.OrgNode", on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["org_id", "valid_from"]

    def __str__(self) -> str:
        return f"{self.ruleset} → org {self.org_id} {self.valid_from}…{self.valid_to or ''}"


class ComplianceSnapshot(models.Model):
    """One person's outcomes for one year as computed at `as_of`, kept so the question
    "why was X not compliant on 31 Dec 2018" can be answered later. Re-evaluations add a
    row and clear `is_latest` on the person's previous one for that year."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    as_of = models.DateField()
    unit_id = models.BigIntegerField()
    unit_path = models.CharField(max_length=255)  # for scoping and per-unit aggregation
    ruleset = models.CharField(max_length=80)  # "name@version"
    outcomes = models.JSONField()
    linkage = models.JSONField()
    complete = models.BooleanField()
    eligible_excellent = models.BooleanField()
    grade_deferred = models.BooleanField()
    appointment_blocked = models.BooleanField()
    risk = models.IntegerField()
    is_latest = models.BooleanField(default=True)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["person", "year", "as_of"]),
            models.Index(
                fields=["year", "unit_path"],
                name="snapshot_latest_unit",
                condition=models.Q(is_latest=True),
                opclasses=["int2_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year} @ {self.as_of}"


class StaleEvaluation(models.Model):
    """A (person, year) whose stored snapshot predates a ledger write (issue 4 §4): marked in
    one statement by the ledger_written receiver, cleared when the pair is re-evaluated.
    Bookkeeping like a cache index: it holds no decision, so it is not audited (the ledger
    write that caused it and the snapshot that clears it are)."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    year = models.PositiveSmallIntegerField()
    marked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="stale_person_year_once")
        ]

    def __str__(self) -> str:
        return f"stale {self.person_id} {self.year}"
