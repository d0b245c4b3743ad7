"""Each document for a person with 41 trainings: rendered over several pages, its text
compared with the ledger, the CJK font embedded, and a page drawn with glyphs (issue #15)."""

import io
import shutil
import subprocess
from typing import Any

import pytest
from pypdf import PdfReader

from civtrain.credits.api import entry_rows
from civtrain.documents import api
from civtrain.documents.data import DocumentKind, DocumentRequest
from civtrain.people.data import PersonData


def squeeze(text: str) -> str:
    return "".join(text.split())


def issue(actor: Any, person: PersonData, kind: DocumentKind, **kw: Any) -> tuple[Any, bytes]:
    doc = api.document_issue(actor=actor, request=DocumentRequest(kind, person.id, **kw))
    return doc, api.document_pdf(doc)


def test_the_booklet_prints_every_ledger_line_over_several_pages(
    hr: Any, person: PersonData
) -> None:
    doc, pdf = issue(hr, person, DocumentKind.BOOKLET)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 4  # cover, personal page, 41 lines over several A5 pages
    text = squeeze("".join(p.extract_text() for p in reader.pages))
    ledger = list(entry_rows().filter(person_id=person.id).order_by("date", "id"))
    assert len(ledger) == 41
    for e in ledger:
        assert squeeze(e.title) in text, e.title
    # The lines say what the ledger says, in its order (dates, hours as recorded).
    printed = [(line["name"], line["end"]) for line in doc.content["lines"]]
    assert printed == [(e.title, e.date.isoformat()) for e in ledger]
    for line, e in zip(doc.content["lines"], ledger, strict=True):
        if e.hours is not None:
            assert float(line["hours"]) == float(e.hours)
    assert doc.serial in text and "欧阳明远" in text and person.id_number_masked in text


def fonts_of(pdf: bytes) -> set[str]:
    """Every font a page uses, as pdffonts lists them (name, embedded)."""
    reader = PdfReader(io.BytesIO(pdf))
    found = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            desc = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            embedded = desc is not None and any(
                k in desc.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            found.add((str(font["/BaseFont"]), embedded))
    return found


@pytest.mark.parametrize(
    ("kind", "extra"),
    [
        (DocumentKind.BOOKLET, {}),
        (DocumentKind.TRANSCRIPT, {"year": 2025}),
        (DocumentKind.ASSESSMENT_EXTRACT, {"year": 2025}),
        (DocumentKind.APPOINTMENT_EXTRACT, {}),
    ],
)
def test_each_document_embeds_the_projects_cjk_font(
    hr: Any, person: PersonData, kind: DocumentKind, extra: dict[str, Any]
) -> None:
    _, pdf = issue(hr, person, kind, **extra)
    fonts = fonts_of(pdf)
    # Every font embedded, and every one the project's Noto Serif SC (regular and bold).
    assert fonts and all(embedded for _, embedded in fonts), fonts
    assert all("+Noto-Serif-SC" in name for name, _ in fonts), fonts


def test_the_extracts_give_text_to_paste(hr: Any, person: PersonData) -> None:
    doc, pdf = issue(hr, person, DocumentKind.APPOINTMENT_EXTRACT)
    # Only the three-month off-the-job class is over two months (CQ-M3).
    assert [line["name"] for line in doc.content["lines"]] == ["中青年干部培训班"]
    assert doc.content["text"] == "2025.03.01—2025.06.20 重庆市委党校 中青年干部培训班学习。"
    text = squeeze("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert squeeze(doc.content["text"]) in text


def ink_columns(band: Any) -> list[bytes]:
    """The bitmaps of the runs of inked columns in a band of a page (one per glyph or part
    of one): empty columns separate them."""
    width, height = band.size
    pixels = band.load()
    inked = [any(pixels[x, y] < 128 for y in range(height)) for x in range(width)]
    runs, start = [], None
    for x, ink in enumerate([*inked, False]):
        if ink and start is None:
            start = x
        elif not ink and start is not None:
            runs.append(band.crop((start, 0, x, height)).tobytes())
            start = None
    return runs


def test_a_page_rendered_to_png_shows_glyphs_not_boxes(
    hr: Any, person: PersonData, tmp_path: Any
) -> None:
    # pdftoppm (poppler-utils) is installed by `make browser`, as chromium is: never skipped.
    from PIL import Image

    _, pdf = issue(hr, person, DocumentKind.BOOKLET)
    (tmp_path / "b.pdf").write_bytes(pdf)
    subprocess.run(  # noqa: S603 - our own file, a fixed program
        [shutil.which("pdftoppm") or "pdftoppm", "-r", "100", "-f", "1", "-l", "1", "-png",
         "-singlefile", str(tmp_path / "b.pdf"), str(tmp_path / "cover")],
        check=True,
    )  # fmt: skip
    page = Image.open(tmp_path / "cover.png").convert("L")
    mm = page.size[0] / 148  # A5: 148 mm wide
    # Inside the cover's double border, the first band of ink is the title 公务员培训证书.
    inner = page.crop((int(25 * mm), int(25 * mm), int(123 * mm), int(120 * mm)))
    rows = [
        any(inner.getpixel((x, y)) < 128 for x in range(inner.size[0]))
        for y in range(inner.size[1])
    ]
    top = rows.index(True)
    bottom = top + rows[top:].index(False)
    glyphs = ink_columns(inner.crop((0, top, inner.size[0], bottom)))
    # Seven characters (some in two parts, 训 is 讠 + 川); missing glyphs would be seven
    # identical boxes (.notdef), drawn glyphs are shapes that differ.
    assert len(glyphs) >= 7
    assert len(set(glyphs)) >= 7
    assert bottom - top > 6 * mm  # 24 pt characters, not a hairline
