"""Writes to the catalogue: the city bureau edits the subject taxonomy."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from civtrain.accounts.api import Role, actor_scope
from civtrain.catalogue.models import Subject
from civtrain.core.audit import audit_record
from civtrain.core.errors import PermissionDenied, ValidationFailed


def _checked(obj: Any) -> None:
    """full_clean() with Django's messages turned into ValidationFailed: a 422, not a 500."""
    try:
        obj.full_clean(validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        labels = {f.name: str(getattr(f, "verbose_name", f.name)) for f in obj._meta.get_fields()}
        summary = "；".join(f"{labels.get(k, k)}：{''.join(v)}" for k, v in fields.items())
        raise ValidationFailed(f"输入有误：{summary}", {"fields": fields}) from None


def _check_editor(actor: Any) -> None:
    # implements ZZ-T2: the taxonomy is the city's, so only the city bureau edits it.
    if not actor_scope(actor).has(Role.CITY_BUREAU):
        raise PermissionDenied("只有市公务员局可以维护培训科目")


@transaction.atomic
def subject_create(*, actor: Any, code: str, name: str, sort_order: int = 0) -> Subject:
    _check_editor(actor)
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise ValidationFailed("科目编码和名称都不能为空")
    if Subject.objects.filter(code=code).exists():
        raise ValidationFailed(f"科目编码 {code} 已存在")
    subject = Subject(code=code, name=name, sort_order=sort_order)
    _checked(subject)
    subject.save()
    audit_record(
        actor=actor,
        action="subject.create",
        object_type="subject",
        object_id=subject.pk,
        object_label=name,
        changes={"code": code, "name": name},
    )
    return subject


@transaction.atomic
def subject_update(
    *,
    actor: Any,
    code: str,
    name: str | None = None,
    active: bool | None = None,
    sort_order: int | None = None,
) -> Subject:
    _check_editor(actor)
    subject = Subject.objects.select_for_update().filter(code=code).first()
    if subject is None:
        raise ValidationFailed(f"科目 {code} 不存在")
    before = {"name": subject.name, "active": subject.active, "sort_order": subject.sort_order}
    if name is not None:
        if not name.strip():
            raise ValidationFailed("科目名称不能为空")
        subject.name = name.strip()
    if active is not None:
        subject.active = active
    if sort_order is not None:
        subject.sort_order = sort_order
    _checked(subject)
    subject.save()
    after = {"name": subject.name, "active": subject.active, "sort_order": subject.sort_order}
    audit_record(
        actor=actor,
        action="subject.update",
        object_type="subject",
        object_id=subject.pk,
        object_label=subject.name,
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
    )
    return subject
