"""A user's in-platform messages: reminders and notices from the platform's own workflows.

There is no e-mail on a government intranet (REQUIREMENTS §7); the inbox is where a reminder
(ZZ-N2's half-year notice, an exam campaign, an evaluation to fill in) reaches a person.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Message(models.Model):
    # No index of its own: the (user, read_at, id) index starts with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="inbox_messages",
        db_index=False,
    )
    # What sent it, e.g. "learning.reminder" (the sending app's name first), for filtering.
    kind = models.CharField("类型", max_length=50)
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    # A path inside the platform where the recipient acts on the message; never external.
    url = models.CharField("链接", max_length=300, blank=True)
    # Non-empty: at most one message per user with this key (a reminder run every day).
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField("发送时间")
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "id"], name="inbox_user_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="inbox_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.subject}"
