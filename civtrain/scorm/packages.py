"""Reading an uploaded SCORM package before anything is stored (ADR 0017, ADR 0014's guards).

The zip is judged on what its central directory declares — size, entry count, each member's
compression ratio, path and kind — and then `imsmanifest.xml` is parsed and checked: the
SCORM version (1.2, 2004 3rd/4th edition), the default organization's launchable items, and
every resource and file they name, which must be inside the package and present in it. Any
refusal is a PackageRefused naming the problem; the caller stores nothing unless
`read_package` returned. Member contents are read later, one at a time and bounded by their
declared sizes (zipfile stops there and checks the CRC), by `member_open`.
"""

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from urllib.parse import unquote
from xml.etree import ElementTree

from civtrain.core.spreadsheets import MAX_RATIO, RATIO_FLOOR
from civtrain.scorm.data import Manifest, Sco, ScormVersion
from civtrain.scorm.errors import PackageRefused, ScormErrorCode

MIB = 1024 * 1024
MAX_PACKAGE_BYTES = 500 * MIB  # the zip as uploaded (a course with a few videos)
MAX_UNZIPPED_BYTES = 1024 * MIB  # all members, decompressed
MAX_ENTRIES = 5000
MAX_MANIFEST_BYTES = 4 * MIB
MANIFEST = "imsmanifest.xml"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SYMLINK = 0o120000
_QUERY = re.compile(r"([^?#]*)(.*)", re.DOTALL)  # a path, then its query and fragment


@dataclass(frozen=True)
class Package:
    """A package that passed every check: its manifest and its files (name → zip entry)."""

    archive: zipfile.ZipFile
    manifest: Manifest
    files: dict[str, zipfile.ZipInfo]

    @property
    def total_bytes(self) -> int:
        return sum(info.file_size for info in self.files.values())


def refuse(code: ScormErrorCode, message: str, **details: object) -> PackageRefused:
    return PackageRefused(code, message, dict(details))


def read_package(upload: IO[bytes], *, size: int) -> Package:
    """Check the zip and its manifest; raise PackageRefused with the reason, or return it."""
    if size > MAX_PACKAGE_BYTES:
        raise refuse(
            ScormErrorCode.TOO_LARGE,
            f"课件包有 {size / MIB:.1f} MB，超过上限 {MAX_PACKAGE_BYTES // MIB} MB",
        )
    try:
        archive = zipfile.ZipFile(upload)
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise refuse(
            ScormErrorCode.NOT_A_ZIP,
            "上传的文件不是有效的 zip 压缩包"
            "（SCORM 课件包应是 .zip 文件，不能是改了扩展名的其他文件）",
        ) from None
    files = _checked_members(members)
    manifest = parse_manifest(_read_manifest(archive, files), files)
    return Package(archive=archive, manifest=manifest, files=files)


def member_open(package: Package, name: str) -> IO[bytes]:
    """A member's bytes; never more than its declared size (zipfile checks the CRC at the end
    and raises BadZipFile on a member that lied about it)."""
    return package.archive.open(package.files[name])


# --- the zip: limits, paths, kinds -------------------------------------------------------------


