"""What the site shell keeps per user: named filters of the long lists (issue #11 item 2)."""

from django.conf import settings
from django.db import models


class SavedFilter(models.Model):
    """A list's filters saved under a name by one user ("渝中区 · 逾期未完成"): the list's
    path and its query string without the page number. A preference, not a record: only its
    owner sees it, and it is not audited."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=200)
    name = models.CharField(max_length=60)
    query = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "path", "name"], name="saved_filter_name_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.path})"
