"""Annual training plans (ZZ-O1): a plan per node and year, its planned classes, the
filing history, and each city's deadline for the year."""

from django.db import models

from civtrain.plans.data import (
    PLAN_STATUS_LABELS,
    SELF_CHECK_KIND_LABELS,
    SELF_CHECK_STATUS_LABELS,
    PlanStatus,
    ReviewAction,
    SelfCheckStatus,
)


class PlanDeadline(models.Model):
    """The day by which the units under a city file their plan for a year (ZZ-O1)."""

    city = models.ForeignKey("organisations.OrgNode", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    deadline = models.DateField("报送截止日期")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["city", "year"], name="plan_deadline_once")]

    def __str__(self) -> str:
        return f"{self.year}: {self.deadline}"


class AnnualPlan(models.Model):
    org = models.ForeignKey("organisations.OrgNode", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(db_index=True)
    status = models.CharField(
        "状态",
        max_length=16,
        choices=[(k.value, v) for k, v in PLAN_STATUS_LABELS.items()],
        default=PlanStatus.DRAFT,
    )
    notes = models.TextField("编制说明", blank=True)  # e.g. what the needs survey found (CQ-M1)
    # The needs survey the plan answers (CQ-M1: survey → plan, the loop's first step).
    survey = models.ForeignKey(
        "surveys.Survey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    filed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "org__path"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="annual_plan_once")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.year}"


class PlannedClass(models.Model):
    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="classes")
    title = models.CharField("班名", max_length=200)
    training_type = models.CharField("培训类型", max_length=16)
    subjects = models.JSONField("科目", default=list)
    audience = models.CharField("培训对象", max_length=200, blank=True)
    size = models.PositiveIntegerField("计划人数")
    hours = models.DecimalField("学时", max_digits=6, decimal_places=1)
    budget = models.DecimalField("预算（元）", max_digits=12, decimal_places=2, default=0)
    # The real class that delivers it (plan against actual, ZZ-O1).
    training_class = models.ForeignKey(
        "classes.TrainingClass", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["plan_id", "id"]

    def __str__(self) -> str:
        return self.title


class PlanReview(models.Model):
    """One step of the filing workflow: submitted, returned (with reasons) or filed."""

    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="reviews")
    action = models.CharField(max_length=16, choices=[(a.value, a.value) for a in ReviewAction])
    reason = models.TextField(blank=True)
    actor_id = models.BigIntegerField(null=True)
    actor_name = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["plan_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.action}"


class SelfCheck(models.Model):
    """A node's self-check report (ZZ-O2, CQ-O1): yearly, or the mid-term check or final
    evaluation of a programme period; figures pre-filled from the platform, completed in text,
    submitted to the bureau above, accepted or returned with a reason."""

    org = models.ForeignKey("organisations.OrgNode", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        "类型", max_length=16, choices=[(k.value, v) for k, v in SELF_CHECK_KIND_LABELS.items()]
    )
    year_from = models.PositiveSmallIntegerField("起始年度")
    year_to = models.PositiveSmallIntegerField("截止年度", db_index=True)
    figures = models.JSONField(default=list)  # [YearFigures as a dict, …], one per year
    achievements = models.TextField("主要做法和成效", blank=True)
    problems = models.TextField("存在的问题", blank=True)
    measures = models.TextField("改进措施", blank=True)
    status = models.CharField(
        "状态",
        max_length=16,
        choices=[(k.value, v) for k, v in SELF_CHECK_STATUS_LABELS.items()],
        default=SelfCheckStatus.DRAFT,
    )
    reason = models.TextField(blank=True)  # the bureau's reason when returned
    figures_at = models.DateTimeField(null=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year_to", "org__path", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "kind", "year_from", "year_to"], name="self_check_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.kind} {self.year_from}-{self.year_to}"
