"""Online courses, the annual learning plan, courseware items, and what learners did with them.

Earned time (PR-3) is measured by the server: a play session per learner and item, its
heartbeats appended, and the seconds each heartbeat credited stored beside it (ADR 0016).
"""

from django.db import models
from django.db.models import Q

from civtrain.learning.data import ITEM_KIND_LABELS

KIND_CHOICES = [(k.value, v) for k, v in ITEM_KIND_LABELS.items()]


class Course(models.Model):
    title = models.CharField("课程名称", max_length=200)
    description = models.TextField("简介", blank=True)
    cover = models.CharField("封面", max_length=200, blank=True)  # a stored file name
    # The city or district bureau (or unit) that publishes the course; its subtree is the
    # default audience.
    org = models.ForeignKey(
        "organisations.OrgNode", on_delete=models.PROTECT, related_name="+", verbose_name="发布单位"
    )
    kind = models.CharField("课件类型", max_length=16, choices=KIND_CHOICES)
    # Fixed 学时; null: the governing rule set's crediting policy decides from the length (PR-1).
    hours = models.DecimalField("学时", max_digits=6, decimal_places=1, null=True, blank=True)
    required = models.BooleanField("必修", default=False)
    # Audience (#12 item 1): a subtree (null: the publisher's) and the criteria of data.Audience.
    audience_org = models.ForeignKey(
        "organisations.OrgNode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="面向单位",
    )
    audience = models.JSONField("面向对象", default=dict, blank=True)
    available_from = models.DateField("开放日期", null=True, blank=True)
    available_until = models.DateField("截止日期", null=True, blank=True)
    activity_iri = models.CharField("xAPI 活动标识", max_length=500, blank=True)
    published = models.BooleanField("已发布", default=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity_iri"], condition=~Q(activity_iri=""), name="course_iri_once"
            )
        ]

    def __str__(self) -> str:
        return self.title


class CourseSubjectHours(models.Model):
    """Hours of one subject inside a course (the ledger entry's subject hours)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="subject_hours")
    subject = models.CharField(max_length=32)  # catalogue subject code
    hours = models.DecimalField(max_digits=6, decimal_places=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "subject"], name="course_subject_once")
        ]

    def __str__(self) -> str:
        return f"{self.course_id} {self.subject} {self.hours}h"


class Chapter(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="chapters")
    title = models.CharField("章节", max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Item(models.Model):
    """One piece of courseware: a video, a document, a SCORM package, an xAPI activity."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="items")
    chapter = models.ForeignKey(
        Chapter, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    kind = models.CharField("课件类型", max_length=16, choices=KIND_CHOICES)
    title = models.CharField("标题", max_length=200)
    ref = models.CharField("课件", max_length=500)  # stored file, package id, activity IRI
    duration_seconds = models.PositiveIntegerField("时长（秒）", null=True, blank=True)
    pages = models.PositiveIntegerField("页数", null=True, blank=True)
    poster = models.CharField("封面帧", max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class ItemProgress(models.Model):
    """A learner's progress in one item: furthest point reached, seconds earned, done."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="progress")
    furthest_seconds = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    earned_seconds = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    pages_seen = models.JSONField(default=dict, blank=True)  # page → seconds shown (PDF)
    completed = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    source = models.CharField(max_length=16, blank=True)  # data.ProgressSource
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "item"], name="item_progress_once")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.item_id}"


class Completion(models.Model):
    """A finished course, once per learner, course and year; the ledger entry it wrote."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="completions")
    year = models.PositiveIntegerField()
    hours = models.DecimalField(max_digits=6, decimal_places=1)
    ledger_entry_id = models.BigIntegerField(null=True, blank=True)
    source = models.CharField(max_length=16)
    completed_at = models.DateTimeField()
    revoked = models.BooleanField(default=False)  # its hours reversed by a reviewer

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "course", "year"], name="course_completion_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.course_id} {self.year}"


class PlaySession(models.Model):
    """One learner playing one item in one tab (PR-3). A learner has one live session at a
    time: opening another closes the earlier one (`superseded_by`)."""

    # No index of its own: play_session_live (person, live) serves every lookup by person.
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="sessions")
    token = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    last_beat_at = models.DateTimeField()
    last_seq = models.PositiveIntegerField(default=0)
    last_position = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    earned_seconds = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    beats = models.PositiveIntegerField(default=0)
    live = models.BooleanField(default=True)
    ended_reason = models.CharField(max_length=32, blank=True)
    # The attention check (PR-3): due at a random earned second; credit stops until answered.
    check_due_at = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    check_code = models.CharField(max_length=8, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    # The token is a capability answered without the browser session (ADR 0029): it carries
    # the limits of the sign-in that opened it (accounts.api.sign_in_limits).
    sign_in_ends_at = models.DateTimeField(null=True, blank=True)
    idle_seconds = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["person", "live"], name="play_session_live"),
            models.Index(fields=["started_at"], name="play_session_started"),
        ]
        # A constraint rather than unique=True: on PostgreSQL the field option adds a second,
        # varchar_pattern_ops index for LIKE, and nothing looks a token up by prefix.
        constraints = [models.UniqueConstraint(fields=["token"], name="play_session_token_once")]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.item_id} ({self.started_at:%Y-%m-%d %H:%M})"


