"""Writes to the catalogue: the city bureau edits the subject taxonomy."""

from django.db import transaction

from civtrain.accounts.api import Role, actor_scope
from civtrain.catalogue.models import Subject
from civtrain.core.actors import Actor
from civtrain.core.audit import diff
from civtrain.core.errors import NotFound, PermissionDenied, ValidationFailed
from civtrain.core.writes import save_audited, values_of

AUDITED = ("name", "active", "sort_order")


def _check_editor(actor: Actor) -> None:
    # implements ZZ-T2: the taxonomy is the city's, so only the city bureau edits it.
    if not actor_scope(actor).has(Role.CITY_BUREAU):
        raise PermissionDenied("只有市公务员局可以维护培训科目")


@transaction.atomic
def subject_create(*, actor: Actor, code: str, name: str, sort_order: int = 0) -> Subject:
    _check_editor(actor)
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise ValidationFailed("科目编码和名称都不能为空")
    if Subject.objects.filter(code=code).exists():
        raise ValidationFailed(f"科目编码 {code} 已存在")
    subject = Subject(code=code, name=name, sort_order=sort_order)
    save_audited(
        subject,
        actor=actor,
        action="subject.create",
        object_type="subject",
        label=name,
        changes={"code": code, "name": name},
    )
    return subject


@transaction.atomic
def subject_update(
    *,
    actor: Actor,
    code: str,
    name: str | None = None,
    active: bool | None = None,
    sort_order: int | None = None,
) -> Subject:
    _check_editor(actor)
    subject = Subject.objects.select_for_update().filter(code=code).first()
    if subject is None:
        raise NotFound(f"科目 {code} 不存在")  # a missing object, not a bad value (#8 item 11)
    before = values_of(subject, AUDITED)
    if name is not None:
        if not name.strip():
            raise ValidationFailed("科目名称不能为空")
        subject.name = name.strip()
    if active is not None:
        subject.active = active
    if sort_order is not None:
        subject.sort_order = sort_order
    save_audited(
        subject,
        actor=actor,
        action="subject.update",
        object_type="subject",
        label=subject.name,
        changes=diff(before, values_of(subject, AUDITED)),
    )
    return subject
