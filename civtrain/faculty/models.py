"""The teacher pool (师资库, CQ-B2): internal and external teachers with their subjects."""

from django.conf import settings
from django.db import models

from civtrain.core import crypto
from civtrain.faculty.data import TEACHER_CATEGORY_LABELS, TeacherCategory

PHONE_CONTEXT = b"teacher.phone"


class Teacher(models.Model):
    name = models.CharField("姓名", max_length=50, db_index=True)
    # Internal: staff of an institution or a serving official; external: invited experts.
    internal = models.BooleanField("内部师资", default=True)
    category = models.CharField(
        "师资类别",
        max_length=16,
        choices=[(k.value, v) for k, v in TEACHER_CATEGORY_LABELS.items()],
        default=TeacherCategory.EXPERT,
    )
    full_time = models.BooleanField("专职", default=False)  # 专职 or 兼职 (part-time)
    title = models.CharField("职称/职务", max_length=50, blank=True)
    # Catalogue subject codes the teacher covers.
    subjects = models.JSONField("授课科目", default=list, blank=True)
    phone_enc = models.BinaryField(null=True, blank=True, editable=False)
    phone_masked = models.CharField("手机号", max_length=20, blank=True, editable=False)
    # The node that keeps this teacher in its pool; the scope of who may edit the record.
    org = models.ForeignKey("organisations.OrgNode", on_delete=models.PROTECT, related_name="+")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teacher",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def phone(self) -> str:
        return (
            crypto.decrypt(bytes(self.phone_enc), context=PHONE_CONTEXT) if self.phone_enc else ""
        )
