"""Public interface of the SCORM app: packages (upload, read) for learning and the pages."""

from typing import IO

from civtrain.core.actors import Actor
from civtrain.scorm import selectors, services
from civtrain.scorm.data import PackageData, Sco, ScormVersion
from civtrain.scorm.models import Package

__all__ = [
    "CreatedCourse",
    "PackageData",
    "ScormVersion",
    "access_package",
    "course_from_package",
    "package_data",
    "package_delete",
    "package_upload",
]

CreatedCourse = services.CreatedCourse
course_from_package = services.course_from_package
package_delete = services.package_delete


def to_data(row: Package) -> PackageData:
    return PackageData(
        id=row.pk,
        title=row.title,
        version=ScormVersion(row.version),
        edition=row.edition,
        org_id=row.org_id,
        scos=tuple(Sco(**sco) for sco in row.scos),
        file_count=row.file_count,
        total_bytes=row.total_bytes,
        sha256=row.sha256,
        created_at=row.created_at,
    )


def package_upload(
    *, actor: Actor, org_id: int, upload: IO[bytes], size: int, title: str = ""
) -> PackageData:
    """Check and store a package (PackageRefused names the problem; nothing is stored)."""
    row = services.package_upload(actor=actor, org_id=org_id, upload=upload, size=size, title=title)
    return to_data(row)


def package_data(package_id: int) -> PackageData:
    return to_data(selectors.package_get(package_id))


def access_package(actor: Actor, package_id: int) -> PackageData:
    return to_data(selectors.access_package_by_id(actor, package_id))
