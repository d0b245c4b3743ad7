"""Choosing a teacher by name (#11 item 3): the teacher picker's matches, each with title,
subjects and keeping node, and the form field that takes the chosen teacher's id."""

from typing import Any

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy

from civtrain.catalogue.api import subject_names
from civtrain.core.actors import Actor
from civtrain.core.pickers import PickerField
from civtrain.faculty import selectors
from civtrain.faculty.selectors import Teacher
from civtrain.organisations.api import org_labels


def teacher_choices(*, actor: Actor, query: str) -> list[dict[str, str]]:
    """Up to 20 teachers in the actor's scope for `query`, as the picker shows them:
    "王芳" over "教授 · 依法行政、公文写作 · 市委党校"."""
    found = selectors.teacher_search(actor=actor, query=query)
    names = subject_names(include_inactive=True)
    orgs = org_labels({t.org_id for t in found})

    def hint(t: Teacher) -> str:
        subjects = "、".join(names.get(c, c) for c in t.subjects or ())
        return " · ".join(filter(None, (t.title, subjects, orgs.get(t.org_id, ""))))

    return [{"value": str(t.pk), "label": t.name, "hint": hint(t)} for t in found]


class TeacherPickerField(PickerField):
    """A teacher chosen by name with the type-ahead picker; cleans to the teacher's id."""

    default_error_messages = {
        "not_found": gettext_lazy("该教师不存在或不在您可选的师资库中：请输入姓名后从列表中选择"),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            url=reverse_lazy("faculty:pick"), placeholder=gettext_lazy("输入教师姓名"), **kwargs
        )

    def find(self, ref: str) -> Teacher | None:
        return selectors.teacher_pick(actor=self.actor, ref=ref)

    def describe(self, found: Teacher) -> str:
        return found.name

    def chosen(self, found: Teacher) -> int:
        return found.pk
