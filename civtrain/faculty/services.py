"""Writes to the teacher pool (CQ-B2); phone numbers are stored encrypted (ADR 0003)."""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from civtrain.accounts.api import Role, actor_scope
from civtrain.catalogue.api import subject_names
from civtrain.core import crypto
from civtrain.core.audit import audit_record
from civtrain.core.errors import NotFound, ValidationFailed
from civtrain.faculty.models import PHONE_CONTEXT, Teacher
from civtrain.organisations.api import org_data
from civtrain.people.data import mask_phone

MANAGERS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.INSTITUTION)


def _checked(obj: Any) -> None:
    """full_clean() with Django's messages turned into ValidationFailed: a 422, not a 500."""
    try:
        obj.full_clean(validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        labels = {f.name: str(getattr(f, "verbose_name", f.name)) for f in obj._meta.get_fields()}
        summary = "；".join(f"{labels.get(k, k)}：{''.join(v)}" for k, v in fields.items())
        raise ValidationFailed(f"输入有误：{summary}", {"fields": fields}) from None


def _clean_subjects(subjects: Sequence[str]) -> list[str]:
    known = subject_names(include_inactive=True)
    unknown = [s for s in subjects if s not in known]
    if unknown:
        raise ValidationFailed(f"未知的科目：{'、'.join(unknown)}", {"subjects": unknown})
    return list(dict.fromkeys(subjects))


@transaction.atomic
def teacher_create(
    *,
    actor: Any,
    org_id: int,
    name: str,
    internal: bool = True,
    title: str = "",
    subjects: Sequence[str] = (),
    phone: str = "",
    user_id: int | None = None,
) -> Teacher:
    try:
        org = org_data(org_id)
    except Exception:
        raise NotFound("所属组织不存在或不在您的管辖范围内") from None
    if not actor_scope(actor).covers(org.path, *MANAGERS):
        raise NotFound("所属组织不存在或不在您的管辖范围内")
    name = name.strip()
    if not name:
        raise ValidationFailed("教师姓名不能为空")
    teacher = Teacher(
        name=name,
        internal=internal,
        title=title.strip(),
        subjects=_clean_subjects(subjects),
        org_id=org.id,
        user_id=user_id,
    )
    if phone.strip():
        teacher.phone_enc = crypto.encrypt(phone.strip(), context=PHONE_CONTEXT)
        teacher.phone_masked = mask_phone(phone.strip())
    _checked(teacher)
    teacher.save()
    audit_record(
        actor=actor,
        action="teacher.create",
        object_type="teacher",
        object_id=teacher.pk,
        object_label=name,
        org_path=org.path,
        changes={"internal": internal, "title": teacher.title, "subjects": teacher.subjects},
    )
    return teacher


@transaction.atomic
def teacher_update(
    *,
    actor: Any,
    teacher: Teacher,
    name: str | None = None,
    internal: bool | None = None,
    title: str | None = None,
    subjects: Sequence[str] | None = None,
    phone: str | None = None,
) -> Teacher:
    if not actor_scope(actor).covers(teacher.org.path, *MANAGERS):
        raise NotFound("教师不存在或无权访问")
    before = {"name": teacher.name, "internal": teacher.internal, "title": teacher.title}
    if name is not None and name.strip():
        teacher.name = name.strip()
    if internal is not None:
        teacher.internal = internal
    if title is not None:
        teacher.title = title.strip()
    if subjects is not None:
        teacher.subjects = _clean_subjects(subjects)
    if phone is not None:
        teacher.phone_enc = crypto.encrypt(phone, context=PHONE_CONTEXT) if phone else None
        teacher.phone_masked = mask_phone(phone) if phone else ""
    _checked(teacher)
    teacher.save()
    after = {"name": teacher.name, "internal": teacher.internal, "title": teacher.title}
    audit_record(
        actor=actor,
        action="teacher.update",
        object_type="teacher",
        object_id=teacher.pk,
        object_label=teacher.name,
        org_path=teacher.org.path,
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
    )
    return teacher
