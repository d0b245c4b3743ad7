"""Normalising what people type into spreadsheets: full-width characters, stray spaces."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalise(value: object) -> str:
    """NFKC (full-width → half-width), trimmed, inner runs of spaces collapsed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).replace("\u3000", " ")
    return _SPACES.sub(" ", text).strip()


def compact(value: object) -> str:
    """normalise() with every space removed: for codes, ID numbers, phone numbers."""
    return normalise(value).replace(" ", "")


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "t"}
_FALSE = {"否", "n", "no", "false", "0", "×", "f", ""}


def parse_bool(value: object) -> bool:
    text = compact(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"“{value}”不是 是/否（或 Y/N）")
