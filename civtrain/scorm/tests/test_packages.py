"""Uploading SCORM packages (issue #12 item 2, must-show: broken packages refused, each with
the message a person sees and nothing stored; ADR 0017)."""

import io
import struct
import zipfile
from typing import Any

import pytest

from civtrain.core.errors import NotFound
from civtrain.core.models import AuditEvent
from civtrain.scorm import api
from civtrain.scorm.data import ScormVersion
from civtrain.scorm.errors import PackageRefused, ScormErrorCode
from civtrain.scorm.models import Package
from civtrain.scorm.storage import file_key, scorm_storage
from civtrain.scorm.tests.builders import manifest, package_zip, zip_of

pytestmark = pytest.mark.django_db


def upload(actor: Any, org: Any, data: bytes, **options: Any) -> Any:
    return api.package_upload(
        actor=actor, org_id=org.id, upload=io.BytesIO(data), size=len(data), **options
    )


def stored_files() -> list[str]:
    storage = scorm_storage()
    found, pending = [], [""]
    while pending:
        directory = pending.pop()
        try:
            directories, files = storage.listdir(directory)
        except FileNotFoundError:
            continue
        found += [f"{directory}/{name}".lstrip("/") for name in files]
        pending += [f"{directory}/{name}".lstrip("/") for name in directories]
    return found


def refused(actor: Any, org: Any, data: bytes) -> PackageRefused:
    """The refusal, after checking that nothing of the package was stored."""
    files_before, packages_before = stored_files(), Package.objects.count()
    with pytest.raises(PackageRefused) as caught:
        upload(actor, org, data)
    assert stored_files() == files_before
    assert Package.objects.count() == packages_before
    assert not AuditEvent.objects.filter(action="scorm.package_upload").exists()
    return caught.value


@pytest.mark.parametrize(
    ("version", "edition"),
    [(ScormVersion.SCORM12, "1.2"), (ScormVersion.SCORM2004, "2004 4th Edition")],
)
def test_a_package_is_stored_with_its_manifest_read(
    tree: Any, actors: Any, version: ScormVersion, edition: str
) -> None:
    package = upload(actors["city"], tree["C1"], package_zip(version, title="依法行政"))
    assert (package.title, package.version, package.edition) == ("依法行政", version, edition)
    assert [(s.identifier, s.title, s.href, s.scorm_type) for s in package.scos] == [
        ("ITEM1", "第一讲", "index.html", "sco")
    ]
    assert package.file_count == 4
    key = file_key(Package.objects.get(pk=package.id).storage_key, "js/sco.js")
    assert scorm_storage().open(key).read().startswith(b"(function")
    audit = AuditEvent.objects.get(action="scorm.package_upload")
    assert audit.changes["sha256"] == package.sha256


def test_2004_third_edition_and_a_given_title(tree: Any, actors: Any) -> None:
    data = package_zip(ScormVersion.SCORM2004, schemaversion="2004 3rd Edition")
    package = upload(actors["district"], tree["D1"], data, title="我的标题")
    assert (package.version, package.edition, package.title) == (
        ScormVersion.SCORM2004,
        "2004 3rd Edition",
        "我的标题",
    )


def test_version_from_namespaces_when_the_manifest_has_no_schemaversion(
    tree: Any, actors: Any
) -> None:
    xml = manifest(ScormVersion.SCORM12).replace("<schemaversion>1.2</schemaversion>", "")
    package = upload(actors["city"], tree["C1"], package_zip(manifest_xml=xml))
    assert package.version == ScormVersion.SCORM12


def test_xml_base_and_item_parameters_make_the_launch_address(tree: Any, actors: Any) -> None:
    xml = (
        manifest(ScormVersion.SCORM2004, href="index.html", files=("index.html",))
        .replace("<resources>", '<resources xml:base="course/">')
        .replace('identifierref="RES1"', 'identifierref="RES1" parameters="?lang=zh"')
    )
    data = zip_of({"imsmanifest.xml": xml.encode(), "course/index.html": b"<html></html>"})
    package = upload(actors["city"], tree["C1"], data)
    assert package.launch_href == "course/index.html?lang=zh"


