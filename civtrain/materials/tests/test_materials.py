"""Teaching materials (CQ-B4, issue #16 item 2): versions, scope, upload refusals, and the
trainee's and learner's downloads through the protected courseware path."""

import datetime as dt
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from civtrain import testing
from civtrain.accounts.api import Role, User
from civtrain.classes.api import ClassStatus, class_transition
from civtrain.core import clock
from civtrain.core.models import AuditEvent
from civtrain.enrolment.api import nominations_create
from civtrain.learning import api as learning
from civtrain.materials.models import Material, MaterialVersion
from civtrain.materials.tests import builders

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 3, 10, 0, tzinfo=clock.TZ)  # a Tuesday, Asia/Shanghai


@pytest.fixture(autouse=True)
def _clock() -> None:
    clock.freeze(NOW)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _file(content: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


def upload(user: Any, org_id: int, content: bytes, name: str, **fields: str) -> Any:
    """The library page's upload form, as a user fills it in."""
    data = {"title": fields.pop("title", "行政诉讼法讲义"), "org_id": str(org_id), **fields}
    return _client(user).post("/materials/", {**data, "file": _file(content, name)}, follow=True)


def only_material() -> Material:
    [material] = Material.objects.all()
    return material


def new_version(user: Any, material_id: int, content: bytes, name: str, note: str = "") -> Any:
    return _client(user).post(
        f"/materials/{material_id}/versions/",
        {"file": _file(content, name), "note": note},
        follow=True,
    )


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- versions ----------------------------------------------------------------------------


def test_every_upload_is_a_version_the_current_one_marked_and_the_old_ones_kept(
    store: Path, tree: dict, actors: dict
) -> None:
    staff = actors["institution"]
    first, second = builders.pdf(1), builders.pdf(2)
    page = upload(staff, tree["C1"].id, first, "讲义.pdf", subject="law", author="法规处")
    assert "资料已上传（第 1 版）" in page.content.decode()
    material = only_material()
    assert (material.title, material.subject, material.current_number) == (
        "行政诉讼法讲义",
        "law",
        1,
    )

    page = new_version(staff, material.pk, second, "讲义（修订）.pdf", note="增加案例")
    assert "新版本已上传，并设为当前版本" in page.content.decode()
    html = _client(staff).get(f"/materials/{material.pk}/").content.decode()
    assert "当前第 2 版" in html and "讲义（修订）.pdf" in html and "增加案例" in html

    client = _client(staff)
    current = client.get(f"/materials/{material.pk}/download")
    assert body(current) == second
    assert "attachment" in current["Content-Disposition"]
    assert current["Content-Type"] == "application/pdf"
    assert body(client.get(f"/materials/{material.pk}/versions/1/download")) == first
    v1, v2 = MaterialVersion.objects.order_by("number")
    assert (v1.size, v1.sha256) == (len(first), hashlib.sha256(first).hexdigest())
    assert (v2.number, v2.filename) == (2, "讲义（修订）.pdf")

    # Back to the first version: trainees get it again; nothing is deleted.
    client.post(f"/materials/{material.pk}/versions/1/current/")
    material.refresh_from_db()
    assert material.current_number == 1
    assert body(client.get(f"/materials/{material.pk}/download")) == first
    assert MaterialVersion.objects.count() == 2

    actions = list(
        AuditEvent.objects.filter(object_type="material", object_id=str(material.pk))
        .order_by("id")
        .values_list("action", "actor_id")
    )
    assert actions == [
        ("material.create", staff.pk),
        ("material.version_add", staff.pk),
        ("material.version_current", staff.pk),
    ]


def test_facts_change_with_an_audit_row_and_a_new_file_is_never_an_edit(
    store: Path, tree: dict, actors: dict
) -> None:
    city = actors["city"]
    upload(city, tree["C1"].id, builders.docx(), "公文写作.docx", title="公文写作")
    material = only_material()
    _client(city).post(
        f"/materials/{material.pk}/edit/", {"title": "公文写作（2026）", "subject": "writing"}
    )
    material.refresh_from_db()
    assert (material.title, material.current_number) == ("公文写作（2026）", 1)
    event = AuditEvent.objects.get(action="material.update")
    assert event.changes["title"] == ["公文写作", "公文写作（2026）"]


# --- scope -------------------------------------------------------------------------------


def test_a_material_is_shared_down_its_subtree_and_out_of_scope_answers_like_missing(
    store: Path, tree: dict, actors: dict
) -> None:
    district = actors["district"]  # D1
    upload(actors["city"], tree["C1"].id, builders.pdf(), "市级.pdf", title="市级讲义")
    upload(district, tree["D1"].id, builders.pdf(), "渝中.pdf", title="渝中区讲义")
    city_material = Material.objects.get(title="市级讲义")
    d1_material = Material.objects.get(title="渝中区讲义")

    d2 = testing.make_user(Role.DISTRICT_BUREAU, tree["D2"])
    listed = _client(d2).get("/materials/").content.decode()
    assert "市级讲义" in listed and "渝中区讲义" not in listed  # the city's is shared down
    for url in (
        f"/materials/{d1_material.pk}/",
        f"/materials/{d1_material.pk}/download",
        f"/materials/{d1_material.pk}/versions/1/download",
        f"/materials/{Material.objects.order_by('-pk')[0].pk + 1000}/",
    ):
        assert _client(d2).get(url).status_code == 404, url
        assert _client(actors["other_city"]).get(url).status_code == 404, url
    # Shared down is read, not changed: the district reads the city's, cannot add a version.
    assert _client(district).get(f"/materials/{city_material.pk}/").status_code == 200
    new_version(district, city_material.pk, builders.pdf(3), "改.pdf")
    assert MaterialVersion.objects.filter(material=city_material).count() == 1

    call = testing.ApiCaller(actors["other_city"])
    status, rows = call("GET", "/materials")
    assert (status, rows) == (200, [])
    status, error = call("GET", f"/materials/{d1_material.pk}")
    assert status == 404 and error["error"]["code"] == "not_found"
    # A learner keeps no library.
    learner = User.objects.get(person__pk=testing.make_person(tree["U1"]).id)
    assert _client(learner).get("/materials/").status_code == 404
    assert _client(learner).get(f"/materials/{city_material.pk}/download").status_code == 404


def test_a_teacher_changes_only_the_materials_they_uploaded(
    store: Path, tree: dict, actors: dict
) -> None:
    teacher, staff = actors["teacher"], actors["institution"]
    upload(staff, tree["C1"].id, builders.pdf(), "机构.pdf", title="机构讲义")
    upload(teacher, tree["C1"].id, builders.pdf(), "教师.pdf", title="教师讲义")
    theirs, own = Material.objects.get(title="机构讲义"), Material.objects.get(title="教师讲义")
    new_version(teacher, theirs.pk, builders.pdf(2), "改.pdf")
    new_version(teacher, own.pk, builders.pdf(2), "改.pdf")
    assert MaterialVersion.objects.filter(material=theirs).count() == 1
    assert MaterialVersion.objects.filter(material=own).count() == 2
    mine = _client(teacher).get("/materials/?mine=1").content.decode()
    assert "教师讲义" in mine and "机构讲义" not in mine


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", builders.EXE, "不支持的文件类型“.exe”"),
        ("讲义.pdf", builders.EXE, "该文件是可执行程序，不能作为教学资料上传"),
        ("讲义.docx", builders.EXE, "该文件是可执行程序"),
        ("run.txt", b"#!/bin/sh\nrm -rf /\n", "该文件是可执行程序"),
        ("讲义.docx", builders.docx_bomb(), "可能是恶意构造的文件（zip 炸弹）"),
        ("讲义.docx", builders.docx(extra={"word/vbaProject.bin": b"x"}), "文档含有宏"),
        ("讲义.pptx", builders.docx(), "文件内容与扩展名不符"),
        ("讲义.pdf", b"%PDF-1.7 not really", "PDF 文档已损坏"),
        ("照片.jpg", builders.pdf(), "文件内容与扩展名不符"),
        ("说明.txt", b"abc\x00\x01def", "文本文件含有控制字符"),
        ("空.pdf", b"", "文件是空的"),
        ("资料.zip", builders.docx(), "不支持的文件类型“.zip”"),
    ],
)
def test_a_refused_upload_says_why_and_leaves_nothing_behind(
    store: Path, tree: dict, actors: dict, name: str, content: bytes, message: str
) -> None:
    page = upload(actors["institution"], tree["C1"].id, content, name)
    assert message in page.content.decode()
    assert not Material.objects.exists()
    assert not list((store / "materials").glob("*")) if (store / "materials").exists() else True


