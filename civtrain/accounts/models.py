"""Users, their roles bound to org nodes, and API tokens for integrations."""

from django.contrib.auth.models import AbstractUser
from django.db import models

from civtrain.accounts.data import ROLE_LABELS, Role


class User(AbstractUser):
    # Login names are chosen or generated, never the ID number (REQUIREMENTS §7).
    display_name = models.CharField("姓名", max_length=50, blank=True)
    # Set when an HR officer issues or resets the password (#11 item 1): the holder must
    # choose their own before anything else, so the officer never knows a live password.
    must_change_password = models.BooleanField("须修改密码", default=False)

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignment(models.Model):
    # No index of its own: the unique (user, role, org) index starts with it.
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", db_index=False
    )
    role = models.CharField(max_length=32, choices=[(r.value, ROLE_LABELS[r]) for r in Role])
    org = models.ForeignKey(
        "organisations.OrgNode", on_delete=models.PROTECT, related_name="role_assignments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "org"], name="unique_role_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {ROLE_LABELS[Role(self.role)]} · {self.org_id}"


class ApiToken(models.Model):
    """A bearer token for an integration; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Every token ends (#8 item 13): 90 days unless its creator chose otherwise.
    expires_at = models.DateTimeField()
    revoked = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
