"""Question banks, papers, candidates, attempts and the year-end campaign (issue #14)."""

from django.conf import settings
from django.db import models

from civtrain.exams.data import QUESTION_KIND_LABELS, AttemptStatus, PaperKind

KIND_CHOICES = [(k.value, v) for k, v in QUESTION_KIND_LABELS.items()]


class QuestionBank(models.Model):
    """Owned by an org node and shared down its subtree (issue #14 item 1)."""

    name = models.CharField("名称", max_length=100)
    subject = models.CharField("科目", max_length=32, blank=True)
    org = models.ForeignKey(
        "organisations.OrgNode", on_delete=models.PROTECT, related_name="+", verbose_name="所属"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="exams_bank_org_name")]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField("题型", max_length=16, choices=KIND_CHOICES)
    title = models.CharField("标题", max_length=200, blank=True)
    text = models.TextField("题干")
    options = models.JSONField("选项", default=list, blank=True)
    correct = models.JSONField("正确选项", default=list, blank=True)  # option indexes
    truth = models.BooleanField("判断答案", null=True, blank=True)
    accepted = models.JSONField("可接受答案", default=list, blank=True)
    rubric = models.TextField("评分要点", blank=True)
    difficulty = models.PositiveSmallIntegerField("难度", default=3)
    tags = models.JSONField("标签", default=list, blank=True)
    explanation = models.TextField("解析", blank=True)
    source = models.CharField("来源", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["bank", "kind", "difficulty"], name="exams_q_draw")]

    def __str__(self) -> str:
        return self.title or self.text[:40]


class Campaign(models.Model):
    """The year-end online test (ZZ-N3): a population, a window, one paper."""

    title = models.CharField("名称", max_length=200)
    year = models.PositiveSmallIntegerField("年度")
    org = models.ForeignKey(
        "organisations.OrgNode", on_delete=models.PROTECT, related_name="+", verbose_name="范围"
    )
    categories = models.JSONField("人员类别", default=list, blank=True)
    ranks = models.JSONField("职级", default=list, blank=True)
    exam_code = models.CharField("考试代码", max_length=40, default="year-end-test")
    hours = models.DecimalField("通过计学时", max_digits=5, decimal_places=2, default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class Paper(models.Model):
    title = models.CharField("名称", max_length=200)
    org = models.ForeignKey(
        "organisations.OrgNode", on_delete=models.PROTECT, related_name="+", verbose_name="组织者"
    )
    kind = models.CharField(max_length=16, default=PaperKind.FIXED)
    time_limit_minutes = models.PositiveIntegerField("限时（分钟）", default=60)
    pass_mark = models.DecimalField("及格分", max_digits=7, decimal_places=2)
    open_book = models.BooleanField("开卷", default=False)
    max_attempts = models.PositiveSmallIntegerField("可作答次数", default=1)
    shuffle_questions = models.BooleanField(default=True)
    shuffle_options = models.BooleanField(default=True)
    opens_at = models.DateTimeField("开放时间", null=True, blank=True)
    closes_at = models.DateTimeField("截止时间", null=True, blank=True)
    results_released = models.BooleanField("成绩已发布", default=False)
    training_class = models.ForeignKey(
        "classes.TrainingClass", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="papers"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class PaperQuestion(models.Model):
    """A fixed paper's question."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="fixed")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(max_digits=6, decimal_places=2)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.paper_id}#{self.position}"


class BlueprintRow(models.Model):
    """A blueprint paper's row: subject (the bank) × type × difficulty × count × points."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="blueprint")
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    difficulty = models.PositiveSmallIntegerField(null=True, blank=True)
    count = models.PositiveIntegerField()
    points = models.DecimalField(max_digits=6, decimal_places=2)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.paper_id}#{self.position}"


class Candidate(models.Model):
    """Who may sit a paper, with the unit they sat it for (the rates per unit) and the
    make-up attempts the organiser granted."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("organisations.OrgNode", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    extra_attempts = models.PositiveSmallIntegerField(default=0)
    passed = models.BooleanField(null=True)  # best released-or-graded outcome so far

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["paper", "person"], name="exams_candidate_once")
        ]
        indexes = [models.Index(fields=["paper", "unit_path"], name="exams_cand_unit")]

    def __str__(self) -> str:
        return f"{self.paper_id}:{self.person_id}"


class Attempt(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="attempts")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    user_id = models.BigIntegerField(null=True)  # the account that sat it: the save check
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, default=AttemptStatus.OPEN)
    seed = models.BigIntegerField()
    # [{"q": question id, "points": "2.00", "options": [shown order of option indexes]}]
    layout = models.JSONField()
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True)
    submitted_by = models.CharField(max_length=12, blank=True)
    score = models.DecimalField(max_digits=7, decimal_places=2, null=True)
    max_points = models.DecimalField(max_digits=7, decimal_places=2)
    passed = models.BooleanField(null=True)
    # The candidate's page saves answers with this capability, answered without the browser
    # session (ADR 0029): issued to a signed-in page, cleared when the candidate signs out,
    # good until the deadline and the end of the sign-in that last opened the attempt.
    token = models.CharField(max_length=64, blank=True)
    sign_in_ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "person", "number"], name="exams_attempt_number"
            )
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="exams_attempt_due")]

    def __str__(self) -> str:
        return f"{self.paper_id}:{self.person_id}#{self.number}"


class Answer(models.Model):
    """An answer as the candidate last gave it; points once graded."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question_id = models.BigIntegerField()
    response = models.JSONField(null=True)
    saved_at = models.DateTimeField()
    points = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    graded_by_id = models.BigIntegerField(null=True)
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question_id"], name="exams_answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.question_id}"


class AttemptEvent(models.Model):
    """What the candidate's page reported: leaving it, pasting (issue #14 item 3)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16)
    at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.kind}"


class PlainInsert(models.Model):
    """The benchmark's baseline (bench/exams.py): one row per request, nothing checked."""

    value = models.CharField(max_length=64)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return self.value
