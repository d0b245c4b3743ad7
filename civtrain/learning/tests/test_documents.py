"""PDF documents (#12 item 2): uploaded by a bureau, checked to be a readable PDF, served to
the course's learners, read in the page with pdf.js, and timed per page shown (PR-3)."""

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfWriter

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.core import clock
from civtrain.learning import api
from civtrain.learning.models import ItemProgress

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 4, 1, 9, 0, tzinfo=clock.TZ)


def make_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def course(tree: dict, actors: dict[str, Any]) -> api.CourseData:
    clock.freeze(T0)
    return api.course_create(
        actor=actors["city"], title="公文处理办法", org_code="C1", kind="pdf", hours="1"
    )


def post_document(actor: Any, course_id: int, content: bytes, name: str, **fields: str) -> Any:
    client = Client()
    client.force_login(actor)
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(
        f"/learning/manage/{course_id}/documents", {"file": upload, **fields}, follow=True
    )


def test_a_pdf_becomes_a_document_item_the_learner_reads_page_by_page(
    store: Path, tree: dict, actors: dict, course: Any
) -> None:
    page = post_document(actors["city"], course.id, make_pdf(3), "办法.pdf", minutes="1")
    assert "文档已添加：办法，共 3 页" in page.content.decode()
    [item] = api.course_items(course.id)
    assert (item.kind, item.pages, item.duration_seconds) == ("pdf", 3, 60)

    person = testing.make_person(tree["U1"], name="学员乙")
    learner = User.objects.get(person__pk=person.id)
    client = Client()
    client.force_login(learner)
    served = client.get(f"/learning/items/{item.id}/file", HTTP_RANGE="bytes=0-4")
    assert served.status_code == 206 and served.content == b"%PDF-"
    assert served["Content-Type"] == "application/pdf"
    player = client.get(f"/learning/items/{item.id}/play/").content.decode()
    assert "vendor/pdfjs/pdf.min" in player and 'id="player-pdf"' in player

    call = testing.ApiCaller(learner)
    _, session = call("POST", f"/learning/items/{item.id}/sessions")
    assert float(session["position"]) == 1  # a document opens at its first page
    # 20 s on page 1, 10 s on page 2, then 30 s on page 3: a beat names the page shown
    # during the time since the one before; the server keeps each page's reading time.
    beats = [(20, 1), (10, 2), (15, 3), (15, 3)]
    elapsed = 0
    for seq, (seconds, shown) in enumerate(beats, start=1):
        elapsed += seconds
        clock.freeze(T0 + dt.timedelta(seconds=elapsed))
        status, beat = call(
            "POST",
            "/learning/heartbeats",
            {"token": session["token"], "seq": seq, "position": shown},
        )
        assert status == 200, beat
    progress = ItemProgress.objects.get(person_id=person.id, item_id=item.id)
    assert progress.pages_seen == {"1": 30.0, "2": 15.0, "3": 15.0}
    assert beat["earned"] == "60.00" and beat["item_completed"] and beat["course_completed"]


def test_a_file_that_is_not_a_readable_pdf_is_refused_and_nothing_is_stored(
    store: Path, actors: dict, course: Any
) -> None:
    cases = [
        (b"GIF89a not a pdf", "假文档.pdf", "文件不是 PDF 文档"),
        (make_pdf(2)[:60], "截断.pdf", "PDF 文档已损坏"),
        (make_pdf(1), "文档.docx", "只接受 PDF 文档"),
    ]
    for content, name, message in cases:
        page = post_document(actors["city"], course.id, content, name)
        assert message in page.content.decode(), name
    assert api.course_items(course.id) == []
    assert not [p for p in store.rglob("*") if p.is_file()]


def test_only_the_courses_authors_add_documents(
    store: Path, tree: dict, actors: dict, course: Any
) -> None:
    page = post_document(actors["other_city"], course.id, make_pdf(1), "外市.pdf")
    assert page.status_code == 404  # the course is not theirs to see, nor to add to
    assert api.course_items(course.id) == []
