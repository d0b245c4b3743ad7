"""The class roster as Excel (issue #11 item 2): the columns a class manager needs, each user
only the trainees they may see, formula-safe, audited, ID numbers masked."""

import io
import re
from typing import Any

from django.test import Client
from openpyxl import load_workbook

from civtrain import testing
from civtrain.core.models import AuditEvent
from civtrain.enrolment import services
from civtrain.enrolment.exports import ROSTER_HEADERS
from civtrain.enrolment.models import Enrolment
from civtrain.enrolment.tests.test_failed_results import _run_class

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export(user: Any, class_id: int) -> Any:
    client = Client()
    client.force_login(user)
    return client.post(f"/enrolment/classes/{class_id}/roster/export/")


def _rows(response: Any) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header == ROSTER_HEADERS
    return {r[0]: dict(zip(header, r, strict=True)) for r in rows}


def test_the_organiser_gets_every_trainee_with_status_attendance_leave_and_result(
    tree: dict, actors: dict[str, Any]
) -> None:
    tc, people, _enrol = _run_class(tree, actors)
    rows = _rows(_export(actors["city"], tc.id))
    assert set(rows) == set(people)
    passed, failed, over = rows["合格"], rows["不合格"], rows["超假"]
    assert (passed["状态"], passed["出勤（次）"], passed["结果"]) == ("已录取", 3, "合格")
    assert passed["综合成绩"] == "82.0" or float(passed["综合成绩"]) == 82
    assert (failed["结果"], failed["请假学时"]) == ("不合格", "0")
    # NAT-6: 8 h of approved leave for session 2, then withdrawn (退学) with the reason.
    assert (over["状态"], over["请假（次）"], over["请假学时"]) == ("退学", 1, "8")
    assert "超过总学时 24 的七分之一" in over["退出/退学原因"]
    dropped = rows["机构退学"]
    assert "严重违反学习纪律" in dropped["退出/退学原因"]
    assert str(actors["institution"].display_name) in dropped["退出/退学经办"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", dropped["退出/退学经办"].split(" ", 1)[1])
    for row in rows.values():
        assert row["单位"] == "渝中区人力社保局"
        assert re.fullmatch(r"\d{2}\*{16}", row["身份证号（脱敏）"]), row  # never in clear
        assert row["登录名"].startswith("gwy"), row
    audit = AuditEvent.objects.filter(action="table.export").get()
    assert audit.object_label == f"{tc.title}学员名单（xlsx）"


def test_each_user_gets_only_the_trainees_they_may_see(tree: dict, actors: dict[str, Any]) -> None:
    tc, _people, _enrol = _run_class(tree, actors)
    other = testing.make_person(tree["U2"], name="江北学员")
    # One trainee from another district's unit (the class runs already, so no nomination).
    Enrolment.objects.filter(person__name="未到退学").update(
        person_id=other.id, unit_id=tree["U2"].id
    )
    assert set(_rows(_export(actors["unit_hr"], tc.id))) == {"合格", "不合格", "超假", "机构退学"}
    assert "江北学员" in _rows(_export(actors["institution"], tc.id))
    # Another city's bureau does not see the class at all: absent, not forbidden.
    assert _export(actors["other_city"], tc.id).status_code == 404
    assert _export(actors["other_city"], 999_999).status_code == 404


def test_free_text_is_written_as_text_never_as_a_formula(
    tree: dict, actors: dict[str, Any]
) -> None:
    tc, _people, enrol = _run_class(tree, actors)
    services.enrolment_withdraw(
        actor=actors["institution"],
        enrolment_id=enrol["不合格"].pk,
        reason='=HYPERLINK("http://evil.example","点我")',
    )
    rows = _rows(_export(actors["city"], tc.id))
    cell = rows["不合格"]["退出/退学原因"]
    assert "HYPERLINK" in cell and not cell.startswith("=")
