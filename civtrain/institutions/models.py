"""Training institutions and their recognition (资格认定, CQ-B1)."""

from django.conf import settings
from django.db import models

from civtrain.institutions.data import (
    APPLICATION_STATUS_LABELS,
    INSTITUTION_KIND_LABELS,
    ApplicationStatus,
    InstitutionKind,
)


class Institution(models.Model):
    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField(
        "类型",
        max_length=16,
        choices=[(k.value, v) for k, v in INSTITUTION_KIND_LABELS.items()],
        default=InstitutionKind.PARTY_SCHOOL,
    )
    # The node the institution belongs to. Institution staff bound to a node act for every
    # institution whose node lies in their subtree; bureaus manage those in theirs.
    org = models.ForeignKey(
        "organisations.OrgNode", on_delete=models.PROTECT, related_name="+", verbose_name="所属"
    )
    recognised_from = models.DateField("认定起始", null=True, blank=True)
    recognised_to = models.DateField("认定截止", null=True, blank=True)
    recognised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="认定人",
    )
    address = models.CharField("地址", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RecognitionApplication(models.Model):
    """An institution applies for (renewed) recognition; a bureau above it grants a period or
    refuses with a reason (资格认定, CQ-B1)."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="applications"
    )
    requested_from = models.DateField("申请认定起始")
    requested_to = models.DateField("申请认定截止")
    note = models.TextField("申请说明", blank=True)
    status = models.CharField(
        "状态",
        max_length=16,
        choices=[(k.value, v) for k, v in APPLICATION_STATUS_LABELS.items()],
        default=ApplicationStatus.PENDING,
    )
    reason = models.TextField("不予认定原因", blank=True)
    applied_by_id = models.BigIntegerField(null=True)
    decided_by_id = models.BigIntegerField(null=True)
    applied_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-applied_at", "-id"]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.requested_from}~{self.requested_to}"
