"""The jurisdiction tree, stored as a materialised path for fast subtree queries (CQ-O2)."""

from django.db import models

from civtrain.organisations.data import ORG_KIND_LABELS, OrgKind

SEGMENT_WIDTH = 9  # each path segment is the node id, zero-padded, plus "/"


def path_segment(node_id: int) -> str:
    return f"{node_id:0{SEGMENT_WIDTH}d}/"


class OrgNode(models.Model):
    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField(
        "类型", max_length=16, choices=[(k.value, ORG_KIND_LABELS[k]) for k in OrgKind]
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # "000000001/000000007/" — every descendant's path starts with its ancestors' paths.
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    active = models.BooleanField("启用", default=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["path"]
        indexes = [
            # LIKE 'prefix%' on PostgreSQL needs a pattern-ops index under non-C collations.
            models.Index(
                fields=["path"], name="orgnode_path_like", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"
