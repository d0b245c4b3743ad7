"""Who may write whose ledger entries (#8 item 12)."""

from collections.abc import Iterable

from civtrain.accounts.api import PERSONNEL_ROLES, actor_scope, is_system
from civtrain.core.actors import Actor
from civtrain.core.errors import PermissionDenied
from civtrain.organisations.api import subtree_q
from civtrain.people import api as people_api


def persons_allowed(
    actor: Actor, person_ids: Iterable[int], *, scope_checked: bool = False
) -> set[int]:
    """Which persons the actor may credit: the system (CLI without --actor, tasks) anyone;
    personnel staff the people of their subtrees; every other user no one (#8 item 12: a
    teacher named with --actor wrote anyone's ledger). `scope_checked` is for app services
    that established the actor's right over these people themselves (enrolment: the passing
    trainees of a class the actor runs); the API, pages and commands never set it."""
    ids = sorted(set(person_ids))
    if scope_checked or is_system(actor):
        return people_api.person_ids_existing(ids)
    paths = actor_scope(actor).paths_for(*PERSONNEL_ROLES)
    if not paths:
        return set()
    in_scope = people_api.person_rows().filter(subtree_q(paths, "unit__path"), pk__in=ids)
    return set(in_scope.values_list("pk", flat=True))


def require_ledger_writer(actor: Actor) -> None:
    """People pages and endpoints that write or correct entries are for personnel staff."""
    if not actor_scope(actor).has(*PERSONNEL_ROLES):
        raise PermissionDenied("只有组织人事部门或公务员主管部门可以登记或冲正培训记录")
