"""Roster import and export (issue 2 item 5): bad rows named, all-or-nothing, upsert, round trip."""

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from civtrain.accounts.api import SYSTEM, Role
from civtrain.core.models import AuditEvent
from civtrain.core.tabular import error_workbook
from civtrain.people.data import parse_release_reason
from civtrain.people.exports import ExportRequest
from civtrain.people.exports import roster_export as _roster_export
from civtrain.people.imports import ROSTER_HEADERS, ROW_NOT_IN_SCOPE, roster_import
from civtrain.people.models import Person
from civtrain.testing import make_id_number, make_user

H = list(ROSTER_HEADERS)
ID_A = make_id_number(dt.date(1990, 5, 17), serial=11)  # 17th digit 1 → male
ID_B = make_id_number(dt.date(1985, 1, 2), serial=22)  # 2 → female
ID_C = make_id_number(dt.date(1979, 12, 31), serial=33)


def xlsx(rows: list[list[Any]], headers: list[str] = H) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# Clear numbers are exported for a reason only (#17 item 4).
REASON = parse_release_reason("training_registration", "报名初任培训")


def roster_export(*, actor: Any, fmt: str) -> tuple[bytes, int]:
    """The one roster export (people.exports), as `civtrain export-roster` calls it."""
    export = _roster_export(actor=actor, request=ExportRequest(fmt=fmt, reason=REASON))
    return export.content, export.rows


