"""The teacher pool imported from Excel (CQ-B2): Chinese headers, categories and full- or
part-time, every bad row named with its reason, and nothing written unless all rows are good."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civtrain.core.tabular import write_table
from civtrain.faculty.imports import TEMPLATE_HEADERS, teacher_import
from civtrain.faculty.models import Teacher

pytestmark = pytest.mark.django_db

GOOD = [
    ["王教授", "专家学者", "兼职", "外聘", "教授", "法治、公文写作", "13800000001"],
    ["李局长", "领导干部", "兼职", "内部", "局长", "施政能力", ""],
    ["赵老师", "管理人员", "专职", "内部", "", "", "138-0000-0003"],
]


def _xlsx(rows: list[list[str]]) -> bytes:
    return write_table(TEMPLATE_HEADERS, rows, fmt="xlsx", sheet_title="师资")


def test_a_good_file_imports_every_teacher_with_category_and_subjects(
    tree: dict, actors: dict[str, Any]
) -> None:
    result = teacher_import(
        actor=actors["city"], org_id=tree["C1"].id, data=_xlsx(GOOD), filename="师资.xlsx"
    )
    assert (result.created, result.errors) == (3, [])
    rows = {t.name: t for t in Teacher.objects.filter(org_id=tree["C1"].id)}
    wang = rows["王教授"]
    assert (wang.category, wang.full_time, wang.internal) == ("expert", False, False)
    assert wang.subjects == ["law", "writing"] and wang.phone_masked == "138******01"
    assert (rows["李局长"].category, rows["赵老师"].full_time) == ("leader", True)
    assert rows["赵老师"].phone == "13800000003"


def test_bad_rows_are_named_and_nothing_is_written(tree: dict, actors: dict[str, Any]) -> None:
    rows = [
        *GOOD,
        ["钱老师", "讲师", "兼职", "内部", "", "", ""],  # not a category
        ["孙老师", "专家学者", "兼职", "内部", "", "量子力学", ""],  # not a catalogue subject
        ["周老师", "专家学者", "半职", "内部", "", "", "123"],  # two bad cells: first reported
        ["王教授", "专家学者", "兼职", "外聘", "教授", "法治", "13800000001"],  # row 2 again
    ]
    result = teacher_import(
        actor=actors["city"], org_id=tree["C1"].id, data=_xlsx(rows), filename="师资.xlsx"
    )
    assert result.created == 0
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (5, "师资类别", "讲师"),
        (6, "授课科目", "量子力学"),
        (7, "专兼职", "半职"),
        (8, "姓名", "王教授"),
    ]
    assert "第 2 行" in result.errors[-1].reason
    assert not Teacher.objects.exists()


def test_the_import_page_lists_errors_and_the_template_downloads(
    tree: dict, actors: dict[str, Any], client: Any
) -> None:
    client.force_login(actors["district"])
    template = client.get("/teachers/import/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    bad = SimpleUploadedFile("师资.xlsx", _xlsx([["", "专家学者", "", "", "", "", ""]]))
    page = client.post("/teachers/import/", {"org_id": "D1", "file": bad})
    html = page.content.decode()
    assert "1 处错误，未导入任何教师" in html and "姓名为空" in html
    good = SimpleUploadedFile("师资.xlsx", _xlsx(GOOD[:1]))
    response = client.post("/teachers/import/", {"org_id": "D1", "file": good})
    assert response.status_code == 302
    listing = client.get("/teachers/?category=expert").content.decode()
    assert "王教授" in listing and "兼职" in listing
    # Another city's node: refused, nothing written.
    other = SimpleUploadedFile("师资.xlsx", _xlsx(GOOD[1:2]))
    client.post("/teachers/import/", {"org_id": "C2", "file": other})
    assert not Teacher.objects.filter(name="李局长").exists()