def test_a_file_over_the_limit_is_refused_while_it_streams(
    store: Path, tree: dict, actors: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civtrain.materials import content

    monkeypatch.setattr(content, "MAX_FILE_BYTES", 100)
    page = upload(actors["institution"], tree["C1"].id, builders.pdf(3), "大.pdf")
    assert "超过上限" in page.content.decode(), page.content.decode()[-3000:]
    assert not Material.objects.exists()
    # A refused new version keeps the material as it was.
    monkeypatch.setattr(content, "MAX_FILE_BYTES", 100 * 1024 * 1024)
    upload(actors["institution"], tree["C1"].id, builders.pdf(), "小.pdf")
    material = only_material()
    page = new_version(actors["institution"], material.pk, builders.EXE, "新.pdf")
    assert "可执行程序" in page.content.decode()
    material.refresh_from_db()
    assert material.current_number == 1 and material.versions.count() == 1
    assert len(list((store / "materials").iterdir())) == 1


def test_good_documents_of_every_family_are_accepted(store: Path, tree: dict, actors: dict) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    gbk = "依法行政讲稿\n第一章".encode("gb18030")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    for name, data in (
        ("a.docx", builders.docx()),
        ("b.png", png),
        ("c.txt", gbk),
        ("d.doc", ole),
        ("e.wps", ole),
        ("f.pdf", builders.pdf()),
    ):
        page = upload(actors["institution"], tree["C1"].id, data, name, title=name)
        assert "资料已上传" in page.content.decode(), name
    assert Material.objects.count() == 6


# --- trainees and learners ---------------------------------------------------------------


def _running_class(tree: dict, actors: dict, people: list[int]) -> int:
    city = actors["city"]
    institution = testing.make_institution(tree["C1"])
    # the institution's staff act for institutions under C1 (their node)
    tc = testing.make_class(city, tree["C1"], institution.id)
    class_transition(actor=city, class_id=tc.id, to=ClassStatus.OPEN)
    nominations_create(actor=actors["unit_hr"], class_id=tc.id, person_ids=people)
    class_transition(actor=actors["institution"], class_id=tc.id, to=ClassStatus.RUNNING)
    return int(tc.id)


def test_a_trainee_downloads_the_current_version_of_the_class_material(
    store: Path, tree: dict, actors: dict
) -> None:
    staff = actors["institution"]
    trainee = testing.make_person(tree["U1"], name="学员甲")
    bystander = testing.make_person(tree["U1"], name="学员乙")  # same unit, not in the class
    class_id = _running_class(tree, actors, [trainee.id])
    upload(staff, tree["C1"].id, builders.pdf(1), "讲义.pdf")
    material = only_material()
    page = _client(staff).post(
        f"/materials/{material.pk}/classes/", {"class_id": str(class_id)}, follow=True
    )
    assert "资料已关联到培训班" in page.content.decode()
    revised = builders.pdf(4)
    new_version(staff, material.pk, revised, "讲义v2.pdf")

    learner = User.objects.get(person__pk=trainee.id)
    client = _client(learner)
    mine = client.get("/materials/mine/").content.decode()
    assert "行政诉讼法讲义" in mine and "v2" in mine
    class_page = client.get(f"/classes/{class_id}/").content.decode()
    assert "行政诉讼法讲义" in class_page and f"/materials/{material.pk}/download" in class_page
    got = client.get(f"/materials/{material.pk}/download")
    assert got.status_code == 200 and body(got) == revised
    assert "%E8%AE%B2%E4%B9%89v2.pdf" in got["Content-Disposition"]  # 讲义v2.pdf, RFC 5987
    # The earlier version, the library and the material's page stay the staff's.
    assert client.get(f"/materials/{material.pk}/versions/1/download").status_code == 404
    assert client.get(f"/materials/{material.pk}/").status_code == 404

    other = _client(User.objects.get(person__pk=bystander.id))
    assert other.get(f"/materials/{material.pk}/download").status_code == 404
    assert "行政诉讼法讲义" not in other.get("/materials/mine/").content.decode()


def test_a_learner_of_an_open_course_downloads_its_material(
    store: Path, tree: dict, actors: dict
) -> None:
    city = actors["city"]
    course = learning.course_create(
        actor=city, title="公文处理办法", org_code="C1", kind="pdf", hours="1", published=True
    )
    handout = builders.docx("范文")
    upload(city, tree["C1"].id, handout, "范文.docx", title="公文范文")
    material = only_material()
    status, detail = testing.ApiCaller(city)("PUT", f"/materials/{material.pk}/courses/{course.id}")
    assert status == 200 and detail["course_ids"] == [course.id]

    learner = User.objects.get(person__pk=testing.make_person(tree["U1"]).id)
    client = _client(learner)
    page = client.get(f"/learning/courses/{course.id}/").content.decode()
    assert "公文范文" in page
    got = client.get(f"/materials/{material.pk}/download")
    assert got.status_code == 200 and body(got) == handout
    status, rows = testing.ApiCaller(learner)("GET", f"/materials/courses/{course.id}")
    assert status == 200 and [r["title"] for r in rows] == ["公文范文"]
    # Someone of the other city sees neither the course nor its material.
    outsider = User.objects.get(person__pk=testing.make_person(tree["U3"]).id)
    assert _client(outsider).get(f"/materials/{material.pk}/download").status_code == 404


def test_attaching_needs_the_class_in_the_actors_hands(
    store: Path, tree: dict, actors: dict
) -> None:
    class_id = _running_class(tree, actors, [testing.make_person(tree["U1"]).id])
    upload(actors["teacher"], tree["C1"].id, builders.pdf(), "教师.pdf")
    material = only_material()
    # The teacher keeps materials but does not organise or run the class.
    status, error = testing.ApiCaller(actors["teacher"])(
        "PUT", f"/materials/{material.pk}/classes/{class_id}"
    )
    assert status == 404
    status, _ = testing.ApiCaller(actors["institution"])(
        "PUT", f"/materials/{material.pk}/classes/{class_id}"
    )
    assert status == 200
    status, error = testing.ApiCaller(actors["institution"])(
        "PUT", f"/materials/{material.pk}/classes/{class_id}"
    )
    assert status == 422 and error["error"]["code"] == "material_already_attached"
    gone = _client(actors["institution"]).delete(
        f"/api/v1/materials/{material.pk}/classes/{class_id}"
    )
    assert gone.status_code == 204
    assert [e.action for e in AuditEvent.objects.filter(object_type="material").order_by("id")] == [
        "material.create",
        "material.attach_class",
        "material.detach_class",
    ]


def test_the_api_uploads_a_material_and_a_version(store: Path, tree: dict, actors: dict) -> None:
    client = _client(actors["institution"])
    made = client.post(
        "/api/v1/materials",
        {"org_id": tree["C1"].id, "title": "案例汇编", "subject": "law",
         "file": _file(builders.pdf(), "案例.pdf")},
    )  # fmt: skip
    assert made.status_code == 201, made.content
    material = made.json()
    assert (material["current_version"], material["versions"][0]["file_type"]) == (1, "pdf")
    again = client.post(
        f"/api/v1/materials/{material['id']}/versions", {"file": _file(builders.EXE, "x.pdf")}
    )
    assert again.status_code == 422, again.content
    assert again.json()["error"]["code"] == "material_bad_file", again.content
    status, rows = testing.ApiCaller(actors["district"])("GET", "/materials?q=案例")
    assert (status, [r["title"] for r in rows]) == (200, ["案例汇编"])


def test_in_production_the_web_server_sends_the_file(store: Path, tree: dict, actors: dict) -> None:
    upload(actors["institution"], tree["C1"].id, builders.pdf(), "讲义.pdf")
    material = only_material()
    stored = material.versions.get().stored
    with override_settings(CIVTRAIN_COURSEWARE_ACCEL="/protected/"):
        got = _client(actors["institution"]).get(f"/materials/{material.pk}/download")
    assert got["X-Accel-Redirect"] == f"/protected/materials/{stored}"
    assert got["Content-Disposition"].startswith("attachment;")
    assert (store / "materials" / stored).stat().st_mode & 0o777 == 0o600


# --- no N+1 ------------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_library_and_a_trainees_list_read_as_many_rows_in_the_same_queries(
    store: Path, tree: dict, actors: dict
) -> None:
    from civtrain.materials.api import material_attach_class, material_create

    staff = actors["institution"]
    trainee = testing.make_person(tree["U1"], name="学员丙")
    class_id = _running_class(tree, actors, [trainee.id])
    learner = _client(User.objects.get(person__pk=trainee.id))
    library = _client(staff)

    def add(n: int) -> None:
        for i in range(n):
            text = f"第 {i} 讲".encode()
            m = material_create(
                actor=staff, org_id=tree["C1"].id, title=f"讲义{i}", filename=f"{i}.txt",
                size=len(text), chunks=[text], subject="law",
            )  # fmt: skip
            material_attach_class(actor=staff, material_id=m.pk, class_id=class_id)

    add(3)
    few = (_queries(library, "/materials/"), _queries(learner, "/materials/mine/"))
    few_class = _queries(learner, f"/classes/{class_id}/")
    add(12)
    assert (_queries(library, "/materials/"), _queries(learner, "/materials/mine/")) == few
    assert _queries(learner, f"/classes/{class_id}/") == few_class
