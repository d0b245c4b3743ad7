"""What a teaching material's file may be, checked before it is kept (CQ-B4; ADR 0014's rules
for hostile files, applied to handouts).

A file is accepted only when its name's extension is one of FILE_TYPES *and* its bytes are
that kind of file: a PDF that pypdf reads (learning's courseware check: not encrypted, not
broken), an Office Open XML or OpenDocument zip whose members are within the importers' limits
(core.spreadsheets: the decompressed total and the compression ratio of each member — a zip
bomb is refused before anything is unpacked) and hold no macros, an old Office/WPS compound
file, an image, or UTF-8/GB 18030 text. An executable is refused whatever its name. Every
refusal is a MaterialError with a Chinese sentence saying what to do."""

import zipfile
from collections.abc import Callable
from pathlib import Path

from civtrain.core.errors import ApplicationError
from civtrain.core.spreadsheets import MAX_RATIO, RATIO_FLOOR
from civtrain.learning.api import pdf_page_count
from civtrain.materials.errors import MaterialError, MaterialsErrorCode

MIB = 1024 * 1024
# The courseware documents' limit (learning.media.MAX_DOCUMENT_BYTES): a textbook with
# pictures fits; a lecture video belongs in an online course, not in the library.
MAX_FILE_BYTES = 100 * MIB
MAX_UNZIPPED_BYTES = 512 * MIB  # all members of a .docx/.pptx/…, decompressed
MAX_ZIP_ENTRIES = 10_000

