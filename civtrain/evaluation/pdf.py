"""The evaluator's report as a PDF (CQ-M4): WeasyPrint with the project's vendored CJK font,
as the documents app renders its certificates (ADR 0020). documents.api offers no generic
render of free text, so the report keeps this small renderer of its own."""

import atexit
import datetime as dt
import threading
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.html import escape, linebreaks

FONT_DIR = Path(settings.BASE_DIR) / "civtrain" / "web" / "static" / "vendor" / "noto-serif-sc"
FONT_FAMILY = "Noto Serif SC"
LATIN_RANGE = "U+0000-00FF,U+2000-206F,U+20AC,U+2122,U+2212,U+FEFF,U+FFFD"
_LOCK = threading.Lock()  # WeasyPrint's font configuration is not shared between threads


def _font_css() -> str:
    rules = []
    for weight in (400, 700):
        for subset, unicode_range in (("chinese-simplified", ""), ("latin", LATIN_RANGE)):
            path = FONT_DIR / f"noto-serif-sc-{subset}-{weight}-normal.woff"
            if not path.is_file():
                raise FileNotFoundError(f"{path} is missing: run `make setup` (vendor_assets)")
            rng = f" unicode-range: {unicode_range};" if unicode_range else ""
            rules.append(
                f"@font-face {{ font-family: '{FONT_FAMILY}'; font-weight: {weight}; "
                f"src: url({path.as_uri()});{rng} }}"
            )
    rules.append(
        f"@page {{ size: A4; margin: 22mm 20mm; }} body {{ font-family: '{FONT_FAMILY}'; "
        "font-size: 11pt; line-height: 1.7; } h1 { font-size: 17pt; text-align: center; "
        "margin: 0 0 4mm; } .meta { text-align: center; color: #444; margin-bottom: 8mm; } "
        ".sign { margin-top: 12mm; text-align: right; }"
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


def report_pdf(*, title: str, subtitle: str, body: str, author: str, date: dt.date) -> bytes:
    """The report's text as an A4 PDF: a title, the class, the body's paragraphs, the
    evaluator's name and date."""
    from weasyprint import HTML

    html = (
        '<html lang="zh-Hans"><head><meta charset="utf-8"></head><body>'
        f"<h1>{escape(title)}</h1><div class='meta'>{escape(subtitle)}</div>"
        f"{linebreaks(escape(body))}"
        f"<div class='sign'>评估人员：{escape(author)}<br>{date:%Y年%m月%d日}</div>"
        "</body></html>"
    )
    config, fonts = _fonts()
    with _LOCK:
        return bytes(HTML(string=html).write_pdf(stylesheets=[fonts], font_config=config))
