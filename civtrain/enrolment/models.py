"""Enrolment of people in classes, attendance, leave, results, and feedback to units."""

from typing import Any

from django.db import models

from civtrain.enrolment.data import (
    ATTENDANCE_LABELS,
    ENROLMENT_STATUS_LABELS,
    LEAVE_STATUS_LABELS,
    WITHDRAWAL_REASON_LABELS,
    AttendanceMethod,
    EnrolmentStatus,
    LeaveStatus,
    MessageKind,
)


def _score(label: str) -> "models.DecimalField[Any, Any]":
    return models.DecimalField(label, max_digits=5, decimal_places=1, null=True, blank=True)


class Enrolment(models.Model):
    training_class = models.ForeignKey(
        "classes.TrainingClass", on_delete=models.PROTECT, related_name="enrolments"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    # The trainee's unit when nominated: the unit that receives the result (ZZ-M2).
    unit = models.ForeignKey("organisations.OrgNode", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        "状态",
        max_length=16,
        choices=[(k.value, v) for k, v in ENROLMENT_STATUS_LABELS.items()],
        default=EnrolmentStatus.ENROLLED,
        db_index=True,
    )
    status_reason = models.CharField("原因", max_length=300, blank=True)
    # Who took the trainee off the class, when and why (#11 item 4); empty while on it.
    withdrawal_reason = models.CharField(
        "退出类别",
        max_length=24,
        blank=True,
        choices=[(k.value, v) for k, v in WITHDRAWAL_REASON_LABELS.items()],
    )
    withdrawn_by_id = models.BigIntegerField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    self_registered = models.BooleanField(default=False)
    nominated_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    # Results (CQ-O4, ZZ-M1): exam, conduct record (写实记录) items, peer evaluation (民主评议).
    exam_score = _score("考试成绩")
    conduct_attitude = _score("学习态度")
    conduct_participation = _score("课堂参与")
    conduct_interaction = _score("交流研讨")
    conduct_discipline = _score("遵守纪律")
    peer_score = _score("民主评议")
    total_score = _score("综合成绩")
    passed = models.BooleanField("合格", null=True, blank=True)

    class Meta:
        ordering = ["training_class_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["training_class", "person"], name="enrol_once"),
        ]
        indexes = [models.Index(fields=["training_class", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.training_class_id}:{self.person_id} {self.status}"


class Attendance(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    session = models.ForeignKey("classes.Session", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=8, choices=[(k.value, v) for k, v in ATTENDANCE_LABELS.items()]
    )
    method = models.CharField(max_length=8, choices=[(m.value, m.value) for m in AttendanceMethod])
    recorded_at = models.DateTimeField()
    recorded_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "session"], name="attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}@{self.session_id} {self.status}"


class LeaveRequest(models.Model):
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="leave_requests"
    )
    session = models.ForeignKey(
        "classes.Session", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hours = models.DecimalField("请假学时", max_digits=5, decimal_places=1)
    reason = models.CharField("事由", max_length=300)
    status = models.CharField(
        max_length=8,
        choices=[(k.value, v) for k, v in LEAVE_STATUS_LABELS.items()],
        default=LeaveStatus.PENDING,
    )
    requested_at = models.DateTimeField()
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.hours}h {self.status}"


class UnitNotice(models.Model):
    """A trainee's result fed back to the trainee's unit, acknowledged by its HR (ZZ-M2)."""

    unit = models.ForeignKey("organisations.OrgNode", on_delete=models.PROTECT, related_name="+")
    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="notice")
    title = models.CharField(max_length=200)
    body = models.TextField()
    passed = models.BooleanField(null=True)
    total_score = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    absent_sessions = models.PositiveIntegerField(default=0)
    leave_hours = models.DecimalField(max_digits=6, decimal_places=1, default=0)
    created_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["acknowledged_at", "-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class TrainingNotice(models.Model):
    """A 调训通知 of a class: the organiser's text (and a file) sent to the units of the
    people nominated, each unit acknowledging it in its inbox (#11 item 4)."""

    training_class = models.ForeignKey(
        "classes.TrainingClass", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文")
    # The attachment is kept in the database: small (≤ 5 MB), served only to the units
    # that received the notice and the class's managers.
    file_name = models.CharField(max_length=200, blank=True)
    file_data = models.BinaryField(null=True, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class UnitMessage(models.Model):
    """A message to a unit's inbox about its people in a class, to acknowledge: a trainee
    admitted from the waitlist, or a class's training notice (#11 item 4)."""

    unit = models.ForeignKey("organisations.OrgNode", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=[(k.value, k.value) for k in MessageKind])
    training_class = models.ForeignKey(
        "classes.TrainingClass", on_delete=models.PROTECT, related_name="+"
    )
    notice = models.ForeignKey(
        TrainingNotice, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    enrolment = models.ForeignKey(
        Enrolment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["acknowledged_at", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "unit"],
                condition=models.Q(notice__isnull=False),
                name="training_notice_once_per_unit",
            )
        ]

    def __str__(self) -> str:
        return self.title
