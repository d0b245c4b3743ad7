"""Audit events: who changed what, when, from where. Append-only."""

from typing import Any, NoReturn

from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError(f"{self.model.__name__} rows are append-only")

    def delete(self) -> NoReturn:
        raise TypeError(f"{self.model.__name__} rows are append-only")


class AppendOnlyModel(models.Model):
    """A model whose rows the app may insert but never change or remove."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(f"{type(self).__name__} rows are append-only")


class AuditEvent(AppendOnlyModel):
    """One recorded action: who did what to which object, when, from where. Append-only.

    The evidence — `at`, the actor, the address, `action`, the object and `changes` — is
    never changed once written. `org_path` is different: it is not part of what happened but
    an index saying which org subtree the row is filed under, so the audit page can be scoped
    ("the events of my subtree"). When an org subtree moves (`organisations` org_move), the
    paths of its nodes change, and the audit rows filed under them are re-filed under the new
    path in the same transaction (`core.audit.audit_org_paths_move`); otherwise the unit's
    history would vanish from the district that now holds it and stay visible to the one that
    no longer does. That re-filing is not an edit of evidence: no recorded fact changes, the
    old path is itself recorded (the `org.move` event keeps the old and new paths and the
    number of rows re-filed), and where the unit sat at any moment can be read back from the
    sequence of `org.move` events.
    """

    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=64)  # indexed in Meta
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=200, blank=True)
    # Tree path of the org node the object belongs to, so audit views can be scoped; the
    # one column maintained after insert (re-filed when its subtree moves, see above).
    org_path = models.CharField(max_length=255, blank=True)  # indexed in Meta
    changes = models.JSONField(default=dict, blank=True)
    # The audit chain (#17 item 3, ADR 0025): set once by core.audit_chain's sealer, in the
    # order rows are sealed; hash = SHA-256(previous hash ‖ evidence). Never changed after.
    # No index on either: imports write an audit row per person (bench/roster.py), and only
    # the sealer and verify-audit read them, each in one pass.
    seal_seq = models.BigIntegerField(null=True, blank=True)
    seal_hash = models.CharField(max_length=64, null=True, blank=True)
    # The hash that chained the row: "sha256", or "sm3" under the 国密 suite (#17 item 5).
    # Set with the seal; changing it afterwards breaks the row's hash.
    seal_algorithm = models.CharField(max_length=8, default="sha256", db_default="sha256")

    class Meta:
        ordering = ["-at", "-id"]
        # One index each for action (equality) and org_path (subtree prefixes; on PostgreSQL
        # its pattern operator class), not Django's two per CharField: every import writes
        # an audit row per person (bench/roster.py).
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["action"], name="audit_action"),
            models.Index(
                fields=["org_path"], name="audit_org_path", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_label}"


class BackgroundJob(models.Model):
    """Work taken off the request path (imports): its progress and its outcome for a page."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField(max_length=64)
    # "module:function" of the code that does the work; only code sets it, never a request.
    runner = models.CharField(max_length=200)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    params = models.JSONField(default=dict, blank=True)
    input_file = models.CharField(max_length=255, blank=True)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    error_file = models.CharField(max_length=255, blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Who runs it ("host:pid") and when it last said so: a job whose process died (kill -9,
    # a crash, a redeploy) is failed by core.jobs.jobs_recover instead of "running" forever.
    worker = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.status}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.processed / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class AuditSeal(AppendOnlyModel):
    """One sealing run: the chain's head after it. verify-audit checks the rows against the
    latest seal, so a row removed from the end of the chain is noticed too (ADR 0025)."""

    at = models.DateTimeField()
    head_seq = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    rows = models.IntegerField()  # sealed by this run
    # The highest row id sealed so far: a later run scans from the value of the last seal
    # older than the longest transaction (rows commit out of id order).
    max_id = models.BigIntegerField()
    # The platform key's signature over the seal (#17 item 3): a database owner who rewrites
    # every later hash still cannot make a seal that verifies (the key is not in the
    # database). Blank on seals written before seals were signed, or with no key configured.
    signature = models.TextField(blank=True, default="")
    key_id = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        ordering = ["-head_seq"]

    def __str__(self) -> str:
        return f"seal {self.head_seq} {self.head_hash[:12]}"


class AuditArchive(AppendOnlyModel):
    """Audit rows moved out of the database into a file (`civtrain audit-archive`): the chain
    range they covered, the hashes at both ends and the file's digest, so verification
    continues from `head_hash` and the file can be checked on its own (ADR 0025)."""

    at = models.DateTimeField()
    before = models.DateTimeField()  # every archived row is older than this
    from_seq = models.BigIntegerField()
    upto_seq = models.BigIntegerField()
    from_hash = models.CharField(max_length=64)  # the link before from_seq
    head_hash = models.CharField(max_length=64)  # seal_hash of upto_seq
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    signature = models.TextField(blank=True, default="")  # as AuditSeal's
    key_id = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        ordering = ["-upto_seq"]

    def __str__(self) -> str:
        return f"archive {self.from_seq}–{self.upto_seq} {self.file_name}"
