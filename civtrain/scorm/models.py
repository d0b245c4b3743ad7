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
