"""Courseware files (#12 item 2): resumable video uploads, ffprobe, poster frames, PDF
documents, storage.

The upload protocol is a Content-Range chunk protocol: begin (name, size) gives a token; each
chunk says where it starts; a chunk that does not start where the stored part ends is refused
with the offset to resume from. Finishing checks the part is whole, probes it with ffprobe
(Debian's ffmpeg) and only then moves it into place and adds the item: a refused file leaves
nothing behind (no part, no poster, no item).
"""

import json
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings

from civtrain.core.actors import Actor
from civtrain.core.errors import ApplicationError, NotFound
from civtrain.learning.errors import LearningError, LearningErrorCode
from civtrain.learning.models import Item
from civtrain.learning.services import access_course_for_author, item_add

MAX_VIDEO_BYTES = 2 * 1024**3  # 2 GiB: lectures of several hundred MB fit
VIDEO_FORMATS = ("mov", "mp4", "m4a", "3gp", "3g2", "mj2")  # ffprobe's name for MP4 files
PROBE_SECONDS = 60
FFPROBE, FFMPEG = "/usr/bin/ffprobe", "/usr/bin/ffmpeg"  # Debian's (make media-tools)


def courseware_dir() -> Path:
    return Path(settings.CIVTRAIN_COURSEWARE_DIR)


