"""Journey of issue #16 item 2 (CQ-B4, teaching materials): an institution uploads a handout
to the library, attaches it to the class it runs, and a trainee downloads it from their
materials page (the current version, through the protected download path)."""

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from pypdf import PdfWriter

from civtrain import testing
from civtrain.accounts.api import SYSTEM, User, user_password_set
from civtrain.classes.api import ClassInput, ClassStatus, class_create, class_transition
from civtrain.demo.geography import CHONGQING
from civtrain.demo.steps import DemoContext
from civtrain.enrolment.api import nominations_create
from civtrain.web.tests.e2e.conftest import AS_OF, Web

INSTITUTION = ("cq_institution", "Cq-Inst#2026demo")
HR_UNIT = "500103003"  # cq_unit_hr's unit
PASSWORD = "Trainee-Mat#2026"
CLASS_TITLE = "资料测试班（行政执法）"


def _pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


HANDOUT = _pdf(2)


@pytest.fixture
def trainee(demo: DemoContext, settings: Any, tmp_path: Path) -> str:
    """A running class of a school under the city (which cq_institution acts for) with one
    trainee who can log in; built before the browser starts. Files go to the test's own dir."""
    settings.CIVTRAIN_COURSEWARE_DIR = tmp_path / "courseware"
    bureau = demo.actors[CHONGQING.code]
    city = demo.orgs[CHONGQING.code]
    school = testing.make_institution(city, name="重庆市资料测试学院")
    tc = class_create(
        actor=bureau,
        data=ClassInput(
            code="E2E-MAT-01",
            title=CLASS_TITLE,
            training_type="thematic",
            mode="off_the_job",
            organiser_id=city.id,
            institution_id=school.id,
            start_date=AS_OF - dt.timedelta(days=1),
            end_date=AS_OF + dt.timedelta(days=2),
            days=Decimal(4),
            total_hours=Decimal(16),
            capacity=10,
            subject_hours={},
        ),
    )
    class_transition(actor=bureau, class_id=tc.id, to=ClassStatus.OPEN)
    person = testing.make_person(demo.orgs[HR_UNIT], name="资料学员")
    nominations_create(
        actor=User.objects.get(username="cq_unit_hr"), class_id=tc.id, person_ids=[person.id]
    )
    class_transition(actor=bureau, class_id=tc.id, to=ClassStatus.RUNNING)
    user = User.objects.get(person__pk=person.id)
    user_password_set(actor=SYSTEM, user_id=user.pk, password=PASSWORD)
    return str(user.username)


def test_an_institution_uploads_a_handout_attaches_it_and_a_trainee_downloads_it(
    trainee: str, web: Web
) -> None:
    staff = web.new_page()
    web.login(staff, *INSTITUTION)
    staff.locator("#sidebar-menu").get_by_role("link", name="教学资料库").click()
    expect(staff.locator("h1.page-title")).to_have_text("教学资料库")
    form = staff.locator("#material-upload")
    form.get_by_label("标题").fill("行政执法讲义")
    form.get_by_label("科目").select_option(label="法治")
    form.get_by_label("编者").fill("执法培训教研室")
    form.locator("#m-file").set_input_files(
        files=[{"name": "行政执法讲义.pdf", "mimeType": "application/pdf", "buffer": HANDOUT}]
    )
    form.get_by_role("button", name="上传").click()
    expect(staff.locator(".alert-success")).to_contain_text("资料已上传（第 1 版）")
    expect(staff.locator("#material-current")).to_have_text("当前第 1 版")
    expect(staff.locator("#version-table")).to_contain_text("行政执法讲义.pdf")

    attach = staff.locator("#attach-class")
    attach.locator("select[name=class_id]").select_option(label=f"E2E-MAT-01 {CLASS_TITLE}")
    attach.get_by_role("button", name="关联到培训班").click()
    expect(staff.locator(".alert-success")).to_contain_text("资料已关联到培训班")
    expect(staff.locator("#material-classes")).to_contain_text(CLASS_TITLE)
    # The class's page lists it for its staff too.
    staff.locator("#material-classes").get_by_role("link", name=CLASS_TITLE).click()
    expect(staff.locator("#attached-materials")).to_contain_text("行政执法讲义")
    staff.context.close()

    page = web.new_page()
    web.login(page, trainee, PASSWORD)
    page.locator("#sidebar-menu").get_by_role("link", name="我的学习资料").click()
    row = page.locator("#my-class-materials .list-group-item", has_text="行政执法讲义")
    expect(row).to_contain_text(CLASS_TITLE)
    with page.expect_download() as download:
        row.get_by_role("link", name="下载").click()
    assert download.value.suggested_filename == "行政执法讲义.pdf"
    assert download.value.path().read_bytes() == HANDOUT
    web.assert_clean()
