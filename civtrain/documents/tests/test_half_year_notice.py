"""The half-year notice of online learning (半年通报, ZZ-N2; issue #12 item 5) as a signed PDF
issued through documents (issue #15 item 4): its figures are the notice page's, it is
verified like every document, and only personnel staff over the node get it."""

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from civtrain import testing
from civtrain.core import clock
from civtrain.core.errors import NotFound
from civtrain.documents import api, sealing, services
from civtrain.documents.models import Document
from civtrain.learning import api as learning_api
from civtrain.organisations.api import OrgNodeData

H1 = (2026, 1)


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def unit(tree: dict[str, OrgNodeData], actors: dict[str, Any]) -> dict[str, Any]:
    """U1: 王一 finished the required course and an elective in May, 李二 the elective only,
    赵三 nothing (the notice page's own test data, learning/tests/test_supervision.py)."""
    clock.freeze(dt.datetime(2026, 5, 10, 10, 0, tzinfo=clock.TZ))
    city = actors["city"]
    required = learning_api.course_create(
        actor=city, title="宪法学习", org_code="C1", kind="video", hours=Decimal(2), required=True
    )
    elective = learning_api.course_create(
        actor=city, title="公文写作", org_code="C1", kind="video", hours=Decimal(1)
    )
    people = {n: testing.make_person(tree["U1"], name=n) for n in ("王一", "李二", "赵三")}
    for name, course in (("王一", required), ("王一", elective), ("李二", elective)):
        learning_api.course_complete(
            actor=city, person_id=people[name].id, course_id=course.id, source="heartbeat"
        )
    clock.freeze(dt.datetime(2026, 7, 6, 9, 0, tzinfo=clock.TZ))
    return {"people": people, "required": required}


def pdf_text(pdf: bytes) -> str:
    return squeeze("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def test_a_units_notice_prints_the_pages_figures_and_is_signed(
    tree: dict[str, OrgNodeData], actors: dict[str, Any], unit: dict[str, Any]
) -> None:
    hr = actors["unit_hr"]
    doc = services.notice_issue(actor=hr, year=2026, half=1, org_id=tree["U1"].id)
    pdf = api.document_pdf(doc)
    text = pdf_text(pdf)
    notice = learning_api.supervision_notice(
        actor=hr, half=learning_api.SupervisionHalf(*H1), org_id=tree["U1"].id
    )
    assert squeeze(f"{tree['U1'].name}在线学习半年通报") in text
    assert squeeze(notice.half.label) in text and doc.serial in text
    # The totals, and one line per person with the page's figures, laggards first.
    total = doc.content["total"]
    assert (total["people"], total["laggards"]) == (
        str(notice.total.people),
        str(notice.total.laggards),
    )
    assert [line["name"] for line in doc.content["lines"]] == [f.person.name for f in notice.people]
    for f, line in zip(notice.people, doc.content["lines"], strict=True):
        assert float(line["online_hours"] or 0) == float(f.online_hours)
        assert line["missing"] == "、".join(f.missing)
        assert line["laggard"] == ("是" if f.laggard else "")
        assert squeeze(f.person.name) in text
    assert "宪法学习" in text  # the required course 李二 and 赵三 have not finished
    # Verified offline like every document: genuine, and a changed byte is refused.
    assert sealing.verify_pdf(pdf).ok
    changed = bytearray(pdf)
    changed[len(pdf) // 2] ^= 1
    assert not sealing.verify_pdf(bytes(changed)).ok


def test_the_same_figures_give_the_same_notice_and_new_ones_supersede_it(
    tree: dict[str, OrgNodeData], actors: dict[str, Any], unit: dict[str, Any]
) -> None:
    hr = actors["unit_hr"]
    first = services.notice_issue(actor=hr, year=2026, half=2, org_id=tree["U1"].id)
    again = services.notice_issue(actor=hr, year=2026, half=2, org_id=tree["U1"].id)
    assert again.serial == first.serial
    # 赵三 finishes the required course in July: the second half's figures change.
    learning_api.course_complete(
        actor=actors["city"],
        person_id=unit["people"]["赵三"].id,
        course_id=unit["required"].id,
        source="heartbeat",
    )
    newer = services.notice_issue(actor=hr, year=2026, half=2, org_id=tree["U1"].id)
    assert newer.serial != first.serial
    old = api.document_by_serial(first.serial)
    assert old is not None and old.superseded_by == newer.serial


def test_the_district_gets_a_row_per_unit_and_nobody_outside_gets_any(
    tree: dict[str, OrgNodeData], actors: dict[str, Any], unit: dict[str, Any]
) -> None:
    doc = services.notice_issue(actor=actors["district"], year=2026, half=1)
    assert doc.content["org"]["name"] == tree["D1"].name
    assert [c["name"] for c in doc.content["children"]] == [tree["U1"].name]
    assert doc.content["lines"] == []
    for actor, org in ((actors["district"], tree["U2"]), (actors["other_city"], tree["U1"])):
        with pytest.raises(NotFound):
            services.notice_issue(actor=actor, year=2026, half=1, org_id=org.id)
    assert Document.objects.filter(kind="half-year-notice").count() == 1


def test_the_notice_page_downloads_the_pdf(
    tree: dict[str, OrgNodeData], actors: dict[str, Any], unit: dict[str, Any]
) -> None:
    client = Client()
    client.force_login(actors["unit_hr"])
    page = client.get(reverse("supervision:notice") + "?year=2026&half=1").content.decode()
    assert reverse("documents:half_year_notice") in page and "下载签名 PDF" in page
    answer = client.post(
        reverse("documents:half_year_notice"), {"year": 2026, "half": 1, "org": tree["U1"].id}
    )
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert "attachment" in answer["Content-Disposition"]
    assert "王一" in pdf_text(answer.content)
    # The verify page shows the node and the period, and the API serves it in scope only.
    serial = Document.objects.get(kind="half-year-notice").serial
    verify = Client().get(reverse("documents:verify", args=[serial])).content.decode()
    assert tree["U1"].name in verify and "2026 年上半年" in verify
    outside = Client()
    outside.force_login(actors["other_city"])
    refused = outside.post(
        reverse("documents:half_year_notice"), {"year": 2026, "half": 1, "org": tree["U1"].id}
    )
    assert refused.status_code == 404
    from civtrain.testing import ApiCaller

    status, _ = ApiCaller(actors["unit_hr"])("GET", f"/documents/{serial}/pdf")
    assert status == 200
    status, _ = ApiCaller(actors["other_city"])("GET", f"/documents/{serial}/pdf")
    assert status == 404
