"""Public interface of the SCORM app: packages (upload, read) for learning and the pages."""

from typing import IO

from civtrain.core.actors import Actor
from civtrain.scorm import attempts, samples, selectors, services
from civtrain.scorm.data import PackageData, Sco, ScormVersion
from civtrain.scorm.models import Package

__all__ = [
    "CreatedCourse",
    "Launch",
    "PackageData",
    "ScormVersion",
    "access_package",
    "attempt_commit",
    "attempt_launch",
    "course_from_package",
    "package_data",
    "package_delete",
    "package_upload",
    "sample_package_zip",
]

CreatedCourse = services.CreatedCourse
course_from_package = services.course_from_package
package_delete = services.package_delete

# A learner's attempt as the player makes it (launch, then commits of the SCO's CMI data):
# for the demo's learners who left a package halfway (#12; the player's views call the same).
Launch = attempts.Launch
attempt_launch = attempts.attempt_launch
attempt_commit = attempts.attempt_commit

# The platform's own sample SCO (four pages calling the runtime API) as a 1.2 or 2004 zip:
# the tests' packages and the demo's courseware.
sample_package_zip = samples.package_zip


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
