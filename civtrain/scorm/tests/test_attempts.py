"""The SCORM runtime on the server (issue #12 item 2, ADR 0017): commits stored and resumed,
completion mapped to the item's progress and the one ledger entry, time from the server's
clock, a second window taking over, and the package's files served only to who may see them."""

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.core import clock
from civtrain.core.errors import NotFound
from civtrain.credits.api import entry_rows
from civtrain.learning import api as learning_api
from civtrain.scorm import attempts, services
from civtrain.scorm.data import ScormVersion
from civtrain.scorm.errors import PackageRefused, ScormErrorCode
from civtrain.scorm.models import Attempt, Package
from civtrain.scorm.tests.builders import package_zip

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 6, 1, 10, 0, tzinfo=clock.TZ)


def at(seconds: int) -> None:
    clock.freeze(T0 + dt.timedelta(seconds=seconds))


@pytest.fixture
def learner(tree: Any) -> Any:
    person = testing.make_person(tree["U1"], name="李学员")
    return User.objects.get(pk=person.user_id)


def create_course(actors: Any, version: ScormVersion = ScormVersion.SCORM12) -> Any:
    data = package_zip(version)
    return services.course_from_package(
        actor=actors["city"],
        upload=io.BytesIO(data),
        size=len(data),
        title="依法行政专题",
        org_code="C1",
        hours=Decimal("2"),
    )


def ledger_entries(user: Any) -> list[Any]:
    person_id = user.person.pk
    return list(entry_rows().filter(person_id=person_id).values("hours", "year"))


@pytest.mark.parametrize("version", list(ScormVersion))
def test_commits_are_kept_and_a_relaunch_resumes_where_the_learner_left(
    actors: Any, learner: Any, version: ScormVersion
) -> None:
    at(0)
    course = create_course(actors, version)
    launch = attempts.attempt_launch(actor=learner, item_id=course.item_id)
    assert launch.href == "index.html"
    keys = "cmi.location" if version is ScormVersion.SCORM2004 else "cmi.core.lesson_location"
    exit_key = "cmi.exit" if version is ScormVersion.SCORM2004 else "cmi.core.exit"
    entry_key = "cmi.entry" if version is ScormVersion.SCORM2004 else "cmi.core.entry"
    assert launch.cmi[entry_key] == "ab-initio"
    at(20)
    attempts.attempt_commit(
        actor=learner,
        attempt_id=launch.attempt.pk,
        session_key=launch.attempt.session_key,
        payload={keys: "2", "cmi.suspend_data": "pages=2", exit_key: "suspend"},
    )
    again = attempts.attempt_launch(actor=learner, item_id=course.item_id)
    assert again.attempt.pk == launch.attempt.pk
    assert (again.cmi[keys], again.cmi["cmi.suspend_data"], again.cmi[entry_key]) == (
        "2",
        "pages=2",
        "resume",
    )
    assert ledger_entries(learner) == []


def test_completion_reaches_the_ledger_once(actors: Any, learner: Any) -> None:
    at(0)
    course = create_course(actors)
    launch = attempts.attempt_launch(actor=learner, item_id=course.item_id)
    done = {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "90"}
    for seconds in (30, 40):  # the SCO commits "passed" twice (and terminates)
        at(seconds)
        attempts.attempt_commit(
            actor=learner,
            attempt_id=launch.attempt.pk,
            session_key=launch.attempt.session_key,
            payload=done,
        )
    assert ledger_entries(learner) == [{"hours": Decimal("2.0"), "year": 2026}]
    attempt = Attempt.objects.get(pk=launch.attempt.pk)
    assert (attempt.done, attempt.score, attempt.earned_seconds) == (True, Decimal("90.00"), 40)


def test_time_is_the_servers_not_the_scos(actors: Any, learner: Any) -> None:
    at(0)
    course = create_course(actors)
    launch = attempts.attempt_launch(actor=learner, item_id=course.item_id)
    key = launch.attempt.session_key

    def commit(seconds: int, **cmi: str) -> int:
        at(seconds)
        return attempts.attempt_commit(
            actor=learner, attempt_id=launch.attempt.pk, session_key=key, payload=cmi
        ).earned_seconds

    # The SCO claims 99 hours; 25 seconds passed on the server.
    assert commit(25, **{"cmi.core.session_time": "0099:00:00"}) == 25
    at(55)
    assert (
        attempts.attempt_keepalive(
            actor=learner, attempt_id=launch.attempt.pk, session_key=key
        ).earned_seconds
        == 55
    )
    # A laptop closed for an hour: at most one keep-alive gap (60 s) is credited.
    assert commit(55 + 3600) == 115
    # A clock set back credits nothing.
    assert commit(100) == 115