def test_a_bureau_uploads_only_for_its_own_subtree(tree: Any, actors: Any) -> None:
    with pytest.raises(NotFound):
        upload(actors["district"], tree["D2"], package_zip())
    with pytest.raises(NotFound):
        upload(actors["unit_hr"], tree["U1"], package_zip())
    assert Package.objects.count() == 0


# --- broken packages: each refused with its reason, nothing stored -------------------------------


def test_not_a_zip(tree: Any, actors: Any) -> None:
    error = refused(actors["city"], tree["C1"], b"%PDF-1.4 this is a pdf named .zip")
    assert error.code == ScormErrorCode.NOT_A_ZIP
    assert error.message.startswith("上传的文件不是有效的 zip 压缩包")


def test_missing_manifest(tree: Any, actors: Any) -> None:
    error = refused(actors["city"], tree["C1"], package_zip(without=("imsmanifest.xml",)))
    assert error.code == ScormErrorCode.NO_MANIFEST
    assert error.message == "压缩包根目录中没有 imsmanifest.xml，不是 SCORM 课件包"


def test_manifest_in_a_subfolder_says_how_to_zip_it(tree: Any, actors: Any) -> None:
    data = zip_of({"课件/imsmanifest.xml": manifest(ScormVersion.SCORM12).encode()})
    error = refused(actors["city"], tree["C1"], data)
    assert error.code == ScormErrorCode.NO_MANIFEST
    assert "清单在子文件夹“课件”中" in error.message


def test_an_item_naming_a_resource_that_does_not_exist(tree: Any, actors: Any) -> None:
    error = refused(actors["city"], tree["C1"], package_zip(identifierref="RES9"))
    assert error.code == ScormErrorCode.MISSING_RESOURCE
    assert error.message == "清单中的条目“ITEM1”引用的资源“RES9”在 <resources> 中不存在"


def test_a_launch_file_that_is_not_in_the_zip(tree: Any, actors: Any) -> None:
    error = refused(actors["city"], tree["C1"], package_zip(without=("index.html",)))
    assert error.code == ScormErrorCode.MISSING_FILE
    assert error.message == "清单中的资源“RES1”所列的文件“index.html”不在压缩包中"


def test_a_zip_entry_with_a_dotdot_path(tree: Any, actors: Any) -> None:
    data = package_zip(files={"../evil.html": b"<script>alert(1)</script>"})
    error = refused(actors["city"], tree["C1"], data)
    assert error.code == ScormErrorCode.UNSAFE_PATH
    assert (
        error.message
        == "压缩包中的“../evil.html”用 ../ 指向包外，已拒绝：课件包只能包含包内的普通文件"
    )


def test_a_zip_entry_with_an_absolute_path(tree: Any, actors: Any) -> None:
    data = package_zip(files={"/etc/cron.d/evil": b"* * * * * root sh"})
    error = refused(actors["city"], tree["C1"], data)
    assert error.code == ScormErrorCode.UNSAFE_PATH
    assert "是绝对路径" in error.message


def test_a_symlink_entry(tree: Any, actors: Any) -> None:
    buffer = io.BytesIO(package_zip())
    with zipfile.ZipFile(buffer, "a") as archive:
        link = zipfile.ZipInfo("passwd")
        link.external_attr = (0o120777 << 16) | 0x20
        archive.writestr(link, "/etc/passwd")
    error = refused(actors["city"], tree["C1"], buffer.getvalue())
    assert error.code == ScormErrorCode.UNSAFE_PATH
    assert error.message.startswith("压缩包中的“passwd”是符号链接")


