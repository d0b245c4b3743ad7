"""The subject taxonomy, editable by the city bureau (ZZ-T2, CQ-T1…T5)."""

from django.db import models


class Subject(models.Model):
    # Codes are what rule sets and ledger entries store; names may be renamed freely.
    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=50)
    active = models.BooleanField("启用", default=True)
    sort_order = models.IntegerField("排序", default=0)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name
