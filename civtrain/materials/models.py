"""Teaching materials (CQ-B4): a material owned by an org node, its versions (every upload is
kept), and its links to training classes and online courses.

The files live under CIVTRAIN_COURSEWARE_DIR/materials/ (0600 in a 0700 directory) by a random
name; a version row keeps the name the uploader gave, the checked type, the size and the
SHA-256 of the bytes."""

from django.conf import settings
from django.db import models


class Material(models.Model):
    title = models.CharField("标题", max_length=200)
    subject = models.CharField("科目", max_length=32, blank=True, db_index=True)  # catalogue code
    author = models.CharField("编者", max_length=100, blank=True)
    teacher = models.ForeignKey(
        "faculty.Teacher",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="授课教师",
    )
    description = models.TextField("说明", blank=True)
    # The owning node: shared down its subtree (like question banks), changed at or below it.
    org = models.ForeignKey(
        "organisations.OrgNode", on_delete=models.PROTECT, related_name="+", verbose_name="所属"
    )
    # The version trainees and learners get; 0 only while the first upload is being stored.
    current_number = models.PositiveIntegerField("当前版本", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.title


class MaterialVersion(models.Model):
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本")
    filename = models.CharField("文件名", max_length=200)
    stored = models.CharField(max_length=64, unique=True)  # the file's name on disk
    file_type = models.CharField("文件类型", max_length=8)  # content.FILE_TYPES key
    size = models.BigIntegerField("大小")
    sha256 = models.CharField(max_length=64)
    note = models.CharField("版本说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["material", "number"], name="materials_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.filename} v{self.number}"


class ClassMaterial(models.Model):
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="class_links")
    training_class = models.ForeignKey(
        "classes.TrainingClass", on_delete=models.CASCADE, related_name="+"
    )
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attached_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["material", "training_class"], name="materials_class_link"
            )
        ]

    def __str__(self) -> str:
        return f"{self.material_id} → class {self.training_class_id}"


class CourseMaterial(models.Model):
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="course_links")
    course = models.ForeignKey("learning.Course", on_delete=models.CASCADE, related_name="+")
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attached_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["material", "course"], name="materials_course_link")
        ]

    def __str__(self) -> str:
        return f"{self.material_id} → course {self.course_id}"