@pytest.mark.parametrize(
    "href", ["../outside/index.html", "/etc/passwd", "http://evil.example/index.html"]
)
def test_a_manifest_naming_files_outside_the_package(tree: Any, actors: Any, href: str) -> None:
    error = refused(actors["city"], tree["C1"], package_zip(href=href))
    assert error.code == ScormErrorCode.OUTSIDE_PACKAGE
    assert error.message == f"清单中的资源“RES1”指向包外的文件“{href}”：课件只能使用包内的文件"


def test_a_listed_file_outside_the_package_through_xml_base(tree: Any, actors: Any) -> None:
    xml = manifest(ScormVersion.SCORM12).replace(
        '<file href="style.css"/>', '<file href="../../shared/style.css"/>'
    )
    error = refused(actors["city"], tree["C1"], package_zip(manifest_xml=xml))
    assert error.code == ScormErrorCode.OUTSIDE_PACKAGE
    assert "“../../shared/style.css”" in error.message


def test_a_zip_bomb_is_refused_from_what_it_declares(tree: Any, actors: Any) -> None:
    # 8 MB of zeros deflate to about 8 KB: a ratio of ~1000 where 100 is the limit.
    data = package_zip(files={"media/zeros.bin": bytes(8 * 1024 * 1024)})
    assert len(data) < 64 * 1024
    error = refused(actors["city"], tree["C1"], data)
    assert error.code == ScormErrorCode.TOO_LARGE
    assert error.message.startswith("压缩包中的“media/zeros.bin”压缩比异常（")
    assert "可能是恶意构造的压缩包（zip 炸弹）" in error.message


def test_a_member_that_lies_about_its_size_is_cut_at_the_declared_size(
    tree: Any, actors: Any
) -> None:
    """The bomb that passes the declared checks: 4 MB inside, 1 KB declared. Extraction stops
    at the declared size, the CRC fails, whatever was written is removed."""
    data = bytearray(package_zip(files={"media/big.bin": b"x" * (4 * 1024 * 1024)}))
    declared = 1024
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        position = -1
        while (position := data.find(signature, position + 1)) != -1:
            name_length = struct.unpack_from("<H", data, position + (26 if offset == 22 else 28))[0]
            name_at = position + (30 if offset == 22 else 46)
            if bytes(data[name_at : name_at + name_length]) == b"media/big.bin":
                struct.pack_into("<I", data, position + offset, declared)
    error = refused(actors["city"], tree["C1"], bytes(data))
    assert error.code == ScormErrorCode.NOT_A_ZIP
    assert error.message.startswith("压缩包已损坏，无法完整解压（media/big.bin")


def test_an_unknown_schemaversion(tree: Any, actors: Any) -> None:
    error = refused(actors["city"], tree["C1"], package_zip(schemaversion="1.1"))
    assert error.code == ScormErrorCode.UNKNOWN_VERSION
    assert "“1.1”" in error.message


def test_a_manifest_that_is_not_xml(tree: Any, actors: Any) -> None:
    error = refused(actors["city"], tree["C1"], package_zip(manifest_xml="<manifest><oops>"))
    assert error.code == ScormErrorCode.BAD_MANIFEST
    assert error.message.startswith("imsmanifest.xml 不是有效的 XML（")


def test_a_manifest_with_nothing_to_launch(tree: Any, actors: Any) -> None:
    xml = manifest(ScormVersion.SCORM12).replace(' identifierref="RES1"', "")
    error = refused(actors["city"], tree["C1"], package_zip(manifest_xml=xml))
    assert error.code == ScormErrorCode.NO_LAUNCH


def test_a_deleted_package_leaves_no_files(
    tree: Any, actors: Any, django_capture_on_commit_callbacks: Any
) -> None:
    package = upload(actors["city"], tree["C1"], package_zip())
    assert len(stored_files()) == 4
    with django_capture_on_commit_callbacks(execute=True):
        api.package_delete(actor=actors["city"], package_id=package.id)
    assert stored_files() == []
    assert Package.objects.count() == 0
