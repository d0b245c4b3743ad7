"""Writes of the SCORM app: a checked package stored whole or not at all (ADR 0017)."""

import dataclasses
import hashlib
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.db import transaction

from civtrain.accounts.api import actor_scope
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import NotFound
from civtrain.core.writes import save_audited
from civtrain.learning import api as learning_api
from civtrain.organisations.api import org_by_codes, org_in_scope
from civtrain.scorm import storage
from civtrain.scorm.data import ScormVersion
from civtrain.scorm.errors import ScormErrorCode
from civtrain.scorm.models import Package
from civtrain.scorm.packages import member_open, read_package, refuse
from civtrain.scorm.selectors import AUTHORS

_OUT_OF_SCOPE = "所属组织不存在或不在您的管辖范围内"


def _author_org(actor: Actor, org_id: int) -> tuple[int, str]:
    org = org_in_scope(actor, org_id, AUTHORS, message=_OUT_OF_SCOPE)
    return org.id, org.path


def package_upload(
    *, actor: Actor, org_id: int, upload: IO[bytes], size: int, title: str = ""
) -> Package:
    """Check the zip and its manifest, store its files and the package row: all or nothing.
    A refused package raises PackageRefused before any file is written; a member that fails
    while being copied (a lying size, a bad CRC) removes what was written."""
    org_id, org_path = _author_org(actor, org_id)
    package = read_package(upload, size=size)
    digest = _sha256(upload)
    key = uuid.uuid4().hex
    written: list[str] = []
    try:
        for name, info in package.files.items():
            with member_open(package, name) as member:
                written.append(name)
                storage.write(key, name, member, info.file_size)
        with transaction.atomic():
            row = Package(
                title=(title.strip() or package.manifest.title)[:200],
                version=package.manifest.version.value,
                edition=package.manifest.edition,
                identifier=package.manifest.identifier[:200],
                scos=[dataclasses.asdict(sco) for sco in package.manifest.scos],
                file_count=len(package.files),
                total_bytes=package.total_bytes,
                sha256=digest,
                storage_key=key,
                org_id=org_id,
                uploaded_by_id=actor.pk,
            )
            save_audited(
                row,
                actor=actor,
                action="scorm.package_upload",
                object_type="scorm_package",
                label=row.title,
                org_path=org_path,
                changes={
                    "version": row.version,
                    "edition": row.edition,
                    "files": row.file_count,
                    "bytes": row.total_bytes,
                    "sha256": digest,
                },
            )
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        storage.delete_all(key, written)
        raise refuse(
            ScormErrorCode.NOT_A_ZIP,
            f"压缩包已损坏，无法完整解压（{written[-1] if written else ''}：{exc}）",
        ) from None
    except BaseException:
        storage.delete_all(key, written)
        raise
    return row


@transaction.atomic
def package_delete(*, actor: Actor, package_id: int) -> None:
    """Remove a package, row and files (import-scorm undoes an upload whose course could not
    be created). Files go after the commit: a rollback keeps them with their row."""
    row = Package.objects.select_related("org").filter(pk=package_id).first()
    if row is None or not actor_scope(actor).covers(row.org.path, *AUTHORS):
        raise NotFound("课件包不存在或无权访问")
    key = row.storage_key
    audit_record(
        actor=actor,
        action="scorm.package_delete",
        object_type="scorm_package",
        object_id=row.pk,
        object_label=row.title,
        org_path=row.org.path,
        changes={"sha256": row.sha256},
    )
    row.delete()
    transaction.on_commit(lambda: storage.delete_tree(key))


def _sha256(upload: IO[bytes]) -> str:
    upload.seek(0)
    digest = hashlib.sha256()
    while chunk := upload.read(1024 * 1024):
        digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class CreatedCourse:
    course_id: int
    item_id: int
    package_id: int
    title: str
    version: ScormVersion

    @property
    def label(self) -> str:
        return self.version.label


def course_from_package(
    *,
    actor: Actor,
    upload: IO[bytes],
    size: int,
    title: str,
    org_code: str,
    hours: Decimal | None = None,
    subjects: Iterable[str] = (),
) -> CreatedCourse:
    """`civtrain import-scorm` and the bureaus' upload page: check and store the package, then
    create the course and its item through learning.api. If the course is refused (an unknown
    subject, hours that do not parse), the package is removed again: nothing is stored."""
    org = org_by_codes([org_code.strip()]).get(org_code.strip())
    if org is None:
        raise NotFound(_OUT_OF_SCOPE)
    package = package_upload(actor=actor, org_id=org.id, upload=upload, size=size, title=title)
    version = ScormVersion(package.version)
    try:
        with transaction.atomic():
            course = learning_api.course_create(
                actor=actor,
                title=package.title,
                org_code=org.code,
                kind=version.value,
                hours=hours,
                subjects=tuple(subjects),
            )
            item = learning_api.item_add(
                actor=actor,
                course_id=course.id,
                kind=version.value,
                title=package.title,
                ref=str(package.pk),
            )
    except BaseException:
        package_delete(actor=actor, package_id=package.pk)
        raise
    return CreatedCourse(course.id, item.id, package.pk, course.title, version)
