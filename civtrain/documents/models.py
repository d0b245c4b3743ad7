"""Issued documents: what each one said (the signed content), and which replaced which."""

from django.db import models


class Document(models.Model):
    """One issued document. Its PDF is rendered again from `content` on each download, so
    the stored, signed content is the document; a re-issue with different content (after a
    ledger correction) is a new row, and the old one points at it (ADR 0020)."""

    serial = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=24)  # documents.data.DocumentKind
    # A person's document; an org node's (the half-year notice) has org_id instead.
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    class_id = models.BigIntegerField(null=True, blank=True)
    org_id = models.BigIntegerField(null=True, blank=True)
    half = models.PositiveSmallIntegerField(null=True, blank=True)  # 1 or 2 (the notice)
    # The person's unit path when issued: bulk downloads and the audit trail file under it.
    org_path = models.CharField(max_length=255)
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)  # SHA-256 of the canonical content
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=100)
    issued_at = models.DateTimeField()
    issued_by_id = models.BigIntegerField(null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )

    class Meta:
        indexes = [models.Index(fields=["person", "kind", "year", "class_id"])]

    def __str__(self) -> str:
        return f"{self.serial} {self.kind} {self.person_id}"
