"""Video uploads (#12 item 2): resumable chunks, ffprobe, posters; bad files leave nothing."""

import subprocess
from pathlib import Path
from typing import Any

import pytest

from civtrain.learning import api, media
from civtrain.learning.errors import LearningError

pytestmark = pytest.mark.django_db


def make_mp4(path: Path, seconds: float) -> bytes:
    """A tiny test-pattern MP4 made with Debian's ffmpeg."""
    subprocess.run(  # noqa: S603
        [
            media.FFMPEG, "-v", "error", "-y", "-f", "lavfi",
            "-i", f"testsrc=duration={seconds}:size=96x64:rate=10",
            "-pix_fmt", "yuv420p", str(path),
        ],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


@pytest.fixture
def course(tree: dict, actors: dict[str, Any]) -> api.CourseData:
    return api.course_create(actor=actors["city"], title="视频课", org_code="C1", kind="video")


def upload(actor: Any, course_id: int, content: bytes, name: str = "lecture.mp4") -> str:
    state = media.upload_begin(actor=actor, course_id=course_id, filename=name, size=len(content))
    half = len(content) // 2
    media.upload_chunk(
        actor=actor, token=state.token, start=0, total=len(content), data=content[:half]
    )
    media.upload_chunk(
        actor=actor, token=state.token, start=half, total=len(content), data=content[half:]
    )
    return state.token


def stored(store: Path) -> list[str]:
    return sorted(p.name for p in store.rglob("*") if p.is_file())


def test_a_video_uploaded_in_chunks_becomes_an_item(
    store: Path, tmp_path: Path, actors: dict, course: Any
) -> None:
    content = make_mp4(tmp_path / "ok.mp4", 3)
    token = upload(actors["city"], course.id, content)
    item = media.video_item_from_upload(
        actor=actors["city"], course_id=course.id, token=token, title="第一讲"
    )
    assert (item.kind, item.duration_seconds, item.title) == ("video", 3, "第一讲")
    assert media.video_path(item).read_bytes() == content
    assert media.video_path(item, poster=True).read_bytes()[:2] == b"\xff\xd8"  # a JPEG
    assert not list((store / "uploads").iterdir())  # the part is gone


def test_a_chunk_out_of_place_says_where_to_resume(store: Path, actors: dict, course: Any) -> None:
    state = media.upload_begin(actor=actors["city"], course_id=course.id, filename="a.mp4", size=10)
    media.upload_chunk(actor=actors["city"], token=state.token, start=0, total=10, data=b"12345")
    with pytest.raises(LearningError, match="分片应从第 5 字节开始") as err:
        media.upload_chunk(actor=actors["city"], token=state.token, start=8, total=10, data=b"xx")
    assert err.value.extra == {"received": 5}
    resumed = media.upload_status(actor=actors["city"], token=state.token)
    assert resumed.received == 5


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("not_video", "不是可播放的 MP4 视频"),
        ("truncated_file", "不是可播放的 MP4 视频"),
        ("zero_seconds", "视频时长为 0 秒"),
    ],
)
def test_bad_videos_are_refused_and_nothing_is_stored(
    store: Path, tmp_path: Path, actors: dict, course: Any, case: str, message: str
) -> None:
    if case == "not_video":
        content = b"%PDF-1.4 this is a document renamed to .mp4\n" * 50
    elif case == "truncated_file":
        content = make_mp4(tmp_path / "t.mp4", 3)[:-400]  # the index at the end is cut off
    else:
        content = make_mp4(tmp_path / "z.mp4", 0.1)
    token = upload(actors["city"], course.id, content)
    with pytest.raises(LearningError, match=message):
        media.video_item_from_upload(
            actor=actors["city"], course_id=course.id, token=token, title="x"
        )
    assert api.course_items(course.id) == []
    assert stored(store) == []


def test_an_incomplete_upload_is_refused_until_resumed(
    store: Path, tmp_path: Path, actors: dict, course: Any
) -> None:
    content = make_mp4(tmp_path / "ok.mp4", 2)
    state = media.upload_begin(
        actor=actors["city"], course_id=course.id, filename="a.mp4", size=len(content)
    )
    media.upload_chunk(
        actor=actors["city"], token=state.token, start=0, total=len(content), data=content[:100]
    )
    with pytest.raises(LearningError, match=f"上传不完整：已收到 100 / {len(content)} 字节"):
        media.video_item_from_upload(
            actor=actors["city"], course_id=course.id, token=state.token, title="x"
        )
    assert api.course_items(course.id) == []
    assert not (store / "video").exists() or stored(store / "video") == []
    media.upload_chunk(
        actor=actors["city"], token=state.token, start=100, total=len(content), data=content[100:]
    )
    item = media.video_item_from_upload(
        actor=actors["city"], course_id=course.id, token=state.token, title="x"
    )
    assert item.duration_seconds == 2


def test_only_the_uploader_sees_an_upload(store: Path, actors: dict, course: Any) -> None:
    state = media.upload_begin(actor=actors["city"], course_id=course.id, filename="a.mp4", size=4)
    with pytest.raises(Exception, match="上传不存在"):
        media.upload_chunk(actor=actors["district"], token=state.token, start=0, total=4, data=b"1")
    with pytest.raises(LearningError, match="只接受 MP4"):
        media.upload_begin(actor=actors["city"], course_id=course.id, filename="a.avi", size=4)