def _checked_members(members: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    if len(members) > MAX_ENTRIES:
        raise refuse(
            ScormErrorCode.TOO_LARGE,
            f"压缩包中有 {len(members)} 个条目，超过上限 {MAX_ENTRIES} 个",
        )
    files: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in members:
        name = _safe_name(info)
        if info.is_dir():
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise refuse(
                ScormErrorCode.TOO_LARGE,
                f"压缩包中的“{name}”压缩比异常（{ratio:.0f} 倍，解压后 "
                f"{info.file_size // MIB} MB），可能是恶意构造的压缩包（zip 炸弹），已拒绝",
                member=name,
            )
        total += info.file_size
        files[name] = info
    if total > MAX_UNZIPPED_BYTES:
        raise refuse(
            ScormErrorCode.TOO_LARGE,
            f"压缩包解压后共 {total // MIB} MB，超过上限 {MAX_UNZIPPED_BYTES // MIB} MB",
        )
    return files


def _safe_name(info: zipfile.ZipInfo) -> str:
    """The member's path inside the package, or a refusal naming why it is unsafe."""
    name = info.filename
    reason = ""
    if _CONTROL.search(name) or "\\" in name:
        reason = "含反斜杠或控制字符"
    elif name.startswith("/") or _DRIVE.match(name):
        reason = "是绝对路径"
    elif ".." in name.split("/"):
        reason = "用 ../ 指向包外"
    elif (info.external_attr >> 16) & 0o170000 == _SYMLINK:
        reason = "是符号链接"
    elif info.flag_bits & 0x1:
        reason = "已加密"
    if reason:
        raise refuse(
            ScormErrorCode.UNSAFE_PATH,
            f"压缩包中的“{name}”{reason}，已拒绝：课件包只能包含包内的普通文件",
            member=name,
        )
    return "/".join(part for part in name.split("/") if part not in ("", "."))


def _read_manifest(archive: zipfile.ZipFile, files: dict[str, zipfile.ZipInfo]) -> bytes:
    info = files.get(MANIFEST)
    if info is None:
        nested = sorted(n for n in files if n.endswith("/" + MANIFEST))
        hint = (
            f"（清单在子文件夹“{nested[0].rsplit('/', 1)[0]}”中：请在课件文件夹内部全选后重新压缩）"
            if nested
            else ""
        )
        raise refuse(
            ScormErrorCode.NO_MANIFEST,
            f"压缩包根目录中没有 imsmanifest.xml，不是 SCORM 课件包{hint}",
        )
    if info.file_size > MAX_MANIFEST_BYTES:
        raise refuse(
            ScormErrorCode.TOO_LARGE,
            f"imsmanifest.xml 有 {info.file_size // MIB} MB，"
            f"超过上限 {MAX_MANIFEST_BYTES // MIB} MB",
        )
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError):
        raise refuse(ScormErrorCode.NOT_A_ZIP, "压缩包已损坏：无法读出 imsmanifest.xml") from None


# --- the manifest ------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [child for child in element if _local(child.tag) == name]