def csv_bytes(rows: list[list[Any]], headers: list[str] = H, encoding: str = "utf-8-sig") -> bytes:
    lines = [",".join(headers)] + [",".join(str(c) for c in r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def row(name: str, id_number: str, unit: str = "U1", **over: Any) -> list[Any]:
    base = {
        "姓名": name,
        "身份证号": id_number,
        "性别": "",
        "出生日期": "",
        "单位编码": unit,
        "人员类别": "综合管理类",
        "职级": "一级科员",
        "职务层次": "",
        "是否基层": "否",
        "是否机关基础岗位": "是",
        "是否行政执法": "否",
        "报到日期": "2015-03-01",
        "手机号": "13800138000",
    }
    base.update(over)
    return [base[h] for h in H]


def errors_of(report: Any) -> list[tuple[int, str, str]]:
    return sorted((e.row, e.column, e.reason) for e in report.errors)


@pytest.mark.django_db
def test_bad_roster_is_rejected_with_every_row_named_and_nothing_written(tree: Any) -> None:
    # implements issue 2 "must show": bad check digit, unknown unit, duplicate ID, impossible
    # date, missing name → each named with its Excel row number, nothing written.
    bad_check = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")
    data = xlsx(
        [
            row("李四", ID_B),  # row 2: fine
            row("王五", bad_check),  # row 3
            row("赵六", ID_C, unit="NOPE"),  # row 4
            row("钱七", ID_B),  # row 5: same ID as row 2
            row("孙八", ID_A, 报到日期="2015-02-30"),  # row 6
            row("", make_id_number(serial=44)),  # row 7
        ]
    )
    report, _ = roster_import(data, actor=SYSTEM, filename="bad.xlsx")

    assert errors_of(report) == [
        (2, "身份证号", "身份证号在文件中重复（与第 5 行相同）"),
        (3, "身份证号", "身份证号校验位错误"),
        (4, "单位编码", ROW_NOT_IN_SCOPE),
        (5, "身份证号", "身份证号在文件中重复（与第 2 行相同）"),
        (6, "报到日期", "日期不存在：2015年2月30日"),
        (7, "姓名", "姓名不能为空"),
    ]
    assert report.rows_read == 6
    assert report.valid == 0
    assert report.written is False
    assert Person.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="person.").exists()
    assert report.summary() == (
        "读取 6 行，有效 0 行，错误 6 行；未写入任何数据（存在错误行，整批未导入）"
    )


@pytest.mark.django_db
def test_one_bad_row_blocks_the_whole_file_by_default(tree: Any) -> None:
    data = xlsx([row("李四", ID_B), row("王五", ID_A, 性别="未知")])
    report, _ = roster_import(data, actor=SYSTEM, filename="r.xlsx")
    assert errors_of(report) == [(3, "性别", "性别应为 男/女，而不是“未知”")]
    assert report.valid == 1
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_skip_invalid_writes_the_valid_rows_and_reports_the_bad(tree: Any) -> None:
    data = xlsx([row("李四", ID_B), row("王五", ID_A, 职级="处长"), row("赵六", ID_C)])
    report, table = roster_import(data, actor=SYSTEM, filename="r.xlsx", skip_invalid=True)
    assert errors_of(report) == [(3, "职级", "无法识别的职级“处长”")]
    assert (report.created, report.updated, report.unchanged, report.written) == (2, 0, 0, True)
    assert sorted(Person.objects.values_list("name", flat=True)) == ["李四", "赵六"]
    # The error workbook holds the bad row as it was, with its row number and the reason.
    wb = CalamineWorkbook.from_filelike(io.BytesIO(error_workbook(report, table)))
    sheet = wb.get_sheet_by_index(0).to_python()
    assert sheet[0][-2:] == ["原行号", "错误原因"]
    assert sheet[1][0] == "王五"
    assert sheet[1][-2:] == [3.0, "职级：无法识别的职级“处长”"]
    assert len(sheet) == 2


@pytest.mark.django_db
def test_dry_run_reports_exact_counts_and_writes_nothing(tree: Any) -> None:
    data = xlsx([row("李四", ID_B), row("赵六", ID_C)])
    report, _ = roster_import(data, actor=SYSTEM, filename="r.xlsx", dry_run=True)
    assert (report.created, report.updated, report.valid, report.written) == (2, 0, 2, False)
    assert Person.objects.count() == 0
    assert (
        AuditEvent.objects.count() == 0
        or not AuditEvent.objects.filter(action__startswith="person.").exists()
    )


@pytest.mark.django_db
def test_second_import_updates_by_id_number_with_before_after_audit(tree: Any) -> None:
    roster_import(xlsx([row("李四", ID_B), row("赵六", ID_C)]), actor=SYSTEM, filename="a.xlsx")
    person = Person.objects.get(name="李四")
    assert person.unit.code == "U1"
    assert person.user_id is not None  # learner account made with the person
    second = xlsx([row("李四", ID_B, 单位编码="U2", 职级="二级主任科员"), row("赵六", ID_C)])
    report, _ = roster_import(second, actor=SYSTEM, filename="b.xlsx")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    person.refresh_from_db()
    assert (person.unit.code, person.rank) == ("U2", "二级主任科员")
    # A move between units: one row under each unit's path (issue 8 item 1).
    events = AuditEvent.objects.filter(action="person.update", object_id=str(person.pk))
    assert sorted(e.org_path for e in events) == sorted([tree["U1"].path, tree["U2"].path])
    for event in events:
        assert event.changes == {
            "rank": ["一级科员", "二级主任科员"],
            "unit_id": [tree["U1"].id, tree["U2"].id],
        }
        assert event.actor_label == "system"
    summary = AuditEvent.objects.filter(action="person.import").order_by("id").last()
    assert summary is not None
    assert summary.changes["updated"] == 1


@pytest.mark.django_db
def test_date_formats_excel_serials_and_real_date_cells(tree: Any) -> None:
    ids = [make_id_number(dt.date(1990, 1, 1), serial=100 + i) for i in range(6)]
    cells = ["2015-03-01", "2015/3/1", "2015.3.1", "2015年3月1日", 42064, dt.date(2015, 3, 1)]
    data = xlsx([row(f"人{i}", ids[i], 报到日期=c) for i, c in enumerate(cells)])
    report, _ = roster_import(data, actor=SYSTEM, filename="d.xlsx")
    assert report.errors == []
    assert set(Person.objects.values_list("reporting_date", flat=True)) == {dt.date(2015, 3, 1)}


@pytest.mark.django_db
def test_full_width_input_and_stray_spaces_are_normalised(tree: Any) -> None:
    full = "".join(chr(ord(c) + 0xFEE0) for c in ID_A)  # full-width digits
    data = xlsx(
        [
            row(
                " 王　五 ",
                f" {full} ",
                unit="Ｕ１",
                是否基层="Y",
                是否机关基础岗位="n",
                职务层次="副处",
                手机号="138 0013 8000",
                出生日期="１９９０年５月１７日",
            )
        ]
    )
    report, _ = roster_import(data, actor=SYSTEM, filename="w.xlsx")
    assert report.errors == []
    p = Person.objects.get()
    assert (p.name, p.unit.code, p.grassroots, p.basic_post) == ("王 五", "U1", True, False)
    assert (p.leadership_level, p.phone, p.id_number) == ("division_deputy", "13800138000", ID_A)
    assert p.birth_date == dt.date(1990, 5, 17)
    assert p.gender == "M"  # derived from the ID number when the cell is empty


@pytest.mark.django_db
def test_csv_with_bom_and_gb18030_and_aliased_reordered_headers(tree: Any) -> None:
    headers = ["单位代码", "公民身份号码", "姓名", "职务级别"]
    rows = [["U1", ID_A, "王五", "正科"], ["U2", ID_B, "李四", ""]]
    for encoding in ("utf-8-sig", "gb18030"):
        report, _ = roster_import(
            csv_bytes(rows, headers, encoding), actor=SYSTEM, filename="r.csv"
        )
        assert report.errors == [], encoding
    assert dict(Person.objects.values_list("name", "leadership_level")) == {
        "王五": "section_chief",
        "李四": "",
    }


@pytest.mark.django_db
def test_birth_date_must_match_the_id_number_and_phone_must_be_a_mobile(tree: Any) -> None:
    data = csv_bytes([row("王五", ID_A, 出生日期="1990-05-18", 手机号="12345")])
    report, _ = roster_import(data, actor=SYSTEM, filename="r.csv")
    assert errors_of(report) == [
        (2, "出生日期", "出生日期与身份证号不一致（身份证号中为 1990-05-17）"),
        (2, "手机号", "手机号应为11位数字，以1开头"),
    ]


@pytest.mark.django_db
def test_missing_required_column_is_one_clear_message(tree: Any) -> None:
    report, _ = roster_import(
        xlsx([["王五", "U1"]], ["姓名", "单位编码"]), actor=SYSTEM, filename="r.xlsx"
    )
    assert report.message == "第 1 行的表头缺少必需的列：身份证号"
    assert report.ok is False


@pytest.mark.django_db
def test_unit_hr_cannot_import_into_another_unit(tree: Any, actors: dict[str, Any]) -> None:
    # Out of scope reads exactly like an unknown code (ARCHITECTURE §7).
    data = xlsx([row("王五", ID_A, unit="U1"), row("李四", ID_B, unit="U2")])
    report, _ = roster_import(data, actor=actors["unit_hr"], filename="r.xlsx")
    assert errors_of(report) == [(3, "单位编码", ROW_NOT_IN_SCOPE)]
    assert Person.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_reimport_changes_nothing(tree: Any, fmt: str) -> None:
    rows = [
        row("王五", ID_A, 职务层次="县处级副职", 是否基层="是"),
        row("李四", ID_B, unit="U2", 手机号="", 人员类别="行政执法类", 职级="一级主办"),
    ]
    roster_import(xlsx(rows), actor=SYSTEM, filename="a.xlsx")
    before = list(Person.objects.order_by("id").values())
    content, count = roster_export(actor=SYSTEM, fmt=fmt)
    assert count == 2
    report, _ = roster_import(content, actor=SYSTEM, filename=f"export.{fmt}")
    assert (report.errors, report.created, report.updated, report.unchanged) == ([], 0, 0, 2)
    assert list(Person.objects.order_by("id").values()) == before
    export_audit = AuditEvent.objects.get(action="person.export")
    assert export_audit.changes == {
        "rows": 2,
        "unit_code": "",
        "filters": {},
        "personal_data": True,
        "masked": False,
        "reason": "培训报名、考试或证书办理：报名初任培训",
        "purpose": "training_registration",
        "note": "报名初任培训",
    }


@pytest.mark.django_db
def test_export_gives_the_template_headers_and_clear_values(tree: Any) -> None:
    roster_import(xlsx([row("王五", ID_A)]), actor=SYSTEM, filename="a.xlsx")
    content, _ = roster_export(actor=SYSTEM, fmt="csv")
    text = content.decode("utf-8-sig").splitlines()
    # The template's headers exactly, then the login name HR hands out (#11 item 1).
    assert text[0] == ",".join(H) + ",登录名"
    login = Person.objects.select_related("user").get().user.username
    assert login.startswith("gwy")
    assert text[1] == (
        f"王五,{ID_A},男,1990-05-17,U1,综合管理类,一级科员,,否,是,否,2015-03-01,13800138000,"
        + login
    )


@pytest.mark.django_db
def test_export_is_scoped_to_the_actor(tree: Any) -> None:
    roster_import(
        xlsx([row("王五", ID_A), row("李四", ID_B, unit="U2")]), actor=SYSTEM, filename="a.xlsx"
    )
    hr = make_user(Role.UNIT_HR, tree["U2"])
    content, count = roster_export(actor=hr, fmt="csv")
    assert count == 1
    assert "李四" in content.decode("utf-8-sig")


@pytest.mark.django_db
def test_cli_import_and_export(tree: Any, tmp_path: Any) -> None:
    src = tmp_path / "r.xlsx"
    src.write_bytes(xlsx([row("王五", ID_A), row("", ID_B)]))
    errors = tmp_path / "errors.xlsx"
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 行有错误"):
        call_command("import_roster", str(src), errors_out=str(errors), stdout=out, stderr=out)
    assert "姓名不能为空" in out.getvalue()
    assert errors.exists()
    assert Person.objects.count() == 0
    call_command("import_roster", str(src), skip_invalid=True, stdout=out, stderr=out)
    assert Person.objects.count() == 1
    assert AuditEvent.objects.filter(action="person.create").get().actor_label == (
        "system（命令行）"
    )
    dest = tmp_path / "out.csv"
    # Clear numbers without a reason: refused, nothing written or audited (#17 item 4).
    with pytest.raises(CommandError, match="请选择导出或查看完整身份证号、手机号的用途"):
        call_command("export_roster", str(dest), unit="U1", stdout=out)
    with pytest.raises(CommandError, match="请填写用途说明"):
        call_command("export_roster", str(dest), unit="U1", purpose="other", stdout=out)
    assert not dest.exists()
    assert not AuditEvent.objects.filter(action="person.export").exists()
    call_command(
        "export_roster",
        str(dest),
        unit="U1",
        purpose="report_superior",
        reason="报送区人社局",
        stdout=out,
    )
    assert dest.read_text(encoding="utf-8-sig").count("\n") == 2
    assert ID_A in dest.read_text(encoding="utf-8-sig")
    event = AuditEvent.objects.get(action="person.export")
    assert event.changes["reason"] == "向上级主管部门报送：报送区人社局"
    assert event.actor_label == "system（命令行）"
    masked = tmp_path / "masked.csv"
    call_command("export_roster", str(masked), unit="U1", masked=True, stdout=out)
    assert "王五" in masked.read_text(encoding="utf-8-sig")
    assert ID_A not in masked.read_text(encoding="utf-8-sig")


@pytest.mark.django_db
def test_cli_and_page_export_are_one_export(tree: Any, tmp_path: Any) -> None:
    """issue #9 item 5: `civtrain export-roster --actor` writes the file the people page
    downloads for that user — the same rows, scope and audit row."""
    from django.test import Client
    from django.urls import reverse

    roster_import(
        xlsx([row("王五", ID_A), row("李四", ID_B, unit="U2")]), actor=SYSTEM, filename="a.xlsx"
    )
    hr = make_user(Role.UNIT_HR, tree["U2"])
    dest = tmp_path / "cli.csv"
    call_command(
        "export_roster",
        str(dest),
        actor=hr.username,
        purpose="identity_check",
        reason="年度核对",
        stdout=io.StringIO(),
    )
    client = Client()
    client.force_login(hr)
    # The whole roster, as the CLI writes it (the list shows people in post unless asked).
    page = client.post(
        reverse("people:export"),
        {
            "format": "csv",
            "status": "all",
            "numbers": "clear",
            "purpose": "identity_check",
            "reason": "年度核对",
        },
    )
    assert page.status_code == 200
    assert dest.read_bytes() == page.content
    assert "李四" in page.content.decode("utf-8-sig")
    assert "王五" not in page.content.decode("utf-8-sig")
    cli_row, page_row = AuditEvent.objects.filter(action="person.export").order_by("id")
    assert cli_row.changes == page_row.changes
    assert cli_row.org_path == page_row.org_path == tree["U2"].path


@pytest.mark.django_db
def test_imported_people_get_learner_accounts_bound_to_their_unit(tree: Any) -> None:
    from civtrain.accounts.api import User, actor_scope

    roster_import(
        xlsx([row("王五", ID_A), row("李四", ID_B, unit="U2")]), actor=SYSTEM, filename="a.xlsx"
    )
    for person in Person.objects.select_related("unit"):
        user = User.objects.get(pk=person.user_id)
        assert user.username == f"gwy{person.pk:07d}"  # never the ID number
        assert user.display_name == person.name
        assert user.has_usable_password() is False
        assert actor_scope(user).paths == {Role.LEARNER: (person.unit.path,)}
    # Ids taken by the bulk path do not collide with the next ordinary insert.
    again, _ = roster_import(xlsx([row("赵六", ID_C)]), actor=SYSTEM, filename="b.xlsx")
    assert again.created == 1
    assert Person.objects.count() == 3


@pytest.mark.django_db
def test_the_shipped_templates_import_cleanly(tree: Any) -> None:
    from pathlib import Path

    from django.conf import settings

    from civtrain.people.imports import roster_template

    shipped = Path(settings.BASE_DIR) / "docs" / "templates" / "roster-template.xlsx"
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(shipped.read_bytes())).get_sheet_by_index(0)
    assert sheet.to_python()[0] == H
    for data, name in ((roster_template("xlsx"), "t.xlsx"), (shipped.read_bytes(), "s.xlsx")):
        report, _ = roster_import(data, actor=SYSTEM, filename=name, dry_run=True)
        assert (report.errors, report.created) == ([], 1)


@pytest.mark.django_db
def test_an_id_number_excel_stored_as_a_number_is_explained(tree: Any) -> None:
    report, _ = roster_import(
        xlsx([row("王五", float(ID_A[:17] + "0"))]), actor=SYSTEM, filename="n.xlsx"
    )
    assert errors_of(report) == [
        (2, "身份证号", "身份证号被 Excel 存成了数字，末几位已丢失，请把该列设为文本后重新填写")
    ]