# extension → (type, label, MIME type)
FILE_TYPES: dict[str, tuple[str, str, str]] = {
    ".pdf": ("pdf", "PDF", "application/pdf"),
    ".docx": (
        "docx",
        "Word",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ".pptx": (
        "pptx",
        "PowerPoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ".xlsx": ("xlsx", "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".doc": ("doc", "Word 97", "application/msword"),
    ".ppt": ("ppt", "PowerPoint 97", "application/vnd.ms-powerpoint"),
    ".xls": ("xls", "Excel 97", "application/vnd.ms-excel"),
    ".wps": ("wps", "WPS 文字", "application/vnd.ms-works"),
    ".dps": ("dps", "WPS 演示", "application/vnd.ms-powerpoint"),
    ".et": ("et", "WPS 表格", "application/vnd.ms-excel"),
    ".odt": ("odt", "ODF 文本", "application/vnd.oasis.opendocument.text"),
    ".odp": ("odp", "ODF 演示", "application/vnd.oasis.opendocument.presentation"),
    ".ods": ("ods", "ODF 表格", "application/vnd.oasis.opendocument.spreadsheet"),
    ".txt": ("txt", "文本", "text/plain; charset=utf-8"),
    ".png": ("png", "PNG 图片", "image/png"),
    ".jpg": ("jpg", "JPEG 图片", "image/jpeg"),
    ".jpeg": ("jpg", "JPEG 图片", "image/jpeg"),
}
TYPE_LABELS = {t: label for t, label, _mime in FILE_TYPES.values()}
MIME_TYPES = {t: mime for t, _label, mime in FILE_TYPES.values()}
ACCEPT = ",".join(FILE_TYPES)  # the <input type=file accept=…>
ALLOWED_SENTENCE = (
    "可上传 PDF、Word、PowerPoint、Excel、WPS、OpenDocument 文档，纯文本和 PNG/JPEG 图片"
)

# Signatures of programs, whatever the file is called.
_EXECUTABLE = (
    b"MZ",  # Windows .exe/.dll/.scr
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O, fat binaries (and Java classes)
    b"#!",  # scripts
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: .doc/.xls/.ppt and WPS's own
_OOXML_PART = {"docx": "word/", "pptx": "ppt/", "xlsx": "xl/"}
_ODF_MIME = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "odp": b"application/vnd.oasis.opendocument.presentation",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
}


def refuse(message: str, **extra: object) -> MaterialError:
    return MaterialError(MaterialsErrorCode.BAD_FILE, message, dict(extra))


def file_type_of(filename: str) -> str:
    """The type a file's name declares; refused when it is not one the library keeps."""
    suffix = Path(filename).suffix.lower()
    if suffix not in FILE_TYPES:
        shown = suffix or "（无扩展名）"
        raise refuse(f"不支持的文件类型“{shown}”：{ALLOWED_SENTENCE}", suffix=suffix)
    return FILE_TYPES[suffix][0]


def check_size(size: int) -> None:
    if size <= 0:
        raise refuse("文件是空的，请选择要上传的资料")
    if size > MAX_FILE_BYTES:
        raise refuse(
            f"文件有 {size / MIB:.1f} MB，超过上限 {MAX_FILE_BYTES // MIB} MB；"
            "请压缩图片或分成几个文件上传",
            size=size,
        )


def check_content(path: Path, file_type: str) -> None:
    """The stored bytes are the declared kind of file, and harmless; MaterialError if not."""
    with path.open("rb") as f:
        head = f.read(4096)
    if head.startswith(_EXECUTABLE):
        raise refuse("该文件是可执行程序，不能作为教学资料上传")
    CHECKS[file_type](path, head)


def _pdf(path: Path, head: bytes) -> None:
    try:
        pdf_page_count(path)
    except ApplicationError as exc:
        raise refuse(exc.message) from None


def _ole2(path: Path, head: bytes) -> None:
    if not head.startswith(_OLE2):
        raise refuse(_renamed(path))


def _zip_members(path: Path) -> dict[str, zipfile.ZipInfo]:
    """The zip's members, refused when it is not a zip or its declared sizes are a bomb's."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise refuse(_renamed(path)) from None
    if len(members) > MAX_ZIP_ENTRIES:
        raise refuse(f"文档中有 {len(members)} 个部件，超过上限 {MAX_ZIP_ENTRIES} 个，已拒绝")
    total = 0
    for info in members:
        if info.flag_bits & 0x1:
            raise refuse("文档已加密或设置了打开密码，学员无法阅读，请去掉密码后上传")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise refuse(
                f"文档中的“{info.filename}”压缩比异常（{ratio:.0f} 倍，解压后 "
                f"{info.file_size // MIB} MB），可能是恶意构造的文件（zip 炸弹），已拒绝"
            )
        total += info.file_size
    if total > MAX_UNZIPPED_BYTES:
        raise refuse(
            f"文档解压后共 {total // MIB} MB，超过上限 {MAX_UNZIPPED_BYTES // MIB} MB，已拒绝"
        )
    return {m.filename: m for m in members}


def _ooxml(file_type: str) -> Callable[[Path, bytes], None]:
    def check(path: Path, head: bytes) -> None:
        members = _zip_members(path)
        part = _OOXML_PART[file_type]
        if "[Content_Types].xml" not in members or not any(n.startswith(part) for n in members):
            raise refuse(_renamed(path))
        if any(n.lower().endswith("vbaproject.bin") for n in members):
            raise refuse("文档含有宏（VBA 代码），可能有害，请另存为不含宏的文档后上传")

    return check


def _odf(file_type: str) -> Callable[[Path, bytes], None]:
    def check(path: Path, head: bytes) -> None:
        members = _zip_members(path)
        if "mimetype" not in members:
            raise refuse(_renamed(path))
        with zipfile.ZipFile(path) as archive:
            mimetype = archive.read("mimetype")[:100].strip()
        if mimetype != _ODF_MIME[file_type]:
            raise refuse(_renamed(path))
        if any(n.lower().startswith("basic/") for n in members):
            raise refuse("文档含有宏，可能有害，请另存为不含宏的文档后上传")

    return check


MAX_TEXT_BYTES = 10 * MIB


def _text(path: Path, head: bytes) -> None:
    if path.stat().st_size > MAX_TEXT_BYTES:
        raise refuse(f"文本文件超过 {MAX_TEXT_BYTES // MIB} MB，请改为 PDF 或 Word 文档上传")
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise refuse("文本文件的编码无法识别，请另存为 UTF-8 编码后上传")
    if any(ord(c) < 32 and c not in "\t\r\n\f" for c in text) or "\x7f" in text:
        raise refuse("文本文件含有控制字符（可能不是文本文件），请检查后上传")


def _image(signature: bytes) -> Callable[[Path, bytes], None]:
    def check(path: Path, head: bytes) -> None:
        if not head.startswith(signature):
            raise refuse(_renamed(path))

    return check


def _renamed(path: Path) -> str:
    return "文件内容与扩展名不符（可能是改了扩展名的其他文件，或文件已损坏），请上传原始文档"


CHECKS: dict[str, Callable[[Path, bytes], None]] = {
    "pdf": _pdf,
    "doc": _ole2,
    "ppt": _ole2,
    "xls": _ole2,
    "wps": _ole2,
    "dps": _ole2,
    "et": _ole2,
    "docx": _ooxml("docx"),
    "pptx": _ooxml("pptx"),
    "xlsx": _ooxml("xlsx"),
    "odt": _odf("odt"),
    "odp": _odf("odp"),
    "ods": _odf("ods"),
    "txt": _text,
    "png": _image(b"\x89PNG\r\n\x1a\n"),
    "jpg": _image(b"\xff\xd8\xff"),
}
