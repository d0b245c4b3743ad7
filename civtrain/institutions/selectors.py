"""Reads of the institution registry, scoped by the actor."""

from django.db.models import Q, QuerySet

from civtrain.accounts.api import Role, actor_scope
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.institutions.models import Institution, RecognitionApplication
from civtrain.organisations.api import subtree_q

# Pages and endpoints name the rows these selectors return as selectors.Institution: they never
# import the models (pyproject.toml, #9 item 5).

BUREAUS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU)


def institution_scope_q(actor: Actor, prefix: str = "", *, staff_only: bool = False) -> Q:
    """Institutions the actor may see: bureaus see those in their subtree; institution
    staff see the institutions attached to their node's subtree (they act for them).
    `prefix` ("institution__") applies the same filter through another table's relation."""
    scope = actor_scope(actor)
    roles = (Role.INSTITUTION,) if staff_only else (*BUREAUS, Role.INSTITUTION)
    return subtree_q(scope.paths_for(*roles), f"{prefix}org__path")


def institution_list(*, actor: Actor, search: str = "") -> QuerySet[Institution]:
    qs = Institution.objects.filter(institution_scope_q(actor)).select_related("org")
    if search.strip():
        qs = qs.filter(name__contains=search.strip())
    return qs


def institution_choices(*, actor: Actor) -> QuerySet[Institution]:
    """Institutions an organiser may pick for a class: every one in any tree the actor holds
    a role in, since a unit commissions a city school as often as its own."""
    scope = actor_scope(actor)
    roots = {p.split("/")[0] + "/" for p in scope.paths_for(*scope.roles)}
    return Institution.objects.filter(subtree_q(roots, "org__path")).select_related("org")


def access_institution_by_id(
    actor: Actor, institution_id: int, *, staff_only: bool = False
) -> Institution:
    found = (
        Institution.objects.filter(
            institution_scope_q(actor, staff_only=staff_only), pk=institution_id
        )
        .select_related("org")
        .first()
    )
    if found is None:
        raise NotFound("施教机构不存在或无权访问")
    return found


def application_list(*, actor: Actor) -> QuerySet[RecognitionApplication]:
    """Recognition applications of the institutions the actor may see, newest first."""
    return RecognitionApplication.objects.filter(
        institution_scope_q(actor, "institution__")
    ).select_related("institution")


def applications_of(*, actor: Actor, institution_id: int) -> list[RecognitionApplication]:
    """One institution's recognition applications (its page), newest first."""
    return list(application_list(actor=actor).filter(institution_id=institution_id)[:20])
