"""Org-tree import (CQ-O2): parents after children, row errors, updates and moves."""

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civtrain.accounts.api import SYSTEM
from civtrain.organisations.api import org_by_codes
from civtrain.organisations.imports import orgs_import

HEADERS = "编码,名称,上级编码,类型"


def csv_file(*lines: str) -> bytes:
    return ("\ufeff" + "\n".join([HEADERS, *lines]) + "\n").encode()


@pytest.mark.django_db
def test_children_before_parents_are_created_in_tree_order() -> None:
    data = csv_file(
        "U9,某某局办公室,U8,内设机构",
        "U8,某某局,D8,单位",
        "D8,某某区,C8,区县",
        "C8,某某市,,市",
    )
    report, _ = orgs_import(data, actor=SYSTEM, filename="orgs.csv")
    assert (report.errors, report.created, report.written) == ([], 4, True)
    nodes = org_by_codes()
    assert nodes["U9"].path == nodes["U8"].path + f"{nodes['U9'].id:09d}/"
    assert nodes["U8"].path.startswith(nodes["D8"].path)
    assert [nodes[c].depth for c in ("C8", "D8", "U8", "U9")] == [0, 1, 2, 3]


@pytest.mark.django_db
def test_bad_rows_are_named_and_nothing_is_written(tree: Any) -> None:
    data = csv_file(
        "N1,新单位,D1,单位",  # row 2: fine
        "N2,孤儿单位,ZZZ,单位",  # row 3: unknown parent
        "N3,怪东西,D1,街道",  # row 4: bad kind
        "N4,区下的区,D1,区县",  # row 5: kind not allowed under parent
        "N1,重复,D1,单位",  # row 6: duplicate of row 2
        "N5,循环甲,N6,单位",  # rows 7–8: a cycle
        "N6,循环乙,N5,单位",
    )
    report, _ = orgs_import(data, actor=SYSTEM, filename="orgs.csv")
    assert sorted((e.row, e.column, e.reason) for e in report.errors) == [
        (2, "编码", "编码在文件中重复（与第 6 行相同）"),
        (3, "上级编码", "上级编码不存在或不在您的管辖范围内"),
        (4, "类型", "类型应为 市/区县/单位/内设机构，而不是“街道”"),
        (5, "类型", "“区县”不能设在“区县”之下"),
        (6, "编码", "编码在文件中重复（与第 2 行相同）"),
        (7, "上级编码", "上级关系构成循环"),
        (8, "上级编码", "上级关系构成循环"),
    ]
    assert report.written is False
    assert "N1" not in org_by_codes()


@pytest.mark.django_db
def test_existing_codes_update_name_and_move(tree: Any) -> None:
    data = csv_file("U1,渝中区人社局（新）,D2,单位", "U2,江北区司法局,D2,单位")
    report, _ = orgs_import(data, actor=SYSTEM, filename="orgs.csv")
    assert (report.errors, report.created, report.updated, report.unchanged) == ([], 0, 1, 1)
    nodes = org_by_codes()
    assert nodes["U1"].name == "渝中区人社局(新)"  # full-width brackets normalised
    assert nodes["U1"].parent_id == nodes["D2"].id
    # The department moved along with its unit.
    assert nodes["U1-1"].path.startswith(nodes["D2"].path)


@pytest.mark.django_db
def test_only_the_city_bureau_imports_the_tree(tree: Any, actors: dict[str, Any]) -> None:
    # CQ-O2: the same rule as the org services; a district bureau's file is refused whole.
    data = csv_file("N1,新单位,D1,单位")
    report, _ = orgs_import(data, actor=actors["district"], filename="orgs.csv")
    assert report.message == "只有市公务员局可以导入机构设置"
    assert "N1" not in org_by_codes()


@pytest.mark.django_db
def test_city_bureau_cannot_hang_nodes_outside_its_city(tree: Any, actors: dict[str, Any]) -> None:
    data = csv_file("N1,新单位,D1,单位", "N2,别市单位,U3,内设机构")
    report, _ = orgs_import(data, actor=actors["city"], filename="orgs.csv")
    assert [(e.row, e.reason) for e in report.errors] == [(3, "上级编码不存在或不在您的管辖范围内")]
    assert "N1" not in org_by_codes()


@pytest.mark.django_db
def test_cli_dry_run_writes_nothing(tree: Any, tmp_path: Any) -> None:
    src = tmp_path / "orgs.csv"
    src.write_bytes(csv_file("N1,新单位,D1,单位"))
    out = io.StringIO()
    call_command("import_orgs", str(src), dry_run=True, stdout=out, stderr=out)
    assert "试运行（未写入）：将新增 1" in out.getvalue()
    assert "N1" not in org_by_codes()
    src.write_bytes(csv_file("N1,新单位,NOPE,单位"))
    with pytest.raises(CommandError):
        call_command("import_orgs", str(src), stdout=out, stderr=out)


@pytest.mark.django_db
def test_the_shipped_org_template_imports_cleanly() -> None:
    from pathlib import Path

    from django.conf import settings

    data = (Path(settings.BASE_DIR) / "docs" / "templates" / "org-template.csv").read_bytes()
    report, _ = orgs_import(data, actor=SYSTEM, filename="org-template.csv")
    assert (report.errors, report.created) == ([], 4)


def test_the_import_is_filed_under_the_nodes_it_wrote(tree: Any, actors: dict[str, Any]) -> None:
    """#8 item 9: org.import had an empty org path and showed to nobody."""
    from civtrain.web.selectors import AuditFilters, audit_event_list

    city = actors["city"]
    orgs = ("\ufeff编码,名称,上级编码,类型\nU7,新单位,D2,单位\n").encode()
    report, _ = orgs_import(orgs, actor=city, filename="orgs.csv")
    assert report.created == 1, report.errors
    [event] = list(audit_event_list(actor=city, filters=AuditFilters(action="org.import")))
    assert event.org_path.startswith(tree["D2"].path)
    other = AuditFilters(action="org.import")
    assert list(audit_event_list(actor=actors["other_city"], filters=other)) == []