class Heartbeat(models.Model):
    """One heartbeat as received, with the seconds the server credited for it (ADR 0016)."""

    # No index of its own: heartbeat_seq_once (session, seq) serves every lookup by session,
    # and a second index would be written at every beat of the platform's largest table.
    session = models.ForeignKey(
        PlaySession, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    position = models.DecimalField(max_digits=9, decimal_places=2)
    rate = models.DecimalField(max_digits=5, decimal_places=2, default=1)
    playing = models.BooleanField(default=True)
    visible = models.BooleanField(default=True)
    credited = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    note = models.CharField(max_length=32, blank=True)  # why less was credited

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="heartbeat_seq_once")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq}"


class DailyEarned(models.Model):
    """Seconds a learner earned on a Shanghai date, for the daily cap (PR-3)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    seconds = models.DecimalField(max_digits=9, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "date"], name="daily_once")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.date} {self.seconds}s"


class Anomaly(models.Model):
    """A finding of the overnight audit, waiting for a reviewer (PR-3)."""

    KINDS = [
        ("night_long", "通宵学习"),
        ("regular_beats", "心跳间隔异常规整"),
        ("shared_address", "多账号同一地址"),
    ]
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=KINDS)
    date = models.DateField()
    detail = models.CharField(max_length=500)
    session_ids = models.JSONField(default=list)
    found_at = models.DateTimeField()
    status = models.CharField(max_length=16, default="open")  # open, revoked, dismissed
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "date"], name="anomaly_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id} {self.date}"


class Plan(models.Model):
    """The annual learning plan a bureau publishes (ZZ-N1)."""

    org = models.ForeignKey(
        "organisations.OrgNode", on_delete=models.PROTECT, related_name="+", verbose_name="发布单位"
    )
    year = models.PositiveIntegerField("年度")
    title = models.CharField("计划名称", max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="plan_once")]

    def __str__(self) -> str:
        return self.title


class PlanColumn(models.Model):
    """A themed column (专题) of a plan."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="columns")
    title = models.CharField("专题", max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class PlanEntry(models.Model):
    """A course in a column, required or elective for an audience that year (ZZ-N1)."""

    column = models.ForeignKey(PlanColumn, on_delete=models.CASCADE, related_name="entries")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="plan_entries")
    required = models.BooleanField("必修", default=True)
    audience = models.JSONField("面向对象", default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["column", "course"], name="plan_entry_once")]

    def __str__(self) -> str:
        return f"{self.column_id} {self.course_id}"
