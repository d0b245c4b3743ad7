"""Civil servants and their career events. ID and phone numbers are stored encrypted."""

from django.conf import settings
from django.db import models

from civtrain.core import crypto
from civtrain.people.data import (
    CATEGORY_LABELS,
    EVENT_LABELS,
    GENDER_LABELS,
    LEVEL_LABELS,
    STATUS_LABELS,
    Category,
    Status,
)

ID_CONTEXT = b"person.id_number"
PHONE_CONTEXT = b"person.phone"


def _choices(labels: dict) -> list[tuple[str, str]]:
    return [(k.value, v) for k, v in labels.items()]


class Person(models.Model):
    name = models.CharField("姓名", max_length=50, db_index=True)
    id_number_enc = models.BinaryField(editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False)  # unique: Meta
    id_number_masked = models.CharField("身份证号", max_length=18, editable=False)
    gender = models.CharField("性别", max_length=1, choices=_choices(GENDER_LABELS))
    birth_date = models.DateField("出生日期", null=True, blank=True)
    phone_enc = models.BinaryField(null=True, blank=True, editable=False)
    phone_masked = models.CharField("手机号", max_length=20, blank=True, editable=False)
    unit = models.ForeignKey(
        "organisations.OrgNode",
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name="单位",
        db_index=False,  # the (unit, status) index starts with it
    )
    category = models.CharField(
        "人员类别", max_length=16, choices=_choices(CATEGORY_LABELS), default=Category.GENERAL
    )
    rank = models.CharField("职级", max_length=16, blank=True)
    leadership_level = models.CharField(
        "职务层次", max_length=24, blank=True, choices=_choices(LEVEL_LABELS)
    )
    grassroots = models.BooleanField("基层", default=False)
    basic_post = models.BooleanField("机关基础岗位", default=False)
    law_enforcement = models.BooleanField("行政执法", default=False)
    reporting_date = models.DateField("报到日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=_choices(STATUS_LABELS), default=Status.ACTIVE
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    # Set when the person, gone longer than their city's retention period, was anonymised
    # (#17 item 4, `civtrain retention`): name pseudonymised, ID and phone erased.
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["unit_id", "name", "id"]
        indexes = [models.Index(fields=["unit", "status"])]
        # A constraint, not unique=True: on PostgreSQL that would add a second, LIKE-pattern
        # index nobody queries. Four indexes fewer than before (the pattern one, unit and
        # status alone) is a quarter less work per imported row (bench/roster.py).
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="person_id_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"

    @property
    def id_number(self) -> str:
        """The clear ID number. Only services that audit a reveal should read it. Empty once
        the person was anonymised (the ciphertext is erased)."""
        if not self.id_number_enc:
            return ""
        return crypto.decrypt(bytes(self.id_number_enc), context=ID_CONTEXT)

    @property
    def phone(self) -> str:
        return (
            crypto.decrypt(bytes(self.phone_enc), context=PHONE_CONTEXT) if self.phone_enc else ""
        )


class CareerEvent(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="career_events")
    kind = models.CharField("事件类型", max_length=16, choices=_choices(EVENT_LABELS))
    date = models.DateField("日期")
    leadership_level = models.CharField(
        "职务层次", max_length=24, blank=True, choices=_choices(LEVEL_LABELS)
    )
    rank = models.CharField("职级", max_length=16, blank=True)
    unit = models.ForeignKey(
        "organisations.OrgNode", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # issue #10 item 4: the category and flags the event sets (blank / null: unchanged) …
    # Database defaults too: set-wise writers (bench data, COPY) may leave them out.
    category = models.CharField(
        "人员类别",
        max_length=16,
        blank=True,
        default="",
        db_default="",
        choices=_choices(CATEGORY_LABELS),
    )
    grassroots = models.BooleanField("基层", null=True, blank=True)
    basic_post = models.BooleanField("机关基础岗位", null=True, blank=True)
    law_enforcement = models.BooleanField("行政执法", null=True, blank=True)
    # … and what it replaced, written when it is recorded (people.data): a transfer's
    # origin unit (item 5: the import's 原单位编码, else the unit before), the other
    # attributes it changed as {field: old value}.
    from_unit = models.ForeignKey(
        "organisations.OrgNode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # read with the person's events, never searched by
    )
    before = models.JSONField(null=True, blank=True)  # None: recorded before it was kept
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person_id", "date", "id"]
        indexes = [models.Index(fields=["kind", "date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "date"], name="one_event_of_a_kind_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.date}"
