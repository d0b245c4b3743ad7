"""SCORM packages (the checked manifest and where the files are stored) and each learner's
runtime data per launchable item (ADR 0017)."""

from django.conf import settings
from django.db import models


class Package(models.Model):
    title = models.CharField("标题", max_length=200)
    version = models.CharField("SCORM 版本", max_length=16)  # data.ScormVersion
    edition = models.CharField("版本说明", max_length=40, blank=True)
    identifier = models.CharField("清单标识", max_length=200, blank=True)
    # The launchable items of the default organization, in order: data.Sco as dicts.
    scos = models.JSONField("可启动条目", default=list)
    file_count = models.PositiveIntegerField("文件数")
    total_bytes = models.PositiveBigIntegerField("解压后大小")
    sha256 = models.CharField("压缩包 SHA-256", max_length=64, db_index=True)
    # The files live in storages["scorm"] under "<storage_key>/<path in the package>".
    storage_key = models.CharField(max_length=32, unique=True, editable=False)
    # The bureau that uploaded it: who may manage it (its subtree's bureaus).
    org = models.ForeignKey("organisations.OrgNode", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Attempt(models.Model):
    """One learner's runtime data for one launchable item (SCO) of a package, as used by one
    learning item: the CMI values kept for resuming, what the platform read from them, and
    the time the server measured while the player was open (ADR 0017)."""

    person_id = models.BigIntegerField(db_index=True)  # people.Person, through people.api
    item_id = models.BigIntegerField()  # learning.Item, through learning.api
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="attempts")
    sco = models.CharField(max_length=200)  # data.Sco.identifier
    cmi = models.JSONField(default=dict)  # runtime.kept_for_resume of the last commit
    last_exit = models.CharField(max_length=16, blank=True)
    completion = models.CharField(max_length=16, blank=True)
    success = models.CharField(max_length=16, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    done = models.BooleanField(default=False)
    # Server-measured time (PR-3): a session opens at launch; each commit or keep-alive of the
    # open player credits the time since the previous one, up to runtime.MAX_GAP_SECONDS.
    earned_seconds = models.PositiveIntegerField(default=0)
    session_key = models.CharField(max_length=32, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    commits = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person_id", "item_id", "sco"], name="scorm_attempt_once"
            )
        ]
        indexes = [models.Index(fields=["package", "person_id"], name="scorm_attempt_package")]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.item_id}/{self.sco}"
