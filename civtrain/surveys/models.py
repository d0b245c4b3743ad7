"""Needs surveys (CQ-M1): a questionnaire sent to a population for a window before the plan.

`SurveyInvitation` knows who was asked (a unit, or a person) and whether they answered;
`SurveyResponse` holds what was answered with only the respondent's unit path, category and
rank (for results by audience and by subtree) — never the person.
"""

import uuid

from django.db import models

from civtrain.surveys.data import (
    NEED_LEVEL_LABELS,
    QUESTION_KIND_LABELS,
    RESPONDENT_LABELS,
    SURVEY_STATUS_LABELS,
    SurveyStatus,
)


class SurveyTemplate(models.Model):
    """Questions a survey starts from; a bureau keeps its own beside the standard one."""

    name = models.CharField("名称", max_length=100, unique=True)
    questions = models.JSONField("题目", default=list)
    org_path = models.CharField(max_length=255, blank=True, db_index=True)  # "" = everyone's
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["org_path", "name"]

    def __str__(self) -> str:
        return self.name


class Survey(models.Model):
    # The node whose units or people are asked, and whose officers run the survey.
    org = models.ForeignKey("organisations.OrgNode", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("调查名称", max_length=200)
    year = models.PositiveSmallIntegerField("计划年度", db_index=True)  # the plan it prepares
    respondent = models.CharField(
        "填报方式", max_length=16, choices=[(k.value, v) for k, v in RESPONDENT_LABELS.items()]
    )
    # The population of a person survey: empty lists mean everyone in the subtree.
    categories = models.JSONField("人员类别", default=list, blank=True)
    ranks = models.JSONField("职级", default=list, blank=True)
    opens_on = models.DateField("开始日期")
    closes_on = models.DateField("截止日期")
    status = models.CharField(
        "状态",
        max_length=16,
        choices=[(k.value, v) for k, v in SURVEY_STATUS_LABELS.items()],
        default=SurveyStatus.DRAFT,
    )
    invited = models.PositiveIntegerField(default=0)
    responses = models.PositiveIntegerField(default=0)  # the response rate without a count
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-opens_on", "-id"]

    def __str__(self) -> str:
        return self.title


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(
        "题型", max_length=16, choices=[(k.value, v) for k, v in QUESTION_KIND_LABELS.items()]
    )
    level = models.CharField(
        "需求层面", max_length=16, choices=[(k.value, v) for k, v in NEED_LEVEL_LABELS.items()]
    )
    text = models.CharField("题目", max_length=300)
    # [{"label": "法治", "subject": "law"}, {"label": "网络在线学习", "subject": ""}, …]
    options = models.JSONField("选项", default=list, blank=True)

    class Meta:
        ordering = ["survey_id", "position", "id"]

    def __str__(self) -> str:
        return self.text


class SurveyInvitation(models.Model):
    """Who is asked: a unit (answered by its HR office) or a person; and whether they have."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    unit = models.ForeignKey(
        "organisations.OrgNode", null=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", null=True, on_delete=models.PROTECT, related_name="+"
    )
    answered = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "unit"], name="survey_unit_once"),
            models.UniqueConstraint(fields=["survey", "person"], name="survey_person_once"),
        ]
        indexes = [models.Index(fields=["survey", "answered"])]

    def __str__(self) -> str:
        return f"{self.survey_id}: {self.unit_id or self.person_id}"


class SurveyResponse(models.Model):
    """What was answered, with the respondent's audience — not the respondent."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    unit_path = models.CharField(max_length=255)  # results of a subtree (a unit's own plan)
    category = models.CharField(max_length=16, blank=True)  # a person's 类别
    rank = models.CharField(max_length=32, blank=True)  # a person's 职级

    class Meta:
        indexes = [models.Index(fields=["survey", "unit_path"])]

    def __str__(self) -> str:
        return str(self.id)


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="+")
    choices = models.JSONField(default=list)  # option indexes; a ranking's in its order
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.response_id} {self.question_id}"
