"""The learning record store's tables: credentials, statements and their index rows,
attachments, documents (state, profiles), activities and the actors still to be mapped.

Indexes are chosen for 10⁷ statements (ADR 0018): statements are read newest first by
(credential, stored, id); every filter the Statements resource offers (agent, verb, activity,
registration, related_*) is one index-range lookup in `StatementLink` by (kind, key, …).
"""

from django.conf import settings
from django.db import models


class Credential(models.Model):
    """An activity provider's HTTP Basic credential, bound to an org subtree (#13 item 2)."""

    name = models.CharField("名称", max_length=100)
    key = models.CharField(max_length=32, unique=True)
    # HMAC-SHA256 (server key) of the high-entropy secret: never the secret itself.
    secret_hash = models.CharField(max_length=64)
    org = models.ForeignKey("organisations.OrgNode", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["org_path"], name="xapi_cred_org_path")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class Statement(models.Model):
    """One stored statement. `payload` (the statement as stored, JSON) never changes; `voided`
    and `person_id` are the LRS's own bookkeeping about it."""

    statement_id = models.UUIDField(unique=True)
    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="+")
    stored = models.DateTimeField()
    verb = models.CharField(max_length=512)
    actor_key = models.CharField(max_length=512)
    activity = models.CharField(max_length=512, blank=True)  # the object, when an Activity
    voided = models.BooleanField(default=False)
    voids = models.UUIDField(null=True, blank=True)  # the target, when this is a voiding statement
    person_id = models.IntegerField(null=True, blank=True)  # the matched civil servant
    payload = models.TextField()

    class Meta:
        indexes = [
            models.Index(fields=["credential", "stored", "id"], name="xapi_stmt_cred_stored"),
            models.Index(fields=["person_id", "activity"], name="xapi_stmt_person_activity"),
            models.Index(fields=["actor_key"], name="xapi_stmt_actor"),
        ]

    def __str__(self) -> str:
        return str(self.statement_id)


class StatementLink(models.Model):
    """What a statement is about, one row per filterable value: kind `agent` (actor, object
    agent — `direct` — or any other agent: authority, instructor, team, members, sub-statement),
    `activity` (object — direct — or context activities, sub-statement object), `verb`,
    `registration`. A statement targeting another through a StatementRef also carries the
    target's rows, so filters match it as the specification asks (Data 2.5.3)."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=12)
    key = models.CharField(max_length=512)
    direct = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "key", "statement"], name="xapi_link_lookup")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.key}"


class Attachment(models.Model):
    """Attachment content, stored once per SHA-2 however many statements carry it."""

    sha2 = models.CharField(max_length=128, unique=True)
    content_type = models.CharField(max_length=255)
    content = models.BinaryField()

    def __str__(self) -> str:
        return self.sha2


class Document(models.Model):
    """A State, Activity Profile or Agent Profile document, private to the credential."""

    class Kind(models.TextChoices):
        STATE = "state"
        ACTIVITY_PROFILE = "activity_profile"
        AGENT_PROFILE = "agent_profile"

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    activity = models.CharField(max_length=512, blank=True)
    agent_key = models.CharField(max_length=512, blank=True)
    registration = models.CharField(max_length=36, blank=True)
    document_id = models.CharField(max_length=512)
    content_type = models.CharField(max_length=255)
    content = models.BinaryField()
    etag = models.CharField(max_length=64)
    updated = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "credential",
                    "kind",
                    "activity",
                    "agent_key",
                    "registration",
                    "document_id",
                ],
                name="xapi_document_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.document_id}"


class Activity(models.Model):
    """The canonical definition of an activity, as last given by a provider."""

    iri = models.CharField(max_length=512, unique=True)
    definition = models.TextField()  # JSON

    def __str__(self) -> str:
        return self.iri


class ActorMapping(models.Model):
    """An actor (by its identifier) matched by hand to a civil servant (#13 item 3)."""

    actor_key = models.CharField(max_length=512, unique=True)
    person_id = models.IntegerField()
    mapped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    mapped_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.actor_key


class UnknownActor(models.Model):
    """An actor no civil servant matched, kept for a person to map (#13 item 3)."""

    actor_key = models.CharField(max_length=512, unique=True)
    actor = models.TextField()  # the Agent as first seen, JSON
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=255)  # the credential's subtree at first sight
    first_seen = models.DateTimeField()
    mapped = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["org_path"], name="xapi_unknown_org_path")]

    def __str__(self) -> str:
        return self.actor_key
