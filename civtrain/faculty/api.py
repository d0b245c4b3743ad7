"""Public interface of the teacher pool for other apps."""

from collections.abc import Iterable

from civtrain.core.actors import Actor
from civtrain.faculty import selectors, services
from civtrain.faculty.data import TeacherData
from civtrain.faculty.models import Teacher
from civtrain.faculty.pickers import TeacherPickerField

__all__ = [
    "TeacherData",
    "TeacherPickerField",
    "access_teacher",
    "teacher_create",
    "teacher_for_user",
    "teacher_names",
    "teacher_update",
]

teacher_create = services.teacher_create
teacher_crypto_migrate = services.teacher_crypto_migrate  # #17 item 5, `civtrain crypto-migrate`
teacher_update = services.teacher_update


def to_data(t: Teacher) -> TeacherData:
    return TeacherData(
        id=t.pk,
        name=t.name,
        internal=t.internal,
        category=t.category,
        full_time=t.full_time,
        title=t.title,
        subjects=tuple(t.subjects or ()),
        phone_masked=t.phone_masked,
        user_id=t.user_id,
    )


def access_teacher(actor: Actor, teacher_id: int) -> TeacherData:
    return to_data(selectors.access_teacher_by_id(actor, teacher_id))


def teacher_for_user(user_id: int) -> TeacherData | None:
    t = Teacher.objects.filter(user_id=user_id).first()
    return to_data(t) if t else None


def teacher_names(teacher_ids: Iterable[int]) -> dict[int, str]:
    """Names by id, one query (evaluation forms and score tables name their teachers)."""
    return dict(Teacher.objects.filter(pk__in=set(teacher_ids)).values_list("pk", "name"))
