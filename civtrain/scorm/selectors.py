"""Reads of the SCORM app, scoped by the actor."""

from civtrain.accounts.api import Role, actor_scope
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
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
