"""Training classes (培训班), their hours per subject, and their sessions (课次)."""

from decimal import Decimal

from django.db import models

from civtrain.catalogue.data import DELIVERY_MODE_LABELS, TRAINING_TYPE_LABELS
from civtrain.classes.data import CLASS_STATUS_LABELS, EXAM_FORM_LABELS, ClassStatus, ExamForm


class TrainingClass(models.Model):
    code = models.CharField("班次编号", max_length=32, unique=True)
    title = models.CharField("班名", max_length=200)
    training_type = models.CharField(
        "培训类型", max_length=16, choices=[(k.value, v) for k, v in TRAINING_TYPE_LABELS.items()]
    )
    mode = models.CharField(
        "培训形式", max_length=16, choices=[(k.value, v) for k, v in DELIVERY_MODE_LABELS.items()]
    )
    # The unit, district or city that holds the class (主办单位).
    organiser = models.ForeignKey(
        "organisations.OrgNode", on_delete=models.PROTECT, related_name="+", verbose_name="主办"
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="classes",
        verbose_name="施教机构",
    )
    start_date = models.DateField("开班日期")
    end_date = models.DateField("结业日期")
    days = models.DecimalField("天数", max_digits=6, decimal_places=1)
    total_hours = models.DecimalField("总学时", max_digits=7, decimal_places=1)
    capacity = models.PositiveIntegerField("计划人数")
    pass_mark = models.DecimalField("合格分数线", max_digits=5, decimal_places=1, default=60)
    exam_form = models.CharField(
        "考核方式",
        max_length=16,
        choices=[(k.value, v) for k, v in EXAM_FORM_LABELS.items()],
        default=ExamForm.CLOSED_BOOK,
    )
    # CQ-O4: weights of the quantified score; they sum to 1.
    weight_exam = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("0.60"))
    weight_conduct = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("0.20"))
    weight_peer = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("0.20"))
    audience = models.CharField("培训对象", max_length=300, blank=True)
    external = models.BooleanField("对口/外地培训", default=False)  # CQ-T8
    self_registration = models.BooleanField("允许个人报名", default=False)
    status = models.CharField(
        "状态",
        max_length=16,
        choices=[(k.value, v) for k, v in CLASS_STATUS_LABELS.items()],
        default=ClassStatus.PLANNED,
        db_index=True,
    )
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return f"{self.title}（{self.code}）"


class ClassSubjectHours(models.Model):
    """Hours of one subject inside a class, e.g. 4 h of law in initial training (CQ-T4a)."""

    training_class = models.ForeignKey(
        TrainingClass, on_delete=models.CASCADE, related_name="subject_hours"
    )
    subject = models.CharField(max_length=32)  # catalogue subject code
    hours = models.DecimalField(max_digits=7, decimal_places=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["training_class", "subject"], name="class_subject_once")
        ]

    def __str__(self) -> str:
        return f"{self.training_class_id} {self.subject} {self.hours}h"


class Session(models.Model):
    """One teaching slot (课次): a class spans several dates and places."""

    training_class = models.ForeignKey(
        TrainingClass, on_delete=models.CASCADE, related_name="sessions"
    )
    date = models.DateField("日期")
    start_time = models.TimeField("开始")
    end_time = models.TimeField("结束")
    place = models.CharField("地点", max_length=200, blank=True)
    topic = models.CharField("专题", max_length=200)
    subject = models.CharField("科目", max_length=32, blank=True)
    teacher = models.ForeignKey(
        "faculty.Teacher",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
        verbose_name="授课教师",
    )
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)

    class Meta:
        ordering = ["date", "start_time", "id"]

    def __str__(self) -> str:
        return f"{self.date} {self.start_time:%H:%M} {self.topic}"
