"""Reads of teaching materials, scoped by the actor (CQ-B4; STYLE.md §3).

- The library: a material belongs to an org node and is shared down its subtree (like
  question banks). Bureaus, unit HR, institution staff and teachers see the materials of
  their nodes' ancestors and of every node below them; they change those at or below their
  node — a teacher only those they created.
- Readers: a class's enrolled trainees and the staff who see the class, and a course's
  learners (while it is open to them) and the staff who see it, read the materials attached
  to it — the current version only; the library's users read every version.
Out of scope answers like absent (404).
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from civtrain.accounts.api import Role, actor_scope, is_system
from civtrain.classes.api import class_ids_q, class_scope_q
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.enrolment.api import class_ids_enrolled
from civtrain.learning.api import course_ids_visible
from civtrain.materials.models import ClassMaterial, CourseMaterial, Material, MaterialVersion
from civtrain.organisations.api import subtree_q

__all__ = ["ClassMaterial", "CourseMaterial", "Material", "MaterialVersion"]

AUTHORS = (
    Role.CITY_BUREAU,
    Role.DISTRICT_BUREAU,
    Role.UNIT_HR,
    Role.INSTITUTION,
    Role.TEACHER,
)
MANAGERS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.UNIT_HR, Role.INSTITUTION)
# Roles whose view of a class (organiser, institution, teacher, bureau) lets them read its
# materials; a learner reads them only as an enrolled trainee.
CLASS_STAFF = (*MANAGERS, Role.TEACHER)
PAGE_SIZE = 50
NOT_FOUND = "教学资料不存在或无权访问"


def ancestors_of(paths: Iterable[str]) -> set[str]:
    """Every ancestor-or-self path of `paths` ("1/3/7/" → "1/", "1/3/", "1/3/7/")."""
    out: set[str] = set()
    for path in paths:
        parts = [p for p in path.split("/") if p]
        out.update("".join(f"{s}/" for s in parts[: i + 1]) for i in range(len(parts)))
    return out


def library_q(actor: Actor) -> Q:
    """Materials in the actor's library: their nodes' subtrees and the nodes above them."""
    if is_system(actor):
        return Q()
    paths = actor_scope(actor).paths_for(*AUTHORS)
    if not paths:
        return Q(pk__in=[])
    return subtree_q(paths, "org__path") | Q(org__path__in=ancestors_of(paths))


def manage_q(actor: Actor) -> Q:
    """Materials the actor may change: at or below their nodes; a teacher's own only."""
    if is_system(actor):
        return Q()
    scope = actor_scope(actor)
    q = subtree_q(scope.paths_for(*MANAGERS), "org__path")
    teacher_paths = scope.paths_for(Role.TEACHER)
    if teacher_paths and scope.user_id is not None:
        q |= subtree_q(teacher_paths, "org__path") & Q(created_by_id=scope.user_id)
    return q


def reader_q(actor: Actor) -> Q:
    """Materials the actor may read: the library's, and those attached to a class they are
    an enrolled trainee of or run, teach or organise, or to a course they may see."""
    if is_system(actor):
        return Q()
    scope = actor_scope(actor)
    classes = ClassMaterial.objects.none()
    if scope.user_id is not None:
        classes = ClassMaterial.objects.filter(
            training_class_id__in=class_ids_enrolled(scope.user_id)
        )
    if scope.has(*CLASS_STAFF):
        classes = classes | ClassMaterial.objects.filter(
            training_class_id__in=class_ids_q(class_scope_q(actor))
        )
    courses = CourseMaterial.objects.filter(course_id__in=course_ids_visible(actor))
    return (
        library_q(actor)
        | Q(pk__in=classes.values("material_id"))
        | Q(pk__in=courses.values("material_id"))
    )


def material_list(
    *,
    actor: Actor,
    search: str = "",
    subject: str = "",
    file_type: str = "",
    mine: bool = False,
) -> QuerySet[Material]:
    """The library (a page of it is PAGE_SIZE rows), newest change first; `search` matches
    the title, the author or the teacher's name; `mine`: only those the actor may change."""
    qs = Material.objects.filter(library_q(actor))
    if mine:
        qs = qs.filter(manage_q(actor))
    term = search.strip()
    if term:
        qs = qs.filter(
            Q(title__icontains=term) | Q(author__icontains=term) | Q(teacher__name__icontains=term)
        )
    if subject:
        qs = qs.filter(subject=subject)
    if file_type:
        qs = qs.filter(
            pk__in=MaterialVersion.objects.filter(file_type=file_type).values("material_id")
        )
    return (
        qs.select_related("org", "teacher")
        .annotate(version_count=Count("versions"))
        .order_by("-updated_at", "-id")
    )


