"""Writes of teaching materials (CQ-B4): each a transaction with its audit row.

A file is checked (materials.content) before any row points at it, stored by a random name
under CIVTRAIN_COURSEWARE_DIR/materials/ readable by the platform only, and removed again if
the write that was to keep it fails: a refused upload leaves nothing behind."""

import hashlib
import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from civtrain.catalogue.api import subjects_unknown
from civtrain.classes.api import access_class
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record, diff
from civtrain.core.downloads import courseware_dir
from civtrain.core.errors import NotFound
from civtrain.core.files import private_dir
from civtrain.core.text import CONTROL_REASON
from civtrain.core.text import has_control_characters as has_control
from civtrain.faculty.api import access_teacher, teacher_for_user
from civtrain.learning.api import course_access
from civtrain.materials import content
from civtrain.materials.errors import MaterialError, MaterialsErrorCode
from civtrain.materials.models import ClassMaterial, CourseMaterial, Material, MaterialVersion
from civtrain.materials.selectors import AUTHORS, access_material
from civtrain.organisations.api import org_in_scope


def materials_dir() -> Path:
    return private_dir(courseware_dir() / "materials")


def file_path(version: MaterialVersion) -> Path:
    """Where a version's file is stored."""
    path = courseware_dir() / "materials" / Path(version.stored).name
    if not version.stored or not path.exists():
        raise NotFound("资料文件不存在")
    return path


@dataclass(frozen=True)
class StoredFile:
    stored: str
    file_type: str
    size: int
    sha256: str


def _store(*, filename: str, size: int, chunks: Iterable[bytes]) -> StoredFile:
    """Check the name and declared size, write the bytes (0600), check what they are."""
    file_type = content.file_type_of(filename)
    content.check_size(size)
    name = f"{uuid.uuid4().hex}.{file_type}"
    path = materials_dir() / name
    digest = hashlib.sha256()
    written = 0
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                written += len(chunk)
                content.check_size(written)
                digest.update(chunk)
                out.write(chunk)
        content.check_size(written)
        content.check_content(path, file_type)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredFile(name, file_type, written, digest.hexdigest())


def _invalid(message: str) -> MaterialError:
    return MaterialError(MaterialsErrorCode.INVALID, message)


def _clean_facts(
    *, actor: Actor, title: str, subject: str, author: str, teacher_id: int | None, note: str = ""
) -> dict[str, object]:
    title, author, subject, note = title.strip(), author.strip(), subject.strip(), note.strip()
    if not title:
        raise _invalid("请填写资料标题")
    if len(title) > 200 or len(author) > 100 or len(note) > 200:
        raise _invalid("标题不超过 200 字，编者不超过 100 字，版本说明不超过 200 字")
    if any(has_control(v) for v in (title, author, note)):
        raise _invalid(CONTROL_REASON)
    if subject and subjects_unknown([subject]):
        raise _invalid(f"培训科目“{subject}”不存在")
    if teacher_id is not None:
        access_teacher(actor, teacher_id)  # NotFound outside the actor's pool
    return {"title": title, "subject": subject, "author": author, "teacher_id": teacher_id}


def _facts(material: Material) -> dict[str, object]:
    return {
        "title": material.title,
        "subject": material.subject,
        "author": material.author,
        "teacher_id": material.teacher_id,
        "description": material.description,
    }


def _audit(actor: Actor, action: str, material: Material, changes: Mapping[str, Any]) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="material",
        object_id=material.pk,
        object_label=material.title,
        org_path=material.org.path,
        changes=changes,
    )


def material_create(
    *,
    actor: Actor,
    org_id: int,
    title: str,
    filename: str,
    size: int,
    chunks: Iterable[bytes],
    subject: str = "",
    author: str = "",
    teacher_id: int | None = None,
    description: str = "",
    note: str = "",
) -> Material:
    """A new material owned by the node `org_id` (one the actor holds as an author), with its
    first version. A teacher's material names them as its teacher unless told otherwise."""
    org = org_in_scope(actor, org_id, AUTHORS, message="所属单位不存在或不在您的范围内")
    if teacher_id is None and (own := teacher_for_user(getattr(actor, "pk", None) or 0)):
        teacher_id = own.id
    facts = _clean_facts(
        actor=actor, title=title, subject=subject, author=author, teacher_id=teacher_id, note=note
    )
    stored = _store(filename=filename, size=size, chunks=chunks)
    try:
        with transaction.atomic():
            now = clock.now()
            material = Material.objects.create(
                org_id=org.id,
                description=description.strip(),
                created_by_id=getattr(actor, "pk", None),
                created_at=now,
                updated_at=now,
                current_number=1,
                **facts,
            )
            version = _version_create(actor, material, 1, filename, stored, note)
            _audit(
                actor,
                "material.create",
                material,
                {
                    **{k: [None, v] for k, v in _facts(material).items() if v},
                    **_version_facts(version),
                },
            )
    except BaseException:
        (courseware_dir() / "materials" / stored.stored).unlink(missing_ok=True)
        raise
    return material


def _version_create(
    actor: Actor, material: Material, number: int, filename: str, stored: StoredFile, note: str
) -> MaterialVersion:
    return MaterialVersion.objects.create(
        material=material,
        number=number,
        filename=Path(filename).name[:200],
        stored=stored.stored,
        file_type=stored.file_type,
        size=stored.size,
        sha256=stored.sha256,
        note=note.strip()[:200],
        uploaded_by_id=getattr(actor, "pk", None),
        uploaded_at=clock.now(),
    )


