"""HTML/CSS templates → PDF with WeasyPrint, the project's own CJK font embedded (ADR 0020).

The font is Noto Serif SC from the npm package `@fontsource/noto-serif-sc` (package-lock.json),
copied by `civtrain vendor_assets` under the app's static files: no system font is assumed.
The font faces are loaded once per process (a shared FontConfiguration and stylesheet);
a render holds a lock because WeasyPrint's font configuration is not meant to be shared
between threads at once (background jobs run on threads in the embedded default).

The garbage collector (issue #15, docs/benchmarks.md "Documents"): a 40-line booklet leaves
~43,000 objects in reference cycles (WeasyPrint's element tree, styles, boxes, Pango layouts),
so each render triggers Python's collections, and the full ones scan the whole heap — Django,
the apps, the parsed fonts, ~150,000 objects that live as long as the process. After the
first render, what is alive is moved out of the collector's generations (`gc.freeze`), so
later collections scan only what came after: the served booklet costs a fifth less CPU.
"""

import atexit
import datetime as dt
import gc
import threading
from functools import cache
from pathlib import Path
from typing import Any

import segno
from django.conf import settings
from django.template import Context, Engine

FONT_DIR = Path(settings.BASE_DIR) / "civtrain" / "web" / "static" / "vendor" / "noto-serif-sc"
# weight → (file, unicode-range). The Latin subset covers digits and letters; declared last,
# it is tried first for what its range covers (CSS Fonts: later faces win), the Chinese
# subset for the rest. Ranges as @fontsource's own CSS gives them.
LATIN_RANGE = (
    "U+0000-00FF,U+0131,U+0152-0153,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+0304,U+0308,U+0329,"
    "U+2000-206F,U+20AC,U+2122,U+2191,U+2193,U+2212,U+2215,U+FEFF,U+FFFD"
)
FONT_FILES = {
    weight: (
        (f"noto-serif-sc-chinese-simplified-{weight}-normal.woff", ""),
        (f"noto-serif-sc-latin-{weight}-normal.woff", LATIN_RANGE),
    )
    for weight in (400, 700)
}
FONT_FAMILY = "Noto Serif SC"  # the name the PDF records as each font's BaseFont
_LOCK = threading.Lock()
_frozen = False  # the long-lived heap moved out of the collector's way (see above)
# The documents are official Chinese forms whatever language the interface is in: their
# templates live apart from the pages' (not under templates/, so neither the interface's
# translation catalogue nor its language checks apply) and render with an engine of their own.
PDF_TEMPLATES = Path(__file__).resolve().parent / "pdf_templates"
_ENGINE = Engine(dirs=[str(PDF_TEMPLATES)], autoescape=True)


def font_paths() -> list[Path]:
    return [FONT_DIR / name for faces in FONT_FILES.values() for name, _ in faces]


def _font_css() -> str:
    rules = []
    for weight, faces in FONT_FILES.items():
        for name, unicode_range in faces:
            path = FONT_DIR / name
            if not path.is_file():
                raise FileNotFoundError(f"{path} is missing: run `make setup` (vendor_assets)")
            rng = f" unicode-range: {unicode_range};" if unicode_range else ""
            rules.append(
                f"@font-face {{ font-family: '{FONT_FAMILY}'; font-weight: {weight}; "
                f"src: url({path.as_uri()});{rng} }}"
            )
    return "\n".join(rules)


@cache
def _fonts() -> tuple[Any, Any]:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    return config, CSS(string=_font_css(), font_config=config)


# Drop the font configuration before the interpreter tears modules down (its finaliser
# needs them).
atexit.register(_fonts.cache_clear)


def qr_svg(url: str) -> str:
    """The verify page's address as a QR code (segno), an SVG data URI for the template."""
    return str(segno.make(url, error="m").svg_data_uri(border=0, dark="#111"))


def html_of(content: dict[str, Any], *, verify_url: str, sealed: bool = True) -> str:
    """The document's HTML. `sealed=False` leaves out the QR code (the benchmark's baseline)."""
    context = {
        "c": content,
        "verify_url": verify_url,
        "qr": qr_svg(verify_url) if sealed else "",
        "issuer": settings.CIVTRAIN_DOCUMENT_ISSUER,
        "font_family": FONT_FAMILY,
    }
    return _ENGINE.get_template(f"{content['kind']}.html").render(Context(context))


def pdf_of(
    html: str, *, attachment: str = "", name: str = "", at: dt.datetime | None = None
) -> bytes:
    """The PDF of `html`, with `attachment` (text) embedded under `name` when given."""
    from weasyprint import HTML, Attachment

    config, fonts = _fonts()
    attachments = (
        [Attachment(string=attachment, name=name, created=at, modified=at)] if attachment else []
    )
    with _LOCK:
        pdf = bytes(
            HTML(string=html).write_pdf(
                stylesheets=[fonts], font_config=config, attachments=attachments
            )
        )
        _freeze_long_lived()
    return pdf


def _freeze_long_lived() -> None:
    """Once per process, after the first render (fonts parsed, templates compiled, WeasyPrint's
    caches filled): collect the garbage, then freeze what remains — the process's long-lived
    objects — so the collections later renders trigger skip it. Frozen objects are still freed
    by reference counting; only cycles among them, made garbage later, stay (a one-off few)."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()
