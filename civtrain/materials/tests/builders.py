"""Files for the teaching-materials tests: real documents and hostile ones."""

import io
import zipfile

from pypdf import PdfWriter


def pdf(pages: int = 1, text: str = "") -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if text:
        writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx(body: str = "讲义", *, extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", f"<w:document><w:body>{body}</w:body></w:document>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def docx_bomb() -> bytes:
    """A .docx whose one member unpacks to 20 MB of zeros from about 20 KB (ratio ~1000)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w") as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(20):
                member.write(block)
    return out.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 200
