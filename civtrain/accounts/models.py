"""Users, their roles bound to org nodes, and API tokens for integrations."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django_otp.models import Device

from civtrain.accounts.data import ROLE_LABELS, Role


class User(AbstractUser):  # type: ignore[django-manager-missing]  # django-otp's devices
    # Login names are chosen or generated, never the ID number (REQUIREMENTS §7).
    display_name = models.CharField("姓名", max_length=50, blank=True)
    # Set when an HR officer issues or resets the password (#11 item 1): the holder must
    # choose their own before anything else, so the officer never knows a live password.
    must_change_password = models.BooleanField("须修改密码", default=False)
    # When the holder last chose a password (#17 item 1): the city's policy makes it expire.
    # Empty for accounts that never chose one (no password yet, or one issued by HR).
    password_changed_at = models.DateTimeField(null=True, blank=True)

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


class SecurityPolicy(models.Model):
    """A city's account policy (#17 item 1), set by its security administrator; a city
    without a row has accounts.data.DEFAULT_POLICY."""

    city = models.OneToOneField(
        "organisations.OrgNode", on_delete=models.PROTECT, related_name="security_policy"
    )
    min_length = models.PositiveSmallIntegerField(default=10)
    min_classes = models.PositiveSmallIntegerField(default=3)
    history = models.PositiveSmallIntegerField(default=5)
    expiry_days = models.PositiveSmallIntegerField(default=90)
    idle_minutes = models.PositiveSmallIntegerField(default=30)
    absolute_hours = models.PositiveSmallIntegerField(default=12)
    learner_second_factor = models.BooleanField(default=False)
    # #17 item 4 (PIPL): years after leaving before a person's data is anonymised
    # (`civtrain retention`); 0: not set, nobody is anonymised.
    retention_years = models.PositiveSmallIntegerField(default=0)
    # #17 item 4 (8.1.4.2 c): staff accounts with no login for this many days are listed
    # for the security administrator's review (/account/dormant/).
    dormant_days = models.PositiveSmallIntegerField(default=90)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"policy of org {self.city_id}"


class PasswordHistory(models.Model):
    """A password hash the user held before (#17 item 1): a new password may not repeat the
    last few. Only hashes, as in User.password."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"


class SecurityKey(Device):
    """A WebAuthn security key (FIDO2, #17 item 1) as a django-otp device, so that a login
    verified with it is a verified login like one with TOTP. Stores the credential's id and
    public key (COSE) and the signature counter that detects a cloned key."""

    credential_id = models.CharField(max_length=512, unique=True)  # base64url
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def verify_is_allowed(self) -> tuple[bool, dict[str, str] | None]:
        # Verified only through the WebAuthn ceremony (accounts.webauthn), never a token.
        return False, {"reason": "webauthn"}
