"""Class evaluation (凡训必评, CQ-M4).

Anonymous by construction (ADR 0021): `Invitation` knows who was asked and whether they
answered; `Response` and `Answer` hold what was answered and carry no person, no user, no
time and no sequential id — nothing in one table can be joined to the other.
"""

import uuid

from django.conf import settings
from django.db import models

from civtrain.evaluation.data import DIMENSION_LABELS


class EvaluationTemplate(models.Model):
    """The questions a form asks: which dimensions, on what scale, with free text or not."""

    name = models.CharField("名称", max_length=100, unique=True)
    scale = models.PositiveSmallIntegerField("分制", default=5)
    dimensions = models.JSONField("评估维度", default=list)
    free_text = models.BooleanField("意见建议", default=True)
    # The node whose classes use the template (the newest one above a class's organiser).
    org_path = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class ClassEvaluation(models.Model):
    """One class's form, opened for its trainees when the class ends."""

    training_class = models.OneToOneField(
        "classes.TrainingClass", on_delete=models.PROTECT, related_name="+"
    )
    template = models.ForeignKey(EvaluationTemplate, on_delete=models.PROTECT, related_name="+")
    scale = models.PositiveSmallIntegerField()
    free_text = models.BooleanField(default=True)
    # Copied from the class when the form opens: scope (organiser's path), scores per
    # institution and per year without a join through classes.
    org_path = models.CharField(max_length=255, db_index=True)
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(db_index=True)
    opened_on = models.DateField()
    closes_on = models.DateField()
    closed = models.BooleanField(default=False)
    invited = models.PositiveIntegerField(default=0)
    # How many answered: the response rate without counting rows, and the MIN_RESPONSES gate
    # of every score (data.MIN_RESPONSES).
    responses = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-opened_on", "-id"]

    def __str__(self) -> str:
        return f"evaluation of class {self.training_class_id}"


class EvaluationItem(models.Model):
    """One question of a form: a dimension, or a teacher for one session they taught."""

    evaluation = models.ForeignKey(ClassEvaluation, on_delete=models.CASCADE, related_name="items")
    dimension = models.CharField(
        max_length=16, choices=[(k.value, v) for k, v in DIMENSION_LABELS.items()]
    )
    session = models.ForeignKey(
        "classes.Session", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    teacher = models.ForeignKey(
        "faculty.Teacher", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(max_length=32, blank=True)  # the session's subject code
    label = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["evaluation_id", "position"]
        indexes = [models.Index(fields=["teacher"], name="evaluation_item_teacher")]

    def __str__(self) -> str:
        return self.label


class Invitation(models.Model):
    """Who may answer a form, and whether they have: never what, never when."""

    evaluation = models.ForeignKey(
        ClassEvaluation, on_delete=models.CASCADE, related_name="invitations"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    answered = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "person"], name="evaluation_invite_once")
        ]

    def __str__(self) -> str:
        return f"invitation {self.pk}"


class Response(models.Model):
    """One trainee's answers to a form, with no key to the trainee (ADR 0021): a random id,
    no timestamp."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    evaluation = models.ForeignKey(
        ClassEvaluation, on_delete=models.CASCADE, related_name="response_set"
    )
    comment = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"response {self.pk}"


class Answer(models.Model):
    """One mark of one response; keyed by (response, item), so it has no id of its own."""

    pk = models.CompositePrimaryKey("response", "item")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(EvaluationItem, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()

    def __str__(self) -> str:
        return f"{self.item_id}: {self.score}"


class EvaluatorAssignment(models.Model):
    """A third-party evaluator (第三方评估) commissioned for one class's evaluation."""

    evaluation = models.ForeignKey(
        ClassEvaluation, on_delete=models.CASCADE, related_name="assignments"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "user"], name="evaluation_assign_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.evaluation_id}"


class EvaluationReport(models.Model):
    """The evaluator's written report on a class, begun from a template with its figures."""

    evaluation = models.ForeignKey(
        ClassEvaluation, on_delete=models.CASCADE, related_name="reports"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "author"], name="evaluation_report_once")
        ]

    def __str__(self) -> str:
        return f"report {self.pk}"