def _child(element: ElementTree.Element, name: str) -> ElementTree.Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _text(element: ElementTree.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _attribute(element: ElementTree.Element, name: str) -> str:
    """An attribute by its local name, case-insensitively (1.2 says scormtype, 2004 scormType)."""
    for key, value in element.attrib.items():
        if _local(key).lower() == name.lower():
            return value.strip()
    return ""


def parse_manifest(content: bytes, files: dict[str, zipfile.ZipInfo]) -> Manifest:
    """imsmanifest.xml checked against the package's files (SCORM CAM 1.2 / 2004)."""
    try:
        # Bounded by MAX_MANIFEST_BYTES; expat refuses entity-expansion bombs since 2.4.1 and
        # never fetches external entities.
        root = ElementTree.fromstring(content)  # nosec B314  # noqa: S314
    except ElementTree.ParseError as exc:
        raise refuse(
            ScormErrorCode.BAD_MANIFEST, f"imsmanifest.xml 不是有效的 XML（{exc}）"
        ) from None
    if _local(root.tag) != "manifest":
        raise refuse(ScormErrorCode.BAD_MANIFEST, "imsmanifest.xml 的根元素不是 <manifest>")
    version, edition = _version(root)
    base = root.get(_XML_BASE, "")
    resources = _resources(root, base, files)
    organization = _default_organization(root)
    scos = tuple(_launchable(organization, resources)) if organization is not None else ()
    if not scos:
        raise refuse(
            ScormErrorCode.NO_LAUNCH,
            "清单的课程结构（organization）中没有可启动的条目（引用了资源的 item）",
        )
    title = _text(_child(organization, "title")) if organization is not None else ""
    return Manifest(
        version=version,
        edition=edition,
        identifier=root.get("identifier", ""),
        title=title or scos[0].title,
        scos=scos,
    )


def _version(root: ElementTree.Element) -> tuple[ScormVersion, str]:
    """From <metadata><schemaversion>; without one, from the namespaces the manifest uses."""
    schemaversion = _text(_child(_child(root, "metadata") or root, "schemaversion"))
    if schemaversion == "1.2":
        return ScormVersion.SCORM12, schemaversion
    if schemaversion in ("CAM 1.3", "2004 3rd Edition", "2004 4th Edition"):
        return ScormVersion.SCORM2004, schemaversion
    if schemaversion:
        raise refuse(
            ScormErrorCode.UNKNOWN_VERSION,
            f"无法识别清单中的 SCORM 版本“{schemaversion}”：支持 SCORM 1.2 和 "
            "SCORM 2004（第 3、4 版）",
        )
    namespaces = {tag.split("}", 1)[0] for tag in _all_names(root) if tag.startswith("{")}
    if any("adlcp_rootv1p2" in ns or "imscp_rootv1p1p2" in ns for ns in namespaces):
        return ScormVersion.SCORM12, ""
    if any("adlcp_v1p3" in ns or "imscp_v1p1" in ns for ns in namespaces):
        return ScormVersion.SCORM2004, ""
    raise refuse(
        ScormErrorCode.UNKNOWN_VERSION,
        "清单中既没有 schemaversion，也没有 SCORM 的命名空间，无法判断是 SCORM 1.2 还是 2004",
    )


def _all_names(root: ElementTree.Element) -> Iterator[str]:
    for element in root.iter():
        yield element.tag
        yield from element.attrib


@dataclass(frozen=True)
class _Resource:
    identifier: str
    href: str  # resolved, query and fragment kept; "" for a resource without a launch file
    scorm_type: str


def _resources(
    root: ElementTree.Element, base: str, files: dict[str, zipfile.ZipInfo]
) -> dict[str, _Resource]:
    found: dict[str, _Resource] = {}
    for group in _children(root, "resources"):
        group_base = base + group.get(_XML_BASE, "")
        for element in _children(group, "resource"):
            identifier = element.get("identifier", "")
            resource_base = group_base + element.get(_XML_BASE, "")
            href = element.get("href", "").strip()
            launch = _inside(identifier, resource_base, href, files) if href else ""
            for file in _children(element, "file"):
                _inside(identifier, resource_base, file.get("href", "").strip(), files)
            found[identifier] = _Resource(identifier, launch, _attribute(element, "scormtype"))
    return found


def _inside(resource: str, base: str, href: str, files: dict[str, zipfile.ZipInfo]) -> str:
    """`href` resolved against the xml:base chain: a path inside the package to a file that is
    in it (query and fragment kept), or a refusal naming the resource and the href."""
    path, rest = _QUERY.match(href).groups()  # type: ignore[union-attr]  # always matches
    target = unquote(base + path)
    joined = posixpath.normpath(target) if target else ""
    if (
        _SCHEME.match(target)
        or target.startswith(("/", "\\"))
        or "\\" in target
        or joined == ".."
        or joined.startswith("../")
    ):
        raise refuse(
            ScormErrorCode.OUTSIDE_PACKAGE,
            f"清单中的资源“{resource}”指向包外的文件“{href}”：课件只能使用包内的文件",
            resource=resource,
            href=href,
        )
    if joined not in files:
        raise refuse(
            ScormErrorCode.MISSING_FILE,
            f"清单中的资源“{resource}”所列的文件“{href}”不在压缩包中",
            resource=resource,
            href=href,
        )
    return joined + rest


def _default_organization(root: ElementTree.Element) -> ElementTree.Element | None:
    organizations = _child(root, "organizations")
    if organizations is None:
        return None
    candidates = _children(organizations, "organization")
    default = organizations.get("default", "")
    chosen = [o for o in candidates if o.get("identifier") == default] or candidates
    return chosen[0] if chosen else None


def _launchable(
    organization: ElementTree.Element, resources: dict[str, _Resource]
) -> Iterator[Sco]:
    for item in organization.iter():
        if _local(item.tag) != "item" or not item.get("identifierref"):
            continue
        identifier, ref = item.get("identifier", ""), item.get("identifierref", "")
        resource = resources.get(ref)
        if resource is None:
            raise refuse(
                ScormErrorCode.MISSING_RESOURCE,
                f"清单中的条目“{identifier}”引用的资源“{ref}”在 <resources> 中不存在",
                item=identifier,
                resource=ref,
            )
        if not resource.href:
            raise refuse(
                ScormErrorCode.MISSING_FILE,
                f"清单中的资源“{ref}”没有启动文件（href），条目“{identifier}”无法启动",
                item=identifier,
                resource=ref,
            )
        yield Sco(
            identifier=identifier,
            title=_text(_child(item, "title")) or identifier,
            href=_with_parameters(resource.href, item.get("parameters", "").strip()),
            scorm_type=resource.scorm_type.lower() or "sco",
        )


def _with_parameters(href: str, parameters: str) -> str:
    """SCORM CAM: parameters starting with ? or # are appended; others join the query."""
    if not parameters:
        return href
    if parameters[0] in "?#":
        return (
            href + parameters
            if parameters[0] == "#" or "?" not in href
            else href + "&" + parameters[1:]
        )
    return href + ("&" if "?" in href else "?") + parameters


def as_upload(data: bytes) -> tuple[IO[bytes], int]:
    """Bytes as the (file, size) `read_package` takes (commands and tests)."""
    return io.BytesIO(data), len(data)