def test_an_item_needs_its_duration_before_the_scos_word_counts(
    tree: Any, actors: Any, learner: Any
) -> None:
    at(0)
    data = package_zip()
    package = services.package_upload(
        actor=actors["city"],
        org_id=tree["C1"].id,
        upload=io.BytesIO(data),
        size=len(data),
    )
    course = learning_api.course_create(
        actor=actors["city"], title="十分钟课件", org_code="C1", kind="scorm12", hours=Decimal(1)
    )
    item = learning_api.item_add(
        actor=actors["city"],
        course_id=course.id,
        kind="scorm12",
        title="十分钟课件",
        ref=str(package.pk),
        duration_seconds=120,
    )
    launch = attempts.attempt_launch(actor=learner, item_id=item.id)
    key = launch.attempt.session_key
    at(5)
    attempts.attempt_commit(
        actor=learner,
        attempt_id=launch.attempt.pk,
        session_key=key,
        payload={"cmi.core.lesson_status": "passed"},
    )
    assert ledger_entries(learner) == []  # "passed" after 5 seconds: not yet
    for seconds in (60, 120):
        at(seconds)
        attempts.attempt_keepalive(actor=learner, attempt_id=launch.attempt.pk, session_key=key)
    assert ledger_entries(learner) == [{"hours": Decimal("1.0"), "year": 2026}]


def test_a_second_window_takes_over_and_the_first_stops_saving(actors: Any, learner: Any) -> None:
    at(0)
    course = create_course(actors)
    first = attempts.attempt_launch(actor=learner, item_id=course.item_id)
    old_key = first.attempt.session_key
    attempts.attempt_launch(actor=learner, item_id=course.item_id)
    at(30)
    with pytest.raises(PackageRefused) as caught:
        attempts.attempt_commit(
            actor=learner,
            attempt_id=first.attempt.pk,
            session_key=old_key,
            payload={"cmi.core.lesson_status": "passed"},
        )
    assert caught.value.code == ScormErrorCode.SUPERSEDED
    assert caught.value.message.startswith("这门课件已在另一个窗口或设备上打开")
    assert not Attempt.objects.get(pk=first.attempt.pk).done


def test_a_learner_outside_the_audience_cannot_launch_or_read_the_files(
    tree: Any, actors: Any, learner: Any
) -> None:
    course = create_course(actors)
    outsider_person = testing.make_person(tree["U3"], name="王外市")
    outsider = User.objects.get(pk=outsider_person.user_id)
    with pytest.raises(NotFound):
        attempts.attempt_launch(actor=outsider, item_id=course.item_id)
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/scorm/content/{course.package_id}/index.html").status_code == 404


def test_files_are_served_to_authors_and_to_learners_who_launched(
    actors: Any, learner: Any
) -> None:
    course = create_course(actors)
    url = f"/scorm/content/{course.package_id}/"
    client = Client()
    client.force_login(learner)
    assert client.get(url + "index.html").status_code == 404  # not launched yet
    page = client.get(f"/scorm/items/{course.item_id}/")
    assert page.status_code == 200
    response = client.get(url + "index.html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert client.get(url + "js/sco.js")["Content-Type"].startswith("text/javascript")
    for missing in ("", "js/", "nothing.html", "../../etc/passwd"):
        assert client.get(url + missing).status_code == 404, missing
    author = Client()
    author.force_login(actors["district"])
    assert author.get(url + "index.html").status_code == 404  # uploaded by the city
    author.force_login(actors["city"])
    assert author.get(url + "style.css").status_code == 200


def test_import_scorm_prints_the_course_id(tmp_path: Any, actors: Any) -> None:
    path = tmp_path / "course.zip"
    path.write_bytes(package_zip(ScormVersion.SCORM2004))
    out = io.StringIO()
    call_command(
        "import_scorm",
        str(path),
        "--title",
        "保密教育",
        "--org",
        "C1",
        "--hours",
        "1.5",
        stdout=out,
    )
    course = learning_api.course_data(int(out.getvalue()))
    assert (course.title, course.kind, course.hours, course.item_count) == (
        "保密教育",
        "scorm2004",
        Decimal("1.5"),
        1,
    )


def test_import_scorm_refuses_a_broken_package_and_stores_nothing(
    tmp_path: Any, actors: Any
) -> None:
    path = tmp_path / "broken.zip"
    path.write_bytes(package_zip(without=("imsmanifest.xml",)))
    with pytest.raises(CommandError) as caught:
        call_command("import_scorm", str(path), "--title", "坏课件", "--org", "C1")
    assert str(caught.value) == (
        "课件包被拒绝：压缩包根目录中没有 imsmanifest.xml，不是 SCORM 课件包"
    )
    assert Package.objects.count() == 0


def test_a_course_refused_after_the_upload_removes_the_package(
    tmp_path: Any, actors: Any, django_capture_on_commit_callbacks: Any
) -> None:
    path = tmp_path / "course.zip"
    path.write_bytes(package_zip())
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommandError):
        call_command(
            "import_scorm",
            str(path),
            "--title",
            "未知科目",
            "--org",
            "C1",
            "--subject",
            "NO_SUCH_SUBJECT:1",
        )
    assert Package.objects.count() == 0


