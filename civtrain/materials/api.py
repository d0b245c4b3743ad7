"""Public interface of teaching materials (CQ-B4): what the class and course pages show,
through the site shell's template tags (classes and learning sit below this app)."""

from collections.abc import Iterable

from django.urls import reverse

from civtrain.accounts.api import actor_scope
from civtrain.catalogue.api import subject_names
from civtrain.core.actors import Actor
from civtrain.materials import selectors, services
from civtrain.materials.content import TYPE_LABELS
from civtrain.materials.data import AttachedMaterial
from civtrain.materials.models import Material

__all__ = [
    "AttachedMaterial",
    "class_materials",
    "course_materials",
    "material_attach_class",
    "material_attach_course",
    "material_create",
    "material_version_add",
    "may_use_library",
]

material_create = services.material_create
material_version_add = services.material_version_add
material_attach_class = services.material_attach_class
material_attach_course = services.material_attach_course


def _rows(materials: Iterable[Material]) -> list[AttachedMaterial]:
    materials = list(materials)
    current = selectors.current_versions(m.pk for m in materials)
    names = subject_names(include_inactive=True)
    out = []
    for m in materials:
        version = current.get(m.pk)
        if version is None:
            continue
        out.append(
            AttachedMaterial(
                id=m.pk,
                title=m.title,
                subject=names.get(m.subject, m.subject),
                teacher=m.teacher.name if m.teacher else "",
                author=m.author,
                version=version.number,
                file_type=TYPE_LABELS.get(version.file_type, version.file_type),
                size=version.size,
                filename=version.filename,
                download_url=reverse("materials:download", args=[m.pk]),
            )
        )
    return out


def class_materials(actor: Actor, class_id: int) -> list[AttachedMaterial]:
    """The materials attached to a class that the actor may download (its current versions)."""
    return _rows(selectors.class_materials(actor, class_id))


def course_materials(actor: Actor, course_id: int) -> list[AttachedMaterial]:
    """The materials attached to a course that the actor may download (its current versions)."""
    return _rows(selectors.course_materials(actor, course_id))


def may_use_library(actor: Actor) -> bool:
    """Whether the actor keeps materials (bureaus, unit HR, institutions, teachers)."""
    return actor_scope(actor).has(*selectors.AUTHORS)