def _version_facts(version: MaterialVersion) -> dict[str, object]:
    return {
        "version": [None, version.number],
        "filename": [None, version.filename],
        "file_type": [None, version.file_type],
        "size": [None, version.size],
        "sha256": [None, version.sha256],
    }


def material_update(
    *,
    actor: Actor,
    material_id: int,
    title: str,
    subject: str = "",
    author: str = "",
    teacher_id: int | None = None,
    description: str = "",
) -> Material:
    """Change a material's facts (not its files: a new file is a new version)."""
    with transaction.atomic():
        material = access_material(actor, material_id, manage=True)
        material = Material.objects.select_for_update().select_related("org").get(pk=material.pk)
        before = _facts(material)
        facts = _clean_facts(
            actor=actor, title=title, subject=subject, author=author, teacher_id=teacher_id
        )
        for key, value in facts.items():
            setattr(material, key, value)
        material.description = description.strip()
        changes = diff(before, _facts(material))
        if changes:
            material.updated_at = clock.now()
            material.save()
            _audit(actor, "material.update", material, changes)
    return material


def material_version_add(
    *,
    actor: Actor,
    material_id: int,
    filename: str,
    size: int,
    chunks: Iterable[bytes],
    note: str = "",
) -> MaterialVersion:
    """Upload a new version; it becomes the current one, the earlier ones stay downloadable."""
    access_material(actor, material_id, manage=True)
    if len(note.strip()) > 200 or has_control(note):
        raise _invalid("版本说明不超过 200 字，且不能含控制字符")
    stored = _store(filename=filename, size=size, chunks=chunks)
    try:
        with transaction.atomic():
            material = (
                Material.objects.select_for_update().select_related("org").get(pk=material_id)
            )
            number = (
                material.versions.order_by("-number").values_list("number", flat=True).first() or 0
            ) + 1
            version = _version_create(actor, material, number, filename, stored, note)
            before = material.current_number
            material.current_number = number
            material.updated_at = clock.now()
            material.save(update_fields=["current_number", "updated_at"])
            _audit(
                actor,
                "material.version_add",
                material,
                {**_version_facts(version), "current": [before, number]},
            )
    except BaseException:
        (courseware_dir() / "materials" / stored.stored).unlink(missing_ok=True)
        raise
    return version


def material_version_make_current(*, actor: Actor, material_id: int, number: int) -> Material:
    """Make an earlier (or later) version the one trainees and learners get."""
    with transaction.atomic():
        access_material(actor, material_id, manage=True)
        material = Material.objects.select_for_update().select_related("org").get(pk=material_id)
        if not material.versions.filter(number=number).exists():
            raise NotFound("该版本不存在或无权访问")
        if material.current_number != number:
            before = material.current_number
            material.current_number = number
            material.updated_at = clock.now()
            material.save(update_fields=["current_number", "updated_at"])
            _audit(actor, "material.version_current", material, {"current": [before, number]})
    return material


def material_attach_class(*, actor: Actor, material_id: int, class_id: int) -> ClassMaterial:
    """Attach a material of the actor's library to a class they organise or run."""
    with transaction.atomic():
        material = access_material(actor, material_id)
        tc = access_class(actor, class_id, manage=True)
        link, created = ClassMaterial.objects.get_or_create(
            material=material,
            training_class_id=tc.id,
            defaults={"attached_by_id": getattr(actor, "pk", None), "attached_at": clock.now()},
        )
        if not created:
            raise MaterialError(MaterialsErrorCode.ALREADY_ATTACHED, "该资料已关联到这个培训班")
        _audit(actor, "material.attach_class", material, {"class": [None, f"{tc.code} {tc.title}"]})
    return link


def material_detach_class(*, actor: Actor, material_id: int, class_id: int) -> None:
    with transaction.atomic():
        material = access_material(actor, material_id)
        tc = access_class(actor, class_id, manage=True)
        deleted, _ = ClassMaterial.objects.filter(
            material=material, training_class_id=tc.id
        ).delete()
        if not deleted:
            raise NotFound("该资料未关联到这个培训班")
        _audit(actor, "material.detach_class", material, {"class": [f"{tc.code} {tc.title}", None]})


def material_attach_course(*, actor: Actor, material_id: int, course_id: int) -> CourseMaterial:
    """Attach a material of the actor's library to an online course they author."""
    with transaction.atomic():
        material = access_material(actor, material_id)
        course = course_access(actor, course_id, author=True)
        link, created = CourseMaterial.objects.get_or_create(
            material=material,
            course_id=course.id,
            defaults={"attached_by_id": getattr(actor, "pk", None), "attached_at": clock.now()},
        )
        if not created:
            raise MaterialError(MaterialsErrorCode.ALREADY_ATTACHED, "该资料已关联到这门课程")
        _audit(actor, "material.attach_course", material, {"course": [None, course.title]})
    return link


def material_detach_course(*, actor: Actor, material_id: int, course_id: int) -> None:
    with transaction.atomic():
        material = access_material(actor, material_id)
        course = course_access(actor, course_id, author=True)
        deleted, _ = CourseMaterial.objects.filter(material=material, course_id=course.id).delete()
        if not deleted:
            raise NotFound("该资料未关联到这门课程")
        _audit(actor, "material.detach_course", material, {"course": [course.title, None]})
