"""Reads of the SCORM app, scoped by the actor."""

from civtrain.accounts.api import Role, actor_scope
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.people.api import person_for_user
from civtrain.scorm.models import Package

# Who uploads and manages courseware (issue #12 item 7: the city and district bureaus).
AUTHORS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU)
NOT_FOUND = "课件包不存在或无权访问"


def package_get(package_id: int) -> Package:
    row = Package.objects.select_related("org").filter(pk=package_id).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


def access_package_by_id(actor: Actor, package_id: int) -> Package:
    """A package its authors' bureaus manage (the uploading org's subtree and above)."""
    row = package_get(package_id)
    if not actor_scope(actor).covers(row.org.path, *AUTHORS):
        raise NotFound(NOT_FOUND)
    return row


def access_package_content(actor: Actor, package_id: int) -> Package:
    """A package's files: to its authors, and to a learner who launched it from a course open
    to them (the launch checked that through learning and created the attempt)."""
    row = package_get(package_id)
    scope = actor_scope(actor)
    if scope.covers(row.org.path, *AUTHORS):
        return row
    person = person_for_user(actor.pk) if actor.pk is not None else None
    if person is not None and row.attempts.filter(person_id=person.id).exists():
        return row
    raise NotFound(NOT_FOUND)


def may_author(actor: Actor) -> bool:
    """Whether the actor publishes courseware (under a node of a bureau's subtree, chosen
    with the `bureau` picker)."""
    return actor_scope(actor).has(*AUTHORS)
