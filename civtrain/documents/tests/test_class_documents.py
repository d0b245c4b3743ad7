"""The completion form (结业考试考核情况登记表) and the class certificate (结业证书) of a class
whose results are final, and the `civtrain document …` command for every kind: the PDF's
text compared with the class's records and the ledger (issue #15 items 1 and 5; ZZ-M1, ZZ-M3,
CQ-M3)."""

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from civtrain import testing
from civtrain.classes.api import (
    ClassStatus,
    SessionInput,
    class_data,
    class_transition,
    session_create,
    sessions_of,
)
from civtrain.core.errors import ValidationFailed
from civtrain.credits.api import entry_rows
from civtrain.documents import api, sealing
from civtrain.documents.data import DocumentKind, DocumentRequest
from civtrain.documents.models import Document
from civtrain.documents.tests.conftest import CLEAR_ID_NUMBER
from civtrain.enrolment import api as enrolment_api
from civtrain.enrolment import api as enrolment_services
from civtrain.enrolment.data import AttendanceStatus, ResultInput
from civtrain.organisations.api import OrgNodeData, org_labels
from civtrain.people.data import PersonData

D = Decimal
FAILED_ID_NUMBER = testing.make_id_number(serial=778)
CONDUCT = {"attitude": D(92), "participation": D(88), "interaction": D(85), "discipline": D(95)}


def squeeze(text: str) -> str:
    return "".join(text.split())


