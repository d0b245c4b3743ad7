"""Public interface of the institution registry for other apps."""

from collections.abc import Iterable

from django.db.models import Q

from civtrain.core.actors import Actor
from civtrain.institutions import selectors, services
from civtrain.institutions.data import InstitutionData, InstitutionKind
from civtrain.institutions.models import Institution

__all__ = [
    "InstitutionData",
    "InstitutionKind",
    "access_institution",
    "institution_choices",
    "institution_create",
    "institution_data",
    "institution_names",
    "institution_recognise",
    "institution_scope_q",
]

institution_create = services.institution_create
institution_recognise = services.institution_recognise


def to_data(inst: Institution) -> InstitutionData:
    return InstitutionData(
        id=inst.pk,
        name=inst.name,
        kind=InstitutionKind(inst.kind),
        org_id=inst.org_id,
        org_path=inst.org.path,
        recognised_from=inst.recognised_from,
        recognised_to=inst.recognised_to,
    )


def access_institution(
    actor: Actor, institution_id: int, *, staff_only: bool = False
) -> InstitutionData:
    """The institution if the actor may see it (or act for it, with staff_only); else NotFound."""
    return to_data(selectors.access_institution_by_id(actor, institution_id, staff_only=staff_only))


def institution_data(institution_id: int) -> InstitutionData:
    return to_data(Institution.objects.select_related("org").get(pk=institution_id))


def institution_scope_q(actor: Actor, field: str = "", *, staff_only: bool = False) -> Q:
    """Q over another table's institution relation (`field`, e.g. "institution") for the
    institutions the actor may see or, with staff_only, act for."""
    return selectors.institution_scope_q(
        actor, f"{field}__" if field else "", staff_only=staff_only
    )


def institution_choices(*, actor: Actor) -> list[InstitutionData]:
    return [to_data(i) for i in selectors.institution_choices(actor=actor)]


def institution_names(institution_ids: Iterable[int]) -> dict[int, str]:
    """Names by id, one query (evaluation score tables)."""
    return dict(Institution.objects.filter(pk__in=set(institution_ids)).values_list("pk", "name"))