def access_material(actor: Actor, material_id: int, *, manage: bool = False) -> Material:
    """A material of the actor's library (manage: one they may change); NotFound otherwise."""
    q = manage_q(actor) if manage else library_q(actor)
    found = (
        Material.objects.filter(library_q(actor), q, pk=material_id)
        .select_related("org", "teacher")
        .first()
    )
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def may_manage(actor: Actor, material: Material) -> bool:
    return Material.objects.filter(manage_q(actor), pk=material.pk).exists()


def version_for_download(actor: Actor, material_id: int, number: int | None) -> MaterialVersion:
    """The version to send: `number`, or the current one when None. The library's users get
    any version; a trainee or learner the current one only; anyone else NotFound."""
    material = Material.objects.filter(reader_q(actor), pk=material_id).first()
    if material is None:
        raise NotFound(NOT_FOUND)
    wanted = material.current_number if number is None else number
    if (
        wanted != material.current_number
        and not Material.objects.filter(library_q(actor), pk=material_id).exists()
    ):
        raise NotFound("该版本不存在或无权访问")
    version = material.versions.filter(number=wanted).select_related("material").first()
    if version is None:
        raise NotFound("该版本不存在或无权访问")
    return version


def versions_of(material: Material) -> list[MaterialVersion]:
    return list(material.versions.select_related("uploaded_by").order_by("-number"))


def current_versions(material_ids: Iterable[int]) -> dict[int, MaterialVersion]:
    """Each material's current version, one query."""
    ids = list(material_ids)
    rows = MaterialVersion.objects.filter(material_id__in=ids, number=F("material__current_number"))
    return {v.material_id: v for v in rows}


def class_materials(actor: Actor, class_id: int) -> QuerySet[Material]:
    """The materials attached to a class that the actor may read (the class page)."""
    return (
        Material.objects.filter(reader_q(actor), class_links__training_class_id=class_id)
        .select_related("teacher")
        .order_by("title", "id")
    )


def course_materials(actor: Actor, course_id: int) -> QuerySet[Material]:
    """The materials attached to a course that the actor may read (the course page)."""
    return (
        Material.objects.filter(reader_q(actor), course_links__course_id=course_id)
        .select_related("teacher")
        .order_by("title", "id")
    )


def linked_classes(actor: Actor, material: Material) -> list[Any]:
    """The classes the material is attached to that the actor sees (id, code, title)."""
    return list(
        ClassMaterial.objects.filter(
            material=material, training_class_id__in=class_ids_q(class_scope_q(actor))
        )
        .values("training_class_id", "training_class__code", "training_class__title")
        .order_by("-training_class__start_date")
    )


def linked_courses(actor: Actor, material: Material) -> list[Any]:
    """The courses the material is attached to that the actor sees (id, title)."""
    return list(
        CourseMaterial.objects.filter(material=material, course_id__in=course_ids_visible(actor))
        .values("course_id", "course__title")
        .order_by("course__title")
    )


def my_materials(actor: Actor) -> dict[str, list[Any]]:
    """A trainee's and learner's materials: those of the classes they are enrolled in and of
    the courses open to them, each with where it comes from."""
    scope = actor_scope(actor)
    if scope.user_id is None:
        return {"classes": [], "courses": []}
    by_class = list(
        ClassMaterial.objects.filter(training_class_id__in=class_ids_enrolled(scope.user_id))
        .values(
            "material_id",
            "material__title",
            "material__subject",
            "material__current_number",
            "training_class_id",
            "training_class__title",
        )
        .order_by("-training_class__start_date", "material__title")[:PAGE_SIZE]
    )
    by_course = list(
        CourseMaterial.objects.filter(course_id__in=course_ids_visible(actor))
        .values(
            "material_id",
            "material__title",
            "material__subject",
            "material__current_number",
            "course_id",
            "course__title",
        )
        .order_by("course__title", "material__title")[:PAGE_SIZE]
    )
    return {"classes": by_class, "courses": by_course}