def _private(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _bad_upload(message: str, **extra: Any) -> LearningError:
    return LearningError(LearningErrorCode.BAD_UPLOAD, message, extra)


def _bad_media(message: str) -> LearningError:
    return LearningError(LearningErrorCode.BAD_MEDIA, message)


@dataclass(frozen=True)
class UploadState:
    token: str
    filename: str
    size: int
    received: int


def _paths(token: str) -> tuple[Path, Path]:
    if not token.isalnum() or len(token) != 32:
        raise NotFound("上传不存在")
    base = _private(courseware_dir() / "uploads")
    return base / f"{token}.part", base / f"{token}.json"


def _meta(actor: Actor, token: str) -> tuple[Path, dict[str, Any]]:
    part, meta = _paths(token)
    if not meta.exists():
        raise NotFound("上传不存在")
    info = json.loads(meta.read_text())
    if info["actor_id"] != getattr(actor, "pk", None):
        raise NotFound("上传不存在")
    return part, info


def upload_begin(*, actor: Actor, course_id: int, filename: str, size: int) -> UploadState:
    """Start a resumable upload of a video for a course the actor authors."""
    access_course_for_author(actor, course_id)
    if not filename.lower().endswith(".mp4"):
        raise _bad_upload("只接受 MP4 视频（.mp4）")
    if not 0 < size <= MAX_VIDEO_BYTES:
        raise _bad_upload("视频大小应在 1 字节到 2 GB 之间")
    token = uuid.uuid4().hex
    part, meta = _paths(token)
    part.touch(mode=0o600)
    meta.write_text(
        json.dumps(
            {"actor_id": actor.pk, "course_id": course_id, "filename": filename, "size": size}
        )
    )
    return UploadState(token, filename, size, 0)


def upload_status(*, actor: Actor, token: str) -> UploadState:
    part, info = _meta(actor, token)
    return UploadState(token, info["filename"], info["size"], part.stat().st_size)


def upload_chunk(*, actor: Actor, token: str, start: int, total: int, data: bytes) -> UploadState:
    """Append a chunk that starts where the stored part ends (Content-Range semantics)."""
    part, info = _meta(actor, token)
    received = part.stat().st_size
    if total != info["size"]:
        raise _bad_upload("分片声明的文件总大小与开始上传时不一致", size=info["size"])
    if start != received:
        raise _bad_upload(f"分片应从第 {received} 字节开始", received=received)
    if received + len(data) > info["size"]:
        raise _bad_upload("分片超出了文件大小", received=received)
    with part.open("ab") as out:
        out.write(data)
    return UploadState(token, info["filename"], info["size"], received + len(data))


def upload_discard(part: Path) -> None:
    part.unlink(missing_ok=True)
    part.with_suffix(".json").unlink(missing_ok=True)


@dataclass(frozen=True)
class Probe:
    duration: Decimal
    width: int
    height: int


def probe(path: Path) -> Probe:
    """Duration and picture size of an MP4 video; LearningError when it is not one."""
    try:
        done = subprocess.run(  # noqa: S603
            [
                FFPROBE, "-v", "error", "-print_format", "json",
                "-show_format", "-show_streams", str(path),
            ],
            capture_output=True,
            timeout=PROBE_SECONDS,
            check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        raise _bad_media("无法分析该视频文件（ffprobe 不可用或超时）") from None
    try:
        info = json.loads(done.stdout or b"{}")
    except ValueError:
        info = {}
    fmt = info.get("format") or {}
    video = [s for s in info.get("streams") or () if s.get("codec_type") == "video"]
    names = set(str(fmt.get("format_name", "")).split(","))
    if done.returncode != 0 or not video or not names & set(VIDEO_FORMATS):
        raise _bad_media("该文件不是可播放的 MP4 视频（无法识别视频流），请重新导出后上传")
    try:
        duration = Decimal(str(fmt.get("duration") or video[0].get("duration") or 0))
    except ArithmeticError:
        duration = Decimal(0)
    if duration < 1:
        raise _bad_media("视频时长为 0 秒，不能作为课件")
    return Probe(duration, int(video[0].get("width") or 0), int(video[0].get("height") or 0))


def poster_frame(video: Path, poster: Path, at: Decimal) -> bool:
    """A JPEG of the frame at `at` seconds; False when ffmpeg could not make one."""
    try:
        done = subprocess.run(  # noqa: S603
            [
                FFMPEG, "-v", "error", "-y", "-ss", f"{at:.2f}", "-i", str(video),
                "-frames:v", "1", "-vf", "scale=640:-2", str(poster),
            ],
            capture_output=True,
            timeout=PROBE_SECONDS,
            check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and poster.exists()


def video_item_from_upload(
    *, actor: Actor, course_id: int, token: str, title: str, chapter_id: int | None = None
) -> Item:
    """Finish an upload: whole, a real MP4 of at least a second, then stored and added."""
    part, info = _meta(actor, token)
    if info["course_id"] != course_id:
        raise NotFound("上传不存在")
    try:
        received = part.stat().st_size
        if received != info["size"]:
            raise _bad_upload(
                f"上传不完整：已收到 {received} / {info['size']} 字节，请继续上传后再提交",
                received=received,
            )
        found = probe(part)
        name = uuid.uuid4().hex
        videos = _private(courseware_dir() / "video")
        final, poster = videos / f"{name}.mp4", videos / f"{name}.jpg"
        has_poster = poster_frame(part, poster, min(Decimal(1), found.duration / 2))
        shutil.move(part, final)
        try:
            item = item_add(
                actor=actor,
                course_id=course_id,
                kind="video",
                title=title or info["filename"].rsplit(".", 1)[0],
                ref=final.name,
                duration_seconds=int(found.duration.to_integral_value()),
                chapter_id=chapter_id,
                poster=poster.name if has_poster else "",
            )
        except ApplicationError:
            final.unlink(missing_ok=True)
            poster.unlink(missing_ok=True)
            raise
    except LearningError as exc:
        if exc.code == LearningErrorCode.BAD_MEDIA:
            upload_discard(part)  # not a video: nothing to resume
        raise
    upload_discard(part)
    return item


def video_path(item: Item, *, poster: bool = False) -> Path:
    """Where an item's video (or its poster) is stored."""
    name = item.poster if poster else item.ref
    path = courseware_dir() / "video" / Path(name).name
    if not name or not path.exists():
        raise NotFound("视频文件不存在")
    return path


# -- documents (PDF read in the page with pdf.js; reading time counted per page shown) ----

MAX_DOCUMENT_BYTES = 100 * 1024**2
MAX_DOCUMENT_PAGES = 2000
# Expected reading time when the author gives none: a minute a page (civil-service documents
# are dense; the learner must also have shown every page 3 s, earning.PAGE_SECONDS).
SECONDS_PER_PAGE = 60


def pdf_pages(path: Path) -> int:
    """The page count of a real PDF; BAD_MEDIA for anything else (a renamed file, a broken
    or encrypted PDF, an empty one)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    with path.open("rb") as f:
        if f.read(5) != b"%PDF-":
            raise _bad_media("文件不是 PDF 文档")
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            raise _bad_media("PDF 文档有密码保护，学员无法阅读，请上传未加密的文档")
        pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, OSError):
        raise _bad_media("PDF 文档已损坏，无法读取") from None
    if not 0 < pages <= MAX_DOCUMENT_PAGES:
        raise _bad_media(f"PDF 文档的页数应在 1 到 {MAX_DOCUMENT_PAGES} 页之间")
    return pages


def document_item_from_upload(
    *,
    actor: Actor,
    course_id: int,
    chunks: Any,
    size: int,
    filename: str,
    title: str = "",
    minutes: int | None = None,
    chapter_id: int | None = None,
) -> Item:
    """Store an uploaded PDF and add it as a document item: checked to be a readable PDF
    first; a refused file leaves nothing behind. `chunks`: an iterable of bytes."""
    access_course_for_author(actor, course_id)
    if not filename.lower().endswith(".pdf"):
        raise _bad_upload("只接受 PDF 文档（.pdf）")
    if not 0 < size <= MAX_DOCUMENT_BYTES:
        raise _bad_upload("文档大小应在 1 字节到 100 MB 之间")
    if minutes is not None and not 0 < minutes <= 24 * 60:
        raise _bad_upload("预计阅读时长应在 1 到 1440 分钟之间")
    documents = _private(courseware_dir() / "documents")
    final = documents / f"{uuid.uuid4().hex}.pdf"
    try:
        written = 0
        with final.open("wb") as out:
            for chunk in chunks:
                written += len(chunk)
                if written > MAX_DOCUMENT_BYTES:
                    raise _bad_upload("文档大小应在 1 字节到 100 MB 之间")
                out.write(chunk)
        pages = pdf_pages(final)
        return item_add(
            actor=actor,
            course_id=course_id,
            kind="pdf",
            title=title.strip() or filename.rsplit(".", 1)[0],
            ref=final.name,
            duration_seconds=(minutes * 60) if minutes else pages * SECONDS_PER_PAGE,
            pages=pages,
            chapter_id=chapter_id,
        )
    except BaseException:
        final.unlink(missing_ok=True)
        raise


def document_path(item: Item) -> Path:
    """Where a document item's PDF is stored."""
    path = courseware_dir() / "documents" / Path(item.ref).name
    if not item.ref or not path.exists():
        raise NotFound("文档文件不存在")
    return path
