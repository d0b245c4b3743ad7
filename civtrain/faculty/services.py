"""Writes to the teacher pool (CQ-B2); phone numbers are stored encrypted (ADR 0003)."""

from collections.abc import Sequence

from django.db import transaction

from civtrain.accounts.api import Role, actor_scope
from civtrain.catalogue.api import subject_names
from civtrain.core import crypto
from civtrain.core.actors import Actor
from civtrain.core.audit import diff
from civtrain.core.errors import NotFound, ValidationFailed
from civtrain.core.writes import save_audited, values_of
from civtrain.faculty.data import TEACHER_CATEGORY_LABELS, TeacherCategory
from civtrain.faculty.models import PHONE_CONTEXT, Teacher
from civtrain.organisations.api import org_in_scope
from civtrain.people.data import mask_phone

MANAGERS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.INSTITUTION)
AUDITED = ("name", "internal", "category", "full_time", "title")


def _clean_subjects(subjects: Sequence[str]) -> list[str]:
    known = subject_names(include_inactive=True)
    unknown = [s for s in subjects if s not in known]
    if unknown:
        raise ValidationFailed(f"未知的科目：{'、'.join(unknown)}", {"subjects": unknown})
    return list(dict.fromkeys(subjects))


@transaction.atomic
def teacher_create(
    *,
    actor: Actor,
    org_id: int,
    name: str,
    internal: bool = True,
    title: str = "",
    subjects: Sequence[str] = (),
    phone: str = "",
    user_id: int | None = None,
    category: str = TeacherCategory.EXPERT,
    full_time: bool = False,
) -> Teacher:
    org = org_in_scope(actor, org_id, MANAGERS)
    name = name.strip()
    if not name:
        raise ValidationFailed("教师姓名不能为空")
    if category not in TEACHER_CATEGORY_LABELS:
        raise ValidationFailed(f"未知的师资类别“{category}”")
    teacher = Teacher(
        name=name,
        internal=internal,
        category=category,
        full_time=full_time,
        title=title.strip(),
        subjects=_clean_subjects(subjects),
        org_id=org.id,
        user_id=user_id,
    )
    if phone.strip():
        teacher.phone_enc = crypto.encrypt(phone.strip(), context=PHONE_CONTEXT)
        teacher.phone_masked = mask_phone(phone.strip())
    save_audited(
        teacher,
        actor=actor,
        action="teacher.create",
        object_type="teacher",
        label=name,
        org_path=org.path,
        changes={
            "internal": internal,
            "category": category,
            "full_time": full_time,
            "title": teacher.title,
            "subjects": teacher.subjects,
        },
    )
    return teacher


@transaction.atomic
def teacher_update(
    *,
    actor: Actor,
    teacher: Teacher,
    name: str | None = None,
    internal: bool | None = None,
    title: str | None = None,
    subjects: Sequence[str] | None = None,
    phone: str | None = None,
    category: str | None = None,
    full_time: bool | None = None,
) -> Teacher:
    if not actor_scope(actor).covers(teacher.org.path, *MANAGERS):
        raise NotFound("教师不存在或无权访问")
    before = values_of(teacher, AUDITED)
    if name is not None and name.strip():
        teacher.name = name.strip()
    if internal is not None:
        teacher.internal = internal
    if category is not None:
        if category not in TEACHER_CATEGORY_LABELS:
            raise ValidationFailed(f"未知的师资类别“{category}”")
        teacher.category = category
    if full_time is not None:
        teacher.full_time = full_time
    if title is not None:
        teacher.title = title.strip()
    if subjects is not None:
        teacher.subjects = _clean_subjects(subjects)
    if phone is not None:
        teacher.phone_enc = crypto.encrypt(phone, context=PHONE_CONTEXT) if phone else None
        teacher.phone_masked = mask_phone(phone) if phone else ""
    save_audited(
        teacher,
        actor=actor,
        action="teacher.update",
        object_type="teacher",
        label=teacher.name,
        org_path=teacher.org.path,
        changes=diff(before, values_of(teacher, AUDITED)),
    )
    return teacher


def teacher_crypto_migrate(*, actor: Actor) -> int:
    """Re-encrypt every teacher's phone number under the configured suite and the current data
    key (#17 item 5; key rotation, ADR 0003: `civtrain crypto-migrate`); returns how many
    changed. Rows already so are left."""
    from civtrain.core.audit import audit_record

    changed = 0
    with transaction.atomic():
        todo = []
        for teacher in (
            Teacher.objects.exclude(phone_enc=None).select_for_update().only("pk", "phone_enc")
        ):
            clear, current = crypto.opened(teacher.phone_enc or b"", context=PHONE_CONTEXT)
            if current:
                continue
            teacher.phone_enc = crypto.encrypt(clear, context=PHONE_CONTEXT)
            todo.append(teacher)
        Teacher.objects.bulk_update(todo, ["phone_enc"])
        changed = len(todo)
        if changed:
            audit_record(
                actor=actor,
                action="crypto.migrate",
                object_type="teacher",
                object_label="教师手机号",
                changes={
                    "suite": crypto.suite(),
                    "data_key": crypto.data_key_id(),
                    "rows": changed,
                },
            )
    return changed