def test_the_upload_page_creates_a_course_or_says_why_not(actors: Any, learner: Any) -> None:
    client = Client()
    client.force_login(actors["district"])
    form = client.get("/scorm/new/")
    assert form.status_code == 200
    # The node is picked by name (#11 item 3), not from a list of every city and district.
    assert 'data-picker="/orgs/pick/?purpose=bureau' in form.content.decode()
    assert '<select class="form-select" id="scorm-org"' not in form.content.decode()
    broken = SimpleUploadedFile("bomb.zip", package_zip(files={"a/../../x.html": b"x"}))
    page = client.post("/scorm/new/", {"org": "D1", "package": broken}, follow=True)
    assert "压缩包中的“a/../../x.html”用 ../ 指向包外" in page.content.decode()
    assert Package.objects.count() == 0
    good = SimpleUploadedFile("ok.zip", package_zip(ScormVersion.SCORM2004))
    page = client.post(
        "/scorm/new/",
        {"org": "渝中区", "title": "廉政教育", "hours": "1", "package": good},
        follow=True,
    )
    assert "已创建课程“廉政教育”" in page.content.decode()
    assert Package.objects.get().title == "廉政教育"
    assert Package.objects.get().org.code == "D1"
    client.force_login(learner)
    assert client.get("/scorm/new/").status_code == 404


def test_another_course_opened_elsewhere_stops_the_scorm_clock(actors: Any, learner: Any) -> None:
    """One course at a time across every kind of courseware (#12 item 7, PR-3): a second
    package or a video opened by the learner ends the SCORM player's session; its next
    keep-alive is refused and says why, and no more time is credited to it."""
    at(0)
    first = create_course(actors)
    launch = attempts.attempt_launch(actor=learner, item_id=first.item_id)
    key = launch.attempt.session_key
    at(30)
    assert (
        attempts.attempt_keepalive(
            actor=learner, attempt_id=launch.attempt.pk, session_key=key
        ).earned_seconds
        == 30
    )
    other = create_course(actors, ScormVersion.SCORM2004)
    attempts.attempt_launch(actor=learner, item_id=other.item_id)
    at(60)
    with pytest.raises(PackageRefused) as caught:
        attempts.attempt_keepalive(actor=learner, attempt_id=launch.attempt.pk, session_key=key)
    assert caught.value.code == ScormErrorCode.SUPERSEDED
    assert "其他页面或设备" in caught.value.message
    assert Attempt.objects.get(pk=launch.attempt.pk).earned_seconds == 30

    # Back to the first package, then a video course in another tab: the package stops again.
    again = attempts.attempt_launch(actor=learner, item_id=first.item_id)
    video = learning_api.course_create(
        actor=actors["city"], title="视频课", org_code="C1", kind="video", hours=Decimal(1)
    )
    video_item = learning_api.item_add(
        actor=actors["city"],
        course_id=video.id,
        kind="video",
        title="第一讲",
        ref="lecture.mp4",
        duration_seconds=600,
    )
    client = Client()
    client.force_login(learner)
    opened = client.post(f"/api/v1/learning/items/{video_item.id}/sessions")
    assert opened.status_code == 201
    at(90)
    with pytest.raises(PackageRefused):
        attempts.attempt_keepalive(
            actor=learner, attempt_id=again.attempt.pk, session_key=again.attempt.session_key
        )
    assert Attempt.objects.get(pk=launch.attempt.pk).earned_seconds == 30


def test_scorm_time_counts_against_the_same_daily_cap(
    actors: Any, learner: Any, settings: Any
) -> None:
    """The daily cap (PR-3) holds for SCORM as for video (#12 item 7): 0.01 h = 36 s."""
    settings.CIVTRAIN_LEARNING_DAILY_CAP_HOURS = 0.01
    at(0)
    course = create_course(actors)
    launch = attempts.attempt_launch(actor=learner, item_id=course.item_id)
    key = launch.attempt.session_key
    earned = []
    for seconds in (30, 60, 90):
        at(seconds)
        earned.append(
            attempts.attempt_keepalive(
                actor=learner, attempt_id=launch.attempt.pk, session_key=key
            ).earned_seconds
        )
    assert earned == [30, 36, 36]
    # The next day the cap starts afresh.
    clock.freeze(T0 + dt.timedelta(days=1))
    launch = attempts.attempt_launch(actor=learner, item_id=course.item_id)
    clock.freeze(T0 + dt.timedelta(days=1, seconds=30))
    assert (
        attempts.attempt_keepalive(
            actor=learner, attempt_id=launch.attempt.pk, session_key=launch.attempt.session_key
        ).earned_seconds
        == 66
    )