def text_of(pdf: bytes) -> str:
    return squeeze("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


@pytest.fixture
def finished_class(
    tree: dict[str, OrgNodeData], actors: dict[str, Any], person: PersonData
) -> dict[str, Any]:
    """A three-session class (24 h, 5 days) with the booklet's person, who attended all and
    passed, and 王小二, who missed one session and failed; results final (in the ledger)."""
    city, hr, staff = actors["city"], actors["unit_hr"], actors["institution"]
    institution = testing.make_institution(tree["C1"])
    tc = testing.make_class(city, tree["C1"], institution.id)
    for day in range(2, 5):
        session_create(
            actor=staff,
            class_id=tc.id,
            data=SessionInput(
                date=dt.date(2026, 3, day),
                start_time=dt.time(9),
                end_time=dt.time(17),
                topic=f"第{day - 1}天",
                hours=D(8),
            ),
        )
    class_transition(actor=city, class_id=tc.id, to=ClassStatus.OPEN)
    failed = testing.make_person(tree["U1"], "王小二", id_number=FAILED_ID_NUMBER)
    enrolment_services.nominations_create(
        actor=hr, class_id=tc.id, person_ids=[person.id, failed.id]
    )
    class_transition(actor=staff, class_id=tc.id, to=ClassStatus.RUNNING)
    enrol = {t.person_id: t.enrolment_id for t in enrolment_api.trainee_results(class_id=tc.id)}
    for i, s in enumerate(sessions_of(tc.id)):
        for pid in (person.id, failed.id):
            status = (
                AttendanceStatus.ABSENT if pid == failed.id and i == 1 else AttendanceStatus.PRESENT
            )
            enrolment_services.attendance_record(
                actor=staff, session_id=s.id, enrolment_id=enrol[pid], status=status
            )
    conduct = {f"conduct_{k}": v for k, v in CONDUCT.items()}
    enrolment_services.results_record(
        actor=staff,
        class_id=tc.id,
        rows=[
            ResultInput(
                enrolment_id=enrol[person.id], exam_score=D(86), peer_score=D(90), **conduct
            ),
            ResultInput(
                enrolment_id=enrol[failed.id], exam_score=D(35), peer_score=D(60), **conduct
            ),
        ],
    )
    enrolment_services.results_finalise(actor=staff, class_id=tc.id)
    return {"class": class_data(tc.id), "passed": person, "failed": failed, "staff": staff}


def issue(actor: Any, person: PersonData, kind: DocumentKind, class_id: int) -> tuple[Any, bytes]:
    doc = api.document_issue(
        actor=actor, request=DocumentRequest(kind, person.id, class_id=class_id)
    )
    return doc, api.document_pdf(doc)


def _score(value: Decimal | None) -> str:
    # As the form prints a number: no trailing zeros (82.60 → 82.6, 86.00 → 86).
    return "" if value is None else f"{value.normalize():f}"


def test_the_completion_form_prints_the_class_and_the_trainees_record(
    finished_class: dict[str, Any], hr: Any
) -> None:
    tc, person = finished_class["class"], finished_class["passed"]
    doc, pdf = issue(hr, person, DocumentKind.COMPLETION_FORM, tc.id)
    text = text_of(pdf)
    (result,) = enrolment_api.trainee_results(class_id=tc.id, person_id=person.id)
    assert result.passed is True and result.present == 3 == result.sessions
    # The header: the form's title, who, and the class as the classes app holds it.
    organiser = org_labels([tc.organiser_id])[tc.organiser_id]
    for expected in (
        "结业考试考核情况登记表",
        doc.serial,
        "欧阳明远",
        person.id_number_masked,
        f"{tc.title}（{tc.code}）",
        f"{tc.start_date}至{tc.end_date}，{_score(tc.days)}天，{_score(tc.total_hours)}学时",
        organiser,
    ):
        assert squeeze(expected) in text, expected
    assert CLEAR_ID_NUMBER not in text
    # Each row of the record, read from the enrolment, in the form's order.
    rows = [
        ("应到课次", str(result.sessions)),
        ("出勤", str(result.present)),
        ("请假", str(result.leave)),
        ("缺勤", str(result.absent)),
        ("考试成绩", _score(result.exam_score)),
        ("学习态度", _score(result.conduct_attitude)),
        ("课堂参与", _score(result.conduct_participation)),
        ("交流研讨", _score(result.conduct_interaction)),
        ("遵守纪律", _score(result.conduct_discipline)),
        ("民主评议", _score(result.peer_score)),
        ("综合成绩", _score(result.total_score)),
    ]
    assert [(line["item"], line["value"]) for line in doc.content["lines"]] == rows
    for item, value in rows:
        assert f"{item}{value}" in text, (item, value)
    assert "结业考核结论合格" in text


def test_the_completion_form_of_a_failed_trainee_says_so(
    finished_class: dict[str, Any], hr: Any
) -> None:
    tc, failed = finished_class["class"], finished_class["failed"]
    doc, pdf = issue(hr, failed, DocumentKind.COMPLETION_FORM, tc.id)
    text = text_of(pdf)
    (result,) = enrolment_api.trainee_results(class_id=tc.id, person_id=failed.id)
    assert result.passed is False and (result.present, result.absent) == (2, 1)
    assert "出勤2" in text and "缺勤1" in text
    assert "结业考核结论不合格" in text
    # The ledger says the same: the class's entry for this person is a failed one.
    (entry,) = entry_rows().filter(person_id=failed.id)
    assert entry.result == "failed" and doc.content["verdict"] == "不合格"


def test_the_class_certificate_is_for_those_who_passed_only(
    finished_class: dict[str, Any], hr: Any
) -> None:
    tc, person, failed = (finished_class[k] for k in ("class", "passed", "failed"))
    doc, pdf = issue(hr, person, DocumentKind.CLASS_CERTIFICATE, tc.id)
    text = text_of(pdf)
    organiser = org_labels([tc.organiser_id])[tc.organiser_id]
    sentence = (
        f"欧阳明远（身份证号{person.id_number_masked}，{doc.content['person']['unit']}）"
        f"于{tc.start_date}至{tc.end_date}参加{organiser}举办的{tc.title}（{tc.code}），"
        f"共{_score(tc.days)}天、{_score(tc.total_hours)}学时，完成规定课程，经考核合格，准予结业。"
    )
    assert sentence in text
    assert "结业证书" in text and doc.serial in text and CLEAR_ID_NUMBER not in text
    # The certificate carries the content signature like every document.
    assert sealing.verify_pdf(pdf).ok
    # A trainee who failed gets none: refused with the reason, nothing issued.
    with pytest.raises(ValidationFailed, match=r"未通过培训班 .* 的结业考核"):
        issue(hr, failed, DocumentKind.CLASS_CERTIFICATE, tc.id)
    assert not Document.objects.filter(person_id=failed.id).exists()


def test_a_person_outside_the_class_gets_no_class_document(
    finished_class: dict[str, Any], hr: Any, tree: dict[str, OrgNodeData]
) -> None:
    stranger = testing.make_person(tree["U1"], "赵六")
    with pytest.raises(ValidationFailed, match="未参加培训班"):
        issue(hr, stranger, DocumentKind.COMPLETION_FORM, finished_class["class"].id)


# -- the command ---------------------------------------------------------------------------
def document(*args: str) -> str:
    out = io.StringIO()
    call_command("document", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("kind", "extra", "title"),
    [
        ("booklet", [], "公务员培训证书"),
        ("transcript", ["--year", "2025"], "年度培训学时证明"),
        ("assessment-extract", ["--year", "2025"], "年度考核登记表"),
        ("appointment-extract", [], "干部任免审批表"),
    ],
)
def test_the_command_writes_each_persons_document(
    person: PersonData, tmp_path: Path, kind: str, extra: list[str], title: str
) -> None:
    out = tmp_path / f"{kind}.pdf"
    said = document(kind, "--id-number", CLEAR_ID_NUMBER, *extra, "--out", str(out))
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    outcome = sealing.verify_pdf(data)
    assert outcome.ok and outcome.content is not None
    serial = outcome.content["serial"]
    assert said.strip() == f"{serial} {outcome.content['title']} → {out}"
    text = text_of(data)
    assert title in text and "欧阳明远" in text and serial in text
    if "--year" in extra:
        # Only the lines of that year, as the ledger holds them.
        titles = set(entry_rows().filter(person_id=person.id, year=2025).values_list(
            "title", flat=True
        ))  # fmt: skip
        printed = {line["name"] for line in outcome.content["lines"]}
        assert printed <= titles and printed
    # The same request again gives the same document (nothing changed in the ledger).
    again = tmp_path / "again.pdf"
    document(kind, "--id-number", CLEAR_ID_NUMBER, *extra, "--out", str(again))
    again_content = sealing.verify_pdf(again.read_bytes()).content
    assert again_content is not None and again_content["serial"] == serial


def test_the_command_writes_the_class_documents(
    finished_class: dict[str, Any], tmp_path: Path
) -> None:
    tc = finished_class["class"]
    for kind, title in (
        ("completion-form", "结业考试考核情况登记表"),
        ("class-certificate", "结业证书"),
    ):
        out = tmp_path / f"{kind}.pdf"
        document(kind, "--id-number", CLEAR_ID_NUMBER, "--class", tc.code, "--out", str(out))
        text = text_of(out.read_bytes())
        assert title in text and tc.code in text and "欧阳明远" in text


def test_the_command_prints_an_extracts_text_to_paste(person: PersonData, tmp_path: Path) -> None:
    out = tmp_path / "a.pdf"
    said = document(
        "appointment-extract", "--id-number", CLEAR_ID_NUMBER, "--out", str(out), "--text"
    )
    first = said.splitlines()[0]
    assert first == "2025.03.01—2025.06.20 重庆市委党校 中青年干部培训班学习。"


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["booklet", "--id-number", "110101199001011234"], "没有这个身份证号的人员"),
        (["transcript", "--id-number", CLEAR_ID_NUMBER], "需要指定年度"),
        (["completion-form", "--id-number", CLEAR_ID_NUMBER], "需要指定培训班"),
        (
            ["class-certificate", "--id-number", CLEAR_ID_NUMBER, "--class", "NO-SUCH"],
            "没有编号为 NO-SUCH 的培训班",
        ),
        (["booklet", "--id-number", CLEAR_ID_NUMBER, "--actor", "nobody"], "用户 nobody 不存在"),
    ],
)
def test_the_command_refuses_with_the_reason_and_writes_nothing(
    person: PersonData, tmp_path: Path, args: list[str], reason: str
) -> None:
    out = tmp_path / "refused.pdf"
    with pytest.raises(CommandError, match=reason):
        document(*args, "--out", str(out))
    assert not out.exists()
    assert not Document.objects.filter(person_id=person.id).exists()


def test_the_command_refuses_a_certificate_to_a_failed_trainee(
    finished_class: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "c.pdf"
    with pytest.raises(CommandError, match="未通过培训班"):
        document(
            "class-certificate",
            "--id-number",
            FAILED_ID_NUMBER,
            "--class",
            finished_class["class"].code,
            "--out",
            str(out),
        )
    assert not out.exists()


def test_the_command_as_a_user_is_scoped_like_the_pages(
    person: PersonData, actors: dict[str, Any], hr: Any, tmp_path: Path
) -> None:
    out = tmp_path / "b.pdf"
    document("booklet", "--id-number", CLEAR_ID_NUMBER, "--actor", hr.username, "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF")
    other = actors["other_city"]
    with pytest.raises(CommandError):
        document(
            "booklet",
            "--id-number",
            CLEAR_ID_NUMBER,
            "--actor",
            other.username,
            "--out",
            str(tmp_path / "other.pdf"),
        )
    assert not (tmp_path / "other.pdf").exists()
