"""Reads of the teacher pool, scoped by the actor."""

from django.db.models import Q, QuerySet

from civtrain.accounts.api import Role, actor_scope
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.faculty.models import Teacher
from civtrain.organisations.api import subtree_q

# Pages and endpoints name the rows these selectors return as selectors.Teacher: they never
# import the models (pyproject.toml, #9 item 5).

MANAGERS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.INSTITUTION, Role.UNIT_HR)


def teacher_scope_q(actor: Actor) -> Q:
    """Teachers kept anywhere in a tree the actor works in (schedulers pick across the
    city), and a teacher's own record."""
    scope = actor_scope(actor)
    roots = {p.split("/")[0] + "/" for p in scope.paths_for(*MANAGERS)}
    q = subtree_q(roots, "org__path")
    if scope.has(Role.TEACHER) and scope.user_id is not None:
        q |= Q(user_id=scope.user_id)
    return q


def teacher_list(
    *, actor: Actor, search: str = "", subject: str = "", category: str = ""
) -> QuerySet[Teacher]:
    qs = Teacher.objects.filter(teacher_scope_q(actor))
    if category:
        qs = qs.filter(category=category)
    if search.strip():
        qs = qs.filter(name__contains=search.strip())
    if subject:
        # JSON containment is not portable to SQLite; the pool is small, so filter in Python.
        ids = [t.pk for t in qs if subject in (t.subjects or [])]
        qs = qs.filter(pk__in=ids)
    return qs


def teacher_search(*, actor: Actor, query: str, limit: int = 20) -> list[Teacher]:
    """Teachers in scope whose name or title contains `query`, by name: the session form's
    teacher picker (#11 item 3). Bounded by `limit`; the keeping node read with them."""
    qs = Teacher.objects.filter(teacher_scope_q(actor)).select_related("org")
    query = query.strip()
    if query:
        qs = qs.filter(Q(name__contains=query) | Q(title__contains=query))
    return list(qs.order_by("name", "id")[:limit])


def teacher_pick(*, actor: Actor, ref: str) -> Teacher | None:
    """The teacher a picker's box names — the id it submits, or an exact name borne by one
    teacher in scope (typed without JavaScript) — else None."""
    qs = Teacher.objects.filter(teacher_scope_q(actor))
    found = qs.filter(pk=int(ref)).first() if ref.isdigit() else None
    if found is None:
        named = list(qs.filter(name=ref)[:2])
        found = named[0] if len(named) == 1 else None
    return found


def access_teacher_by_id(actor: Actor, teacher_id: int) -> Teacher:
    found = Teacher.objects.filter(teacher_scope_q(actor), pk=teacher_id).first()
    if found is None:
        raise NotFound("教师不存在或无权访问")
    return found
