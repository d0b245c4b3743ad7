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


# --- what may not be stored, and what may not reach a spreadsheet live (issue 8 items 5–6) ---

# C0 controls but tab, line feed and carriage return; DEL; C1 controls. NUL in a name broke
# every .xlsx export on SQLite; none of them has a place in anything people type.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_REASON = "含有不可见的控制字符（如 NUL），请删除后重新输入"


def has_control_characters(text: str) -> bool:
    # isprintable() is the C-speed fast path for the usual cell; tabs, newlines and
    # ideographic spaces are not "printable" either, so those go on to the exact test.
    return not text.isprintable() and _CONTROL.search(text) is not None


def without_control_characters(text: str) -> str:
    """Control characters replaced by U+FFFD, for writing out what is already stored."""
    return _CONTROL.sub("\ufffd", text)


# A spreadsheet evaluates a cell that starts with one of these as a formula (OWASP "CSV
# injection"); tab and carriage return too when a CSV is pasted.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A civil servant's name never starts like a formula: such a "name" is an injection attempt.
FORMULA_NAME_REASON = "姓名不能以 = + - @ 开头（电子表格会把它当作公式）"
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def looks_like_formula(text: str) -> bool:
    """True for "=HYPERLINK(…)", "+SUM(…)", "-2+3", "@SUM(…)"; False for "-5" or "-"."""
    return (
        text.startswith(FORMULA_PREFIXES)
        and len(text) > 1
        and _PLAIN_NUMBER.fullmatch(text) is None
    )


def spreadsheet_safe(value: object) -> object:
    """What every export writes in a cell (issue 8 item 5): text that a spreadsheet would
    run as a formula gets a leading apostrophe, so it shows as the text it is; control
    characters (which .xlsx cannot hold) become U+FFFD. Numbers and dates pass unchanged."""
    if not isinstance(value, str):
        return value
    if not value.isprintable():
        value = without_control_characters(value)
    if looks_like_formula(value):
        return "'" + value
    return value
